/** Builds a vocabulary from training data (fastText's first pass, done once). */
import type { Example } from '../data/example.js';
import { EOS } from '../features/featurizer.js';
import { isRunToken } from '../text/tokenize.js';
import type { TokenTable } from '../features/tokenTable.js';
import { Vocab } from './vocab.js';

/**
 * Words seen at least `minCount` times (plus the end-of-text token) and every label, each ordered
 * by count, most frequent first (ties by first appearance), so frequent rows sit together.
 */
export function buildVocab(table: TokenTable, examples: readonly Example[], minCount: number): Vocab {
  // (a cjkRuns whole-run token is no word: only its char n-grams are features)
  const words: [string, number][] = table.tokens.map((t, i): [string, number] => [t, table.counts[i]]).filter(([t]) => !isRunToken(t));
  words.push([EOS, table.examples]);
  const labels = new Map<string, number>();
  for (const e of examples) for (const l of e.labels) labels.set(l, (labels.get(l) ?? 0) + 1);
  const vocab = new Vocab();
  for (const [w, c] of words.sort((a, b) => b[1] - a[1])) if (c >= minCount || w === EOS) vocab.addWord(w, c);
  for (const [l, c] of [...labels.entries()].sort((a, b) => b[1] - a[1])) vocab.addLabel(l, c);
  return vocab;
}
