/**
 * The class-incremental regime's rounds (classIncremental.ts): the last round trains all its replay
 * but only a balanced share of the new examples, and it is the round kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Example } from '../data/example.js';
import { train } from '../learn/train.js';
import { Rng } from '../util/rng.js';
import { balancedNewCount, CLASS_INCREMENTAL_OUTPUT_SHRINK, CLASS_INCREMENTAL_RATIO, CLASS_INCREMENTAL_ROUNDS, classIncremental, consolidationCount, CONSOLIDATION_REPLAY, replayConfidence, SURE_OF_REPLAY } from './classIncremental.js';
import { buildMemory, featurize } from './memory.js';
import { update } from './update.js';

function corpus(labels: string[], perLabel: number, seed: number): Example[] {
  const rng = new Rng(seed);
  const out: Example[] = [];
  for (let n = 0; n < perLabel; n++) for (const label of labels) out.push({ text: Array.from({ length: 6 }, () => (rng.next() < 0.7 ? `${label}w${rng.int(20)}` : `common${rng.int(10)}`)).join(' '), labels: [label] });
  return out;
}

const OLD = ['a', 'b', 'c', 'd', 'e', 'f'];

async function setup() {
  const first = corpus(OLD, 100, 1);
  const { model } = await train(first, { dim: 8, bucket: 2000, epoch: 2, lr: 0.5, seed: 3, thread: 1 });
  return { model, memory: buildMemory(model, first, { capacity: 600, seed: 2, guard: corpus(OLD, 10, 9) }) };
}

test('balancedNewCount: new examples per new label as many as replayed ones per old label, within [new labels, all new examples]', () => {
  assert.equal(balancedNewCount(2000, 600, 6, 2), 200);
  assert.equal(balancedNewCount(2000, 601, 6, 2), 201);
  assert.equal(balancedNewCount(100, 600, 2, 2), 100);
  assert.equal(balancedNewCount(2000, 1, 40, 3), 3);
  assert.equal(balancedNewCount(50, 600, 0, 2), 50);
});

test('classIncremental: 200 or more training examples with labels the model does not know', async () => {
  const { model } = await setup();
  assert.equal(classIncremental(model, corpus(['x', 'y'], 100, 4)), true);
  assert.equal(classIncremental(model, corpus(['x', 'y'], 99, 4)), false);
  assert.equal(classIncremental(model, corpus(OLD, 100, 4)), false);
});

test('an update bringing new labels in bulk ends on a balanced round and a consolidation, the round kept; with labelScaledReplay false it does not', async () => {
  const { model, memory } = await setup();
  const twoNew = corpus(['x', 'y'], 150, 4);
  const on = update(model.clone(), twoNew, { memory, seed: 5, gate: false });
  const rounds = on.report.rounds;
  assert.equal(rounds.length, CLASS_INCREMENTAL_ROUNDS);
  assert.equal(on.report.bestRound, CLASS_INCREMENTAL_ROUNDS);
  // 240 trained on (20% validates); ratio 3 asks 720 replayed a round, and the memory holds 600
  // (the guard is apart): every old example once a round, 120 of them twice.
  const replayed = rounds[0].replayed;
  assert.equal(replayed, CLASS_INCREMENTAL_RATIO * 240);
  for (const r of rounds.slice(0, -1)) assert.deepEqual([r.examples, r.replayed], [240 + replayed, replayed]);
  // The last round: its replay, a balanced share of the new examples, then the consolidation (replay alone).
  const last = rounds[rounds.length - 1];
  const consolidated = consolidationCount(replayed);
  assert.equal(consolidated, Math.round(CONSOLIDATION_REPLAY * replayed));
  assert.equal(last.replayed, replayed + consolidated);
  assert.equal(last.examples - last.replayed, balancedNewCount(240, replayed, 6, 2) + balancedNewCount(240, consolidated, 6, 2));
  assert.equal(on.report.examplesProcessed, rounds.reduce((n, r) => n + r.examples, 0));
  const off = update(model.clone(), twoNew, { memory, seed: 5, gate: false, labelScaledReplay: false });
  for (const r of off.report.rounds) assert.equal(r.examples - r.replayed, 240);
  for (const r of off.report.rounds) assert.ok(r.replayed <= 240, `no consolidation without the regime: ${r.replayed} replayed`);
});

/** The first `rows` rows of `m`'s data, copied. */
const firstRows = (data: Float32Array, rows: number, cols: number) => data.slice(0, rows * cols);

test('the regime shrinks every output row by CLASS_INCREMENTAL_OUTPUT_SHRINK before its rounds (softmax only); without the regime, or with one-vs-all, rows are not scaled', async () => {
  const { model, memory } = await setup();
  const twoNew = corpus(['x', 'y'], 150, 4);
  const cols = model.params.output.cols;
  const parentRows = firstRows(model.params.output.data, OLD.length, cols);
  // At a rate this small the rounds move no row measurably: what is left is the scaling.
  const ratioAfter = (opts: object, m = model) => {
    const child = m.clone();
    const before = firstRows(m.params.output.data, OLD.length, cols);
    update(child, twoNew, { memory, seed: 5, gate: false, lr: 1e-9, align: false, ...opts });
    const after = firstRows(child.params.output.data, OLD.length, cols);
    let num = 0, den = 0;
    for (let k = 0; k < before.length; k++) (num += after[k] * before[k]), (den += before[k] * before[k]);
    return num / den;
  };
  assert.ok(Math.abs(ratioAfter({}) - CLASS_INCREMENTAL_OUTPUT_SHRINK) < 1e-3, `old rows scaled by ${ratioAfter({})}`);
  assert.ok(Math.abs(ratioAfter({ labelScaledReplay: false }) - 1) < 1e-3);
  assert.deepEqual(firstRows(model.params.output.data, OLD.length, cols), parentRows, 'the parent is untouched');
  const first = corpus(OLD, 100, 1);
  const { model: ova } = await train(first, { dim: 8, bucket: 2000, epoch: 2, lr: 0.5, seed: 3, thread: 1, loss: 'ova' });
  assert.ok(Math.abs(ratioAfter({}, ova) - 1) < 1e-3, 'one-vs-all: a uniform scale would move its thresholds');
  // A parent not sure of its replay (trained at a rate that leaves it near uniform) is left as it is.
  const { model: unsure } = await train(first, { dim: 8, bucket: 2000, epoch: 1, lr: 0.01, seed: 3, thread: 1 });
  assert.ok(Math.abs(ratioAfter({}, unsure) - 1) < 1e-3, 'a parent unsure of its replay');
});

test('the report says whether the rows were shrunk: only when the parent is sure of its replay (SURE_OF_REPLAY)', async () => {
  const twoNew = corpus(['x', 'y'], 150, 4);
  const { model, memory } = await setup();
  const { model: unsure } = await train(corpus(OLD, 100, 1), { dim: 8, bucket: 2000, epoch: 1, lr: 0.01, seed: 3, thread: 1 });
  const replay = memory.replay.examples();
  const sureOf = (m: typeof model) => replayConfidence(m, featurize(m, replay), 0)!;
  assert.ok(sureOf(unsure) < SURE_OF_REPLAY, `unsure: ${sureOf(unsure)}`);
  assert.ok(sureOf(model) >= SURE_OF_REPLAY, `sure: ${sureOf(model)}`);
  assert.equal(replayConfidence(model, featurize(model, replay), replay.length), null);
  // (each update on a memory of its own: an accepted one adds its examples to the memory)
  assert.equal(update(model.clone(), twoNew, { memory: (await setup()).memory, seed: 5, gate: false }).report.outputShrink, CLASS_INCREMENTAL_OUTPUT_SHRINK);
  assert.equal(update(unsure, twoNew, { memory: (await setup()).memory, seed: 5, gate: false }).report.outputShrink, 1);
  assert.equal(update(model.clone(), twoNew, { memory: (await setup()).memory, seed: 5, gate: false, labelScaledReplay: false }).report.outputShrink, 1);
});

test('an update of the regime undone after its first round puts back every output row of the parent, bit for bit', async () => {
  const { model, memory } = await setup();
  const before = model.params.output.data.slice(0, model.params.output.rows * model.params.output.cols);
  // Stopped after its first round (the rows were shrunk, then trained): update() undoes the trial.
  const stop = () => {
    throw new Error('stopped after round 1');
  };
  assert.throws(() => update(model, corpus(['x', 'y'], 150, 4), { memory, seed: 5, onRound: stop }), /stopped after round 1/);
  assert.equal(model.params.output.rows * model.params.output.cols, before.length);
  assert.deepEqual(model.params.output.data.slice(0, before.length), before);
});

test('the consolidation draws from the whole memory, and an update undone after it puts back every input row, bit for bit', async () => {
  // A memory larger than the rounds draw (4 rounds x 3 x 240 trained = 2,880 of 3,600), so the
  // consolidation's own draw reaches examples no round replayed: their rows must be journaled too.
  const first = corpus(OLD, 600, 1);
  const { model } = await train(first, { dim: 8, bucket: 2000, epoch: 2, lr: 0.5, seed: 3, thread: 1 });
  const memory = buildMemory(model, first, { capacity: 4000, seed: 2, guard: corpus(OLD, 10, 9) });
  const input = model.params.input.data.slice();
  const output = model.params.output.data.slice();
  const stop = (r: { round: number }) => {
    if (r.round === CLASS_INCREMENTAL_ROUNDS) throw new Error('stopped after the last round');
  };
  assert.throws(() => update(model, corpus(['x', 'y'], 150, 4), { memory, seed: 5, onRound: stop }), /stopped after the last round/);
  assert.deepEqual(model.params.input.data.slice(0, input.length), input);
  assert.deepEqual(model.params.output.data.slice(0, output.length), output);
  // Run to the end, the same update's last round replays twice: its own draw, then the consolidation's.
  const done = update(model.clone(), corpus(['x', 'y'], 150, 4), { memory, seed: 5, gate: false });
  assert.equal(done.report.rounds.length, CLASS_INCREMENTAL_ROUNDS);
  assert.equal(done.report.rounds[0].replayed, CLASS_INCREMENTAL_RATIO * 240);
  assert.equal(done.report.rounds[CLASS_INCREMENTAL_ROUNDS - 1].replayed, CLASS_INCREMENTAL_RATIO * 240 + consolidationCount(CLASS_INCREMENTAL_RATIO * 240));
});
