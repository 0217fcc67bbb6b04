import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Example } from '../data/example.js';
import { DivergenceError } from '../errors.js';
import { evaluate } from '../eval/evaluate.js';
import { tensors } from '../model/params.js';
import { Rng } from '../util/rng.js';
import { train } from './train.js';

/** Three topics with their own words plus shared noise words. */
function synthetic(n: number, seed: number): Example[] {
  const topics: Record<string, string[]> = {
    sport: ['goal', 'match', 'team', 'score', 'league', 'coach'],
    food: ['pasta', 'sauce', 'bake', 'flavor', 'recipe', 'oven'],
    tech: ['server', 'code', 'deploy', 'cache', 'latency', 'bug'],
  };
  const noise = ['the', 'a', 'today', 'very', 'new', 'with', 'and'];
  const rng = new Rng(seed);
  const labels = Object.keys(topics);
  return Array.from({ length: n }, () => {
    const label = labels[rng.int(labels.length)];
    const words = Array.from({ length: 6 }, () => (rng.next() < 0.5 ? topics[label][rng.int(6)] : noise[rng.int(noise.length)]));
    return { text: words.join(' '), labels: [label] };
  });
}

const small = { dim: 16, epoch: 5, lr: 0.5, wordNgrams: 2, bucket: 5000, seed: 7 };

test('training learns a separable problem', async () => {
  const { model, report } = await train(synthetic(600, 1), small);
  assert.equal(report.labels, 3);
  assert.ok(report.epochs[0].loss > report.epochs.at(-1)!.loss, 'loss falls');
  assert.ok(evaluate(model, synthetic(200, 2)).accuracy > 0.85);
});

test('the same seed on one thread gives identical parameters; another seed does not', async () => {
  const data = synthetic(300, 3);
  const a = (await train(data, small)).model;
  const b = (await train(data, small)).model;
  const c = (await train(data, { ...small, seed: 8 })).model;
  tensors(a.params).forEach(([name, m], i) => assert.deepEqual(m.data, tensors(b.params)[i][1].data, name));
  assert.notDeepEqual(a.params.input.data, c.params.input.data);
});

test('Hogwild training (this thread and one or two workers) learns as well as one thread', async () => {
  for (const thread of [2, 3]) {
    const { model, report } = await train(synthetic(2000, 4), { ...small, thread });
    assert.ok(evaluate(model, synthetic(200, 5)).accuracy > 0.85, `${thread} threads`);
    assert.ok(report.epochs.every((e) => Number.isFinite(e.loss) && e.loss > 0), `${thread} threads: every shard's loss is counted`);
  }
});

test('Hogwild: a learning rate that blows up raises DivergenceError, on any shard', async () => {
  for (const thread of [2, 3]) await assert.rejects(train(synthetic(300, 10), { ...small, lr: 1e30, thread }), DivergenceError);
});

test('validation with patience stops early and keeps the best epoch', async () => {
  const valid = synthetic(100, 6);
  const { report } = await train(synthetic(400, 7), { ...small, epoch: 30, patience: 2, valid });
  assert.equal(report.epochs.length < 30, true);
  assert.ok(report.epochs.every((e) => e.validAccuracy !== undefined));
  const best = Math.max(...report.epochs.map((e) => e.validAccuracy!));
  assert.equal(report.epochs[report.bestEpoch - 1].validAccuracy, best);
});

test('Adam trains a hidden-layer model', async () => {
  const { model } = await train(synthetic(600, 8), { ...small, optimizer: 'adam', lr: 0.02, hidden: 16, dropout: 0.2 });
  assert.ok(model.optimizerState && model.optimizerState.step > 0);
  assert.ok(evaluate(model, synthetic(200, 9)).accuracy > 0.85);
});

test('a learning rate that blows up raises DivergenceError instead of returning garbage', async () => {
  await assert.rejects(train(synthetic(300, 10), { ...small, lr: 1e30 }), DivergenceError);
});

test('empty data and data without labels are refused with a clear message', async () => {
  await assert.rejects(train([], small), /no training examples/);
  await assert.rejects(train([{ text: 'a b', labels: [] }], small), /^AccreteError: train: examples\[0\]: "labels" is empty/);
});

test('{ text, label } examples (design.md) train the very model their { text, labels: [label] } form does', async () => {
  const data = synthetic(300, 13);
  const valid = synthetic(50, 14);
  const single = (examples: Example[]) => examples.map(({ text, labels }) => ({ text, label: labels[0] }));
  const a = await train(data, { ...small, valid });
  const b = await train(single(data), { ...small, valid: single(valid) });
  assert.deepEqual(b.report.epochs, a.report.epochs);
  tensors(a.model.params).forEach(([name, m], i) => assert.deepEqual(tensors(b.model.params)[i][1].data, m.data, name));
});

test('a malformed example is refused before training with an AccreteError (BAD_DATA) naming its index and the problem', async () => {
  const data: unknown[] = synthetic(20, 15);
  const cases: Array<[unknown[], RegExp]> = [
    [[...data.slice(0, 3), { text: 'x', label: 7 }], /^train: examples\[3\]: "label" must be a string, got number 7$/],
    [[...data.slice(0, 3), { text: 'x' }, null], /^train: examples\[3\]: no label/],
    [[{ text: null, label: 'a' }], /^train: examples\[0\]: "text" must be a string, got null$/],
    [[{ text: 'x', labels: ['a'], weight: -1 }], /^train: examples\[0\]: "weight" must be a positive finite number, got number -1$/],
  ];
  for (const [examples, message] of cases) {
    await assert.rejects(train(examples as Example[], small), { name: 'AccreteError', code: 'BAD_DATA', message });
  }
  await assert.rejects(train(data as Example[], { ...small, valid: [{ text: 'y', labels: [] }] }), { code: 'BAD_DATA', message: /^train: options\.valid\[0\]: "labels" is empty/ });
  await assert.rejects(train(null as unknown as Example[], small), { code: 'BAD_DATA', message: /^train: examples must be an array of examples, got null$/ });
});

test('early stopping with Adam keeps the optimizer moments in the model\'s own arena (later updates step them)', async () => {
  const valid = synthetic(100, 11);
  const { model, report } = await train(synthetic(400, 12), { ...small, optimizer: 'adam', lr: 0.05, epoch: 30, patience: 1, valid });
  assert.ok(report.stoppedEarly);
  for (const m of [...model.optimizerState!.first, ...model.optimizerState!.second]) if (m) assert.equal(m.arena, model.params.arena);
});
