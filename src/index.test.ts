// The public API takes examples in both forms design.md lists, wherever it takes examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMemory, fingerprint, train, update, type ExampleInput } from './index.js';

const labelled = [
  { text: 'win a free cruise now', labels: ['spam'] },
  { text: 'cheap pills, click here', labels: ['spam'] },
  { text: 'lunch at noon tomorrow?', labels: ['ham'] },
  { text: 'the meeting notes are attached', labels: ['ham'] },
];
const single: ExampleInput[] = labelled.map(({ text, labels }) => ({ text, label: labels[0] }));

test('train, buildMemory, update and fingerprint take { text, label } examples as their { text, labels } form', async () => {
  const { model } = await train(single, { epoch: 20, lr: 0.5, dim: 16, seed: 1 });
  const memory = buildMemory(model, single, { capacity: 10, guard: single.slice(0, 2) });
  assert.deepEqual(memory.replay.examples(), buildMemory(model, labelled, { capacity: 10 }).replay.examples());
  assert.deepEqual(memory.guard, labelled.slice(0, 2));
  assert.equal(fingerprint(single), fingerprint(labelled));
  const decision = update(model, [{ text: 'your parcel is waiting, track it here', label: 'phishing' }], { memory });
  assert.ok(decision.report.newLabels.includes('phishing'));
});

test('buildMemory and fingerprint refuse a malformed example, naming its index', async () => {
  const { model } = await train(single, { epoch: 2, dim: 8, seed: 1 });
  const bad = [...single, { text: 'x', labels: 'spam' }] as ExampleInput[];
  assert.throws(() => buildMemory(model, bad), { name: 'AccreteError', code: 'BAD_DATA', message: /^buildMemory: examples\[4\]: "labels" must be an array of strings, got string "spam"$/ });
  assert.throws(() => buildMemory(model, single, { guard: [{ text: 'x' } as never] }), { code: 'BAD_DATA', message: /^buildMemory: options\.guard\[0\]: no label/ });
  assert.throws(() => fingerprint(bad), { code: 'BAD_DATA', message: /^fingerprint: examples\[4\]: / });
});
