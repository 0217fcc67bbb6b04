/**
 * Quality floors (fastText style): fixed seeds, tiny models, the WordNet fixtures of
 * test/fixtures/corpus. Each floor sits 3-5 points under what the code measured when it was set,
 * so a real regression fails and noise from unrelated changes (tokenizer tweaks) does not.
 * Measured (seed 1, thread 1) when written: softmax 0.828, hidden 0.758, adam 0.860,
 * ova macro-F1 0.720 (precision@1 0.903).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { readDataset, type Example } from '../data/read.js';
import { evaluate, type EvaluateOptions } from '../eval/evaluate.js';
import { train } from '../learn/train.js';

const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));
const load = async (name: string): Promise<Example[]> => (await readDataset(corpus(name))).examples;

const SMALL: Partial<Config> = { dim: 32, epoch: 20, lr: 0.5, wordNgrams: 2, bucket: 20000, seed: 1, thread: 1 };

/** Reads a train/test pair on first use (and only once). */
function pair(train: string, test: string): () => Promise<Example[][]> {
  let read: Promise<Example[][]> | undefined;
  return () => (read ??= Promise.all([load(train), load(test)]));
}
const wordnet5 = pair('wordnet5.train.txt', 'wordnet5.test.txt');
const multilabel = pair('multilabel.train.jsonl', 'multilabel.test.jsonl');

async function measure(data: () => Promise<Example[][]>, options: Partial<Config>, evalOptions: EvaluateOptions = {}) {
  const [trainSet, testSet] = await data();
  const { model } = await train(trainSet, { ...SMALL, ...options });
  return evaluate(model, testSet, evalOptions);
}

test('fixture sizes: wordnet5 is 5 x 300 train, 5 x 100 test; multilabel has two labels a line', async () => {
  const [trainSet, testSet] = await wordnet5();
  assert.equal(trainSet.length, 1500);
  assert.equal(testSet.length, 500);
  assert.equal(new Set(trainSet.map((e) => e.labels[0])).size, 5);
  const [mlTrain, mlTest] = await multilabel();
  assert.ok(mlTrain.length >= 200 && mlTest.length >= 60);
  for (const e of [...mlTrain, ...mlTest]) assert.equal(e.labels.length, 2, e.text);
});

const cases: Array<{ name: string; options: Partial<Config>; floor: number }> = [
  { name: 'softmax, no hidden layer', options: {}, floor: 0.79 },
  // SGD through a hidden layer is touchy above lr 0.2 (ReLUs die); Adam is the robust choice there.
  { name: 'hidden layer of 32', options: { hidden: 32, lr: 0.2 }, floor: 0.66 },
  // The founding document's model: Dense(64, relu) -> Dropout(0.5) -> softmax, with Adam.
  { name: 'hidden 64, dropout 0.5, adam', options: { hidden: 64, dropout: 0.5, optimizer: 'adam', lr: 0.01 }, floor: 0.79 },
  { name: 'adam', options: { optimizer: 'adam', lr: 0.01 }, floor: 0.82 },
];

for (const { name, options, floor } of cases) {
  test(`wordnet5 ${name}: test accuracy >= ${floor}`, async (t) => {
    const m = await measure(wordnet5, options);
    t.diagnostic(`accuracy ${m.accuracy.toFixed(4)} macroF1 ${m.macroF1.toFixed(4)} (floor ${floor})`);
    assert.equal(m.n, 500);
    assert.ok(m.accuracy >= floor, `accuracy ${m.accuracy} is below the floor ${floor}`);
  });
}

test('multilabel, ova loss, k=2 threshold 0.5: macro-F1 >= 0.68, precision@1 >= 0.86', async (t) => {
  const m = await measure(multilabel, { loss: 'ova' }, { k: 2, threshold: 0.5 });
  t.diagnostic(`macroF1 ${m.macroF1.toFixed(4)} precision@1 ${m.accuracy.toFixed(4)}`);
  assert.ok(m.macroF1 >= 0.68, `macroF1 ${m.macroF1} is below the floor 0.68`);
  assert.ok(m.accuracy >= 0.86, `precision@1 ${m.accuracy} is below the floor 0.86`);
});
