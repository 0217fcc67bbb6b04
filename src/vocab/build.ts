/** Builds a vocabulary from tokenized training examples (fastText's first pass, done once). */
import type { Example } from '../data/example.js';
import { EOS } from '../features/featurizer.js';
import { Vocab } from './vocab.js';

/**
 * Words seen at least `minCount` times and every label, each ordered by count (most frequent first,
 * ties by first appearance) so frequent rows sit together in memory.
 */
export function buildVocab(tokenized: readonly (readonly string[])[], examples: readonly Example[], minCount: number): Vocab {
  const words = new Map<string, number>();
  for (const tokens of tokenized) for (const t of tokens) words.set(t, (words.get(t) ?? 0) + 1);
  words.set(EOS, tokenized.length);
  const labels = new Map<string, number>();
  for (const e of examples) for (const l of e.labels) labels.set(l, (labels.get(l) ?? 0) + 1);
  const vocab = new Vocab();
  const byCount = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  for (const [w, c] of byCount(words)) if (c >= minCount || w === EOS) vocab.addWord(w, c);
  for (const [l, c] of byCount(labels)) vocab.addLabel(l, c);
  return vocab;
}
