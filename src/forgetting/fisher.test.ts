/**
 * Diagonal Fisher information per row: non-negative, zero for rows no example touches, sized like
 * the tensors, and larger where the model is uncertain than where it already fits the data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../data/read.js';
import { train } from '../learn/train.js';
import { estimateFisher, featurize } from '../update/memory.js';
import { computeFisher, fisherAt } from './fisher.js';

const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));

test('shapes, signs and zeros: one value per row, >= 0, and 0 exactly for rows the data never touches', async () => {
  const examples = (await readDataset(corpus('wordnet3.train.jsonl'))).examples;
  for (const hidden of [0, 8]) {
    const { model } = await train(examples, { dim: 8, bucket: 2000, epoch: 5, lr: 0.5, wordNgrams: 2, seed: 1, hidden });
    const sample = examples.slice(0, 40);
    const f = estimateFisher(model, sample);
    const p = model.params;
    assert.equal(f.input.length, p.input.rows);
    assert.equal(f.output.length, p.output.rows);
    assert.equal(f.hiddenWeight?.length ?? 0, p.hidden?.weight.rows ?? 0);
    assert.equal(f.hiddenBias === null, p.hidden === null);
    for (const arr of [f.input, f.output, f.hiddenWeight ?? new Float32Array(), f.hiddenBias ?? new Float32Array()]) assert.ok(arr.every((v) => v >= 0 && Number.isFinite(v)));
    const touched = new Set(featurize(model, sample).rows);
    for (let r = 0; r < f.input.length; r++) assert.equal(f.input[r] > 0, touched.has(r), `row ${r} (touched: ${touched.has(r)})`);
    assert.ok(f.output.every((v) => v > 0), 'every output row gets gradient under softmax');
  }
});

test('no data: all zeros (not NaN)', async () => {
  const examples = (await readDataset(corpus('wordnet3.train.jsonl'))).examples;
  const { model } = await train(examples, { dim: 8, bucket: 2000, epoch: 2, seed: 1 });
  const f = computeFisher(model.params, model.config, featurize(model, []));
  assert.ok(f.input.every((v) => v === 0) && f.output.every((v) => v === 0));
});

test('a model that fits its examples has less Fisher information on them than an untrained one', async () => {
  const examples = (await readDataset(corpus('wordnet3.train.jsonl'))).examples;
  const cfg = { dim: 8, bucket: 2000, lr: 0.5, wordNgrams: 2, seed: 1 };
  const { model: fitted } = await train(examples, { ...cfg, epoch: 30 });
  const { model: barely } = await train(examples, { ...cfg, epoch: 1, lr: 0.01 });
  const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
  const a = estimateFisher(fitted, examples);
  const b = estimateFisher(barely, examples);
  assert.ok(sum(a.output) < sum(b.output), `output: fitted ${sum(a.output)} vs barely trained ${sum(b.output)}`);
});

test('fisherAt: rows past the estimate (grown after it) count as 0, null as no information', () => {
  const f = Float32Array.from([0.5, 2]);
  assert.equal(fisherAt(f, 1), 2);
  assert.equal(fisherAt(f, 2), 0);
  assert.equal(fisherAt(null, 0), 0);
});
