import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccreteError } from '../errors.js';
import { toExamples, type Example, type ExampleInput } from './example.js';

test('toExamples: { text, label } becomes { text, labels: [label] }, weight and time kept (a number time as text)', () => {
  const input: ExampleInput[] = [
    { text: 'a b', label: 'x' },
    { text: 'c', labels: ['y', 'z'], weight: 2 },
    { text: 'd', label: 'y', weight: 0.5, time: '2024-05-01' },
    { text: 'e', labels: ['x'], time: 1714521600 },
  ];
  assert.deepEqual(toExamples(input, 'train: examples'), [
    { text: 'a b', labels: ['x'] },
    { text: 'c', labels: ['y', 'z'], weight: 2 },
    { text: 'd', labels: ['y'], weight: 0.5, time: '2024-05-01' },
    { text: 'e', labels: ['x'], time: '1714521600' },
  ]);
});

test('toExamples: examples already in the labels form are not copied (the array nor its elements)', () => {
  const input: Example[] = Array.from({ length: 1000 }, (_, i) => ({ text: `t${i}`, labels: [i % 2 ? 'a' : 'b'] }));
  assert.equal(toExamples(input, 'train: examples'), input);
  // One { text, label } in the middle: a new array, the others the very same objects.
  const mixed: ExampleInput[] = [...input.slice(0, 10), { text: 'x', label: 'a' }, ...input.slice(10)];
  const out = toExamples(mixed, 'train: examples');
  assert.notEqual(out, mixed);
  assert.equal(out.length, mixed.length);
  out.forEach((e, i) => (i === 10 ? assert.deepEqual(e, { text: 'x', labels: ['a'] }) : assert.equal(e, mixed[i])));
});

const badCases: Array<[string, unknown, RegExp]> = [
  ['null', null, /^train: examples\[1\]: expected an object \{ text, label \} or \{ text, labels \}, got null$/],
  ['a string', 'just text', /\[1\]: expected an object .*, got string "just text"$/],
  ['no text', { label: 'a' }, /\[1\]: no "text"$/],
  ['text not a string', { text: 3, label: 'a' }, /\[1\]: "text" must be a string, got number 3$/],
  ['no label', { text: 'x' }, /\[1\]: no label: give "label" \(a string\) or "labels" \(an array of strings\)$/],
  ['label not a string', { text: 'x', label: 3 }, /\[1\]: "label" must be a string, got number 3$/],
  ['label an array', { text: 'x', label: ['a'] }, /\[1\]: "label" must be a string, got an array \(use "labels" for several\)$/],
  ['empty label', { text: 'x', label: ' ' }, /\[1\]: "label" is empty$/],
  ['both label and labels', { text: 'x', label: 'a', labels: ['a'] }, /\[1\]: both "label" and "labels" are given; use one$/],
  ['labels not an array', { text: 'x', labels: 'a' }, /\[1\]: "labels" must be an array of strings, got string "a"$/],
  ['empty labels', { text: 'x', labels: [] }, /\[1\]: "labels" is empty; an example needs at least one label$/],
  ['a label in labels not a string', { text: 'x', labels: ['a', null] }, /\[1\]: "labels"\[1\] must be a string, got null$/],
  ['an empty label in labels', { text: 'x', labels: ['a', ''] }, /\[1\]: "labels"\[1\] is empty$/],
  ['zero weight', { text: 'x', label: 'a', weight: 0 }, /\[1\]: "weight" must be a positive finite number, got number 0$/],
  ['NaN weight', { text: 'x', labels: ['a'], weight: NaN }, /\[1\]: "weight" must be a positive finite number, got number NaN$/],
  ['null weight', { text: 'x', labels: ['a'], weight: null }, /\[1\]: "weight" must be a positive finite number, got null$/],
  ['string weight', { text: 'x', label: 'a', weight: '2' }, /\[1\]: "weight" must be a positive finite number, got string "2"$/],
  ['bad time', { text: 'x', label: 'a', time: true }, /\[1\]: "time" must be a string or a number, got boolean true$/],
];

for (const [name, bad, message] of badCases) {
  test(`toExamples rejects ${name}, naming its index: AccreteError BAD_DATA`, () => {
    const input = [{ text: 'ok', label: 'a' }, bad, { text: 'also bad', labels: 'b' }];
    assert.throws(
      () => toExamples(input, 'train: examples'),
      (err: unknown) => err instanceof AccreteError && err.code === 'BAD_DATA' && message.test(err.message),
    );
  });
}

test('toExamples rejects what is not an array', () => {
  for (const input of [undefined, null, { text: 'a', label: 'b' }, 'a b']) {
    assert.throws(() => toExamples(input, 'update: examples'), { name: 'AccreteError', code: 'BAD_DATA', message: /^update: examples must be an array of examples, got / });
  }
});

test('ExampleInput: TypeScript refuses an example with neither label nor labels, or with both', () => {
  const ok: ExampleInput[] = [{ text: 'a', label: 'x' }, { text: 'b', labels: ['x', 'y'], weight: 2, time: 5 }];
  // @ts-expect-error: no label
  const neither: ExampleInput = { text: 'a' };
  // @ts-expect-error: both forms at once
  const both: ExampleInput = { text: 'a', label: 'x', labels: ['x'] };
  // @ts-expect-error: a label is a string
  const number: ExampleInput = { text: 'a', label: 3 };
  // What the readers return is accepted as it is.
  const read: Example = { text: 'c', labels: ['z'] };
  const fromReader: ExampleInput = read;
  assert.equal(toExamples([...ok, fromReader], 'train: examples').length, 3);
  for (const bad of [neither, both, number]) assert.throws(() => toExamples([bad], 'train: examples'), { code: 'BAD_DATA' });
});

test('toExamples refuses labels the data readers refuse: control characters, line separators, lone surrogates', () => {
  for (const label of ['spam\nham', 'a\u0000b', '\u001b[31mred', 'x\u2028y', 'bad\ud800']) {
    assert.throws(() => toExamples([{ text: 'hi', label }], 'update: examples'), (err: unknown) => err instanceof Error && /update: examples\[0\]: "label": label [\s\S]* (control character|lone surrogate)/.test(err.message), JSON.stringify(label));
    assert.throws(() => toExamples([{ text: 'hi', labels: ['ok', label] }], 'train: examples'), /train: examples\[0\]: "labels"\[1\]/);
  }
  assert.equal(toExamples([{ text: 'hi', labels: ['noun.animal', 'café', '标签'] }], 'x').length, 1, 'ordinary labels, any script');
});
