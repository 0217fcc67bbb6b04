/**
 * Writing a corpus as the benchmark's files, in fastText format, so both tools read the same bytes:
 * `train.txt` and `test.txt` (`__label__x text`), `texts.txt` (the test texts alone, for predict),
 * and `all-texts.txt` (every text of the corpus, for predict over a larger input).
 * The text is normalised the way fastText's own examples do it (lower case, each punctuation mark a
 * separate token), since fastText's tokenizer only splits on whitespace.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadDataset, splitTrainTest, type DatasetName } from '../datasets/index.js';
import type { Example } from '../datasets/types.js';
import { Rng } from '../util/rng.js';

export interface CorpusFiles {
  corpus: DatasetName;
  dir: string;
  train: string;
  test: string;
  texts: string;
  /** Every text, train and test: a predict input where start-up and model loading weigh less. */
  allTexts: string;
  trainLines: number;
  testLines: number;
  /** Whitespace tokens in the texts of train.txt (labels not counted). */
  trainTokens: number;
  labels: number;
}

/**
 * fastText-style normalisation: lower case, punctuation and symbols split off as their own tokens,
 * whitespace (newlines included) collapsed to one space.
 * @example normalizeText('Hello, World!\nBye.') // 'hello , world ! bye .'
 */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .replace(/([^\p{L}\p{N}\p{M}\s])/gu, ' $1 ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** One fastText-format line; label characters that fastText would split on become '_'. */
export function fastTextLine(example: Example): string {
  const labels = example.labels.map((l) => `__label__${l.replace(/\s/g, '_')}`).join(' ');
  return `${labels} ${normalizeText(example.text)}`;
}

function countTokens(lines: readonly string[]): number {
  let n = 0;
  for (const line of lines) for (const token of line.split(' ')) if (token !== '' && !token.startsWith('__label__')) n++;
  return n;
}

/**
 * Loads the corpus, splits it 80/20 (stratified, seeded) and writes the three files under
 * `workDir/<corpus>/`. The training lines are shuffled (seeded): fastText reads its file in order, and
 * both corpora come sorted by class, which would make the last classes of every epoch win.
 */
export async function prepareCorpus(corpus: DatasetName, workDir: string, seed = 1): Promise<CorpusFiles> {
  const dataset = await loadDataset(corpus);
  const { train, test } = splitTrainTest(dataset.examples, 0.2, seed);
  const dir = join(workDir, corpus);
  await mkdir(dir, { recursive: true });
  const trainLines = new Rng(seed).shuffle(train.map(fastTextLine));
  const testLines = test.map(fastTextLine);
  const files = { train: join(dir, 'train.txt'), test: join(dir, 'test.txt'), texts: join(dir, 'texts.txt'), allTexts: join(dir, 'all-texts.txt') };
  await writeFile(files.train, trainLines.join('\n') + '\n');
  await writeFile(files.test, testLines.join('\n') + '\n');
  await writeFile(files.texts, test.map((ex) => normalizeText(ex.text)).join('\n') + '\n');
  await writeFile(files.allTexts, [...train, ...test].map((ex) => normalizeText(ex.text)).join('\n') + '\n');
  const labels = new Set(dataset.examples.map((ex) => ex.labels[0])).size;
  return { corpus, dir, ...files, trainLines: train.length, testLines: test.length, trainTokens: countTokens(trainLines), labels };
}
