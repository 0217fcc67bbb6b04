import { test } from 'node:test';
import assert from 'node:assert/strict';
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
