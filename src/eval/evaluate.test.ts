import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../data/read.js';
import { train } from '../learn/train.js';
import { evaluate } from './evaluate.js';

const examples = [
  { text: 'win a free prize now', labels: ['spam'] },
  { text: 'cheap pills click here', labels: ['spam'] },
  { text: 'lunch at noon tomorrow', labels: ['ham'] },
  { text: 'the meeting notes are attached', labels: ['ham'] },
];

test('evaluate takes { text, label } examples, from an array or any iterable, as their { text, labels } form', async () => {
  const { model } = await train(examples, { dim: 8, epoch: 5, bucket: 1000, seed: 1 });
  const single = examples.map(({ text, labels }) => ({ text, label: labels[0] }));
  const expected = evaluate(model, examples);
  assert.deepEqual(evaluate(model, single), expected);
  assert.deepEqual(evaluate(model, new Set(single).values()), expected);
});

test('evaluate refuses a malformed example with an AccreteError (BAD_DATA) naming its index', async () => {
  const { model } = await train(examples, { dim: 8, epoch: 5, bucket: 1000, seed: 1 });
  const bad: Array<[unknown, RegExp]> = [
    [[...examples, { text: 'x' }], /^evaluate: examples\[4\]: no label/],
    [[examples[0], { text: 'x', labels: [] }], /^evaluate: examples\[1\]: "labels" is empty/],
    [[{ text: 5, label: 'spam' }], /^evaluate: examples\[0\]: "text" must be a string, got number 5$/],
    [null, /^evaluate: examples must be an array or iterable of examples, got null$/],
    [{ text: 'x', label: 'spam' }, /^evaluate: examples must be an array or iterable of examples, got object/],
  ];
  for (const [input, message] of bad) assert.throws(() => evaluate(model, input as never), { name: 'AccreteError', code: 'BAD_DATA', message });
});

test('multi-label (ova, k 2, threshold 0.5): each label\'s confusion row sums to its support, diagonal / row = recall, diagonal / column = precision', async () => {
  const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));
  const { examples: trainSet } = await readDataset(corpus('multilabel.train.jsonl'));
  const { examples: testSet } = await readDataset(corpus('multilabel.test.jsonl'));
  const { model } = await train(trainSet, { loss: 'ova', dim: 32, epoch: 20, lr: 0.5, wordNgrams: 2, bucket: 20000, seed: 1, thread: 1 });
  const m = evaluate(model, testSet, { k: 2, threshold: 0.5 });
  const { labels, matrix } = m.confusion;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  let offDiagonal = 0;
  for (const l of m.perLabel) {
    const i = labels.indexOf(l.label);
    const row = sum(matrix[i]);
    const column = sum(matrix.map((r) => r[i]));
    assert.equal(row, l.support, `${l.label}: row sum`);
    assert.equal(row > 0 ? matrix[i][i] / row : 0, l.recall, `${l.label}: recall`);
    assert.equal(column > 0 ? matrix[i][i] / column : 0, l.precision, `${l.label}: precision`);
    offDiagonal += row - matrix[i][i];
  }
  assert.ok(offDiagonal > 0, 'the model makes mistakes, so the checks above check something');
});
