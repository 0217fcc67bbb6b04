/**
 * planUpdate's replay ratio with labelScaledReplay: an update that brings new labels (beyond the
 * few-shot regime) replays more old examples the more labels the model already knows
 * (labelScaledRatio); others, and updates without the option, keep REPLAY_RATIO.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Example } from '../data/example.js';
import { train } from '../learn/train.js';
import { Rng } from '../util/rng.js';
import { buildMemory } from './memory.js';
import { labelScaledRatio, MAX_REPLAY_RATIO, planUpdate, REPLAY_RATIO } from './plan.js';

function corpus(labels: string[], perLabel: number, seed: number): Example[] {
  const rng = new Rng(seed);
  const out: Example[] = [];
  for (let n = 0; n < perLabel; n++) for (const label of labels) out.push({ text: Array.from({ length: 6 }, () => `${label}w${rng.int(20)}`).join(' '), labels: [label] });
  return out;
}

const OLD = ['a', 'b', 'c', 'd', 'e', 'f'];

async function setup() {
  const first = corpus(OLD, 200, 1);
  const { model } = await train(first, { dim: 8, bucket: 2000, epoch: 2, lr: 0.5, seed: 3, thread: 1 });
  return { model, memory: buildMemory(model, first, { capacity: 2000, seed: 2 }) };
}

const plan = (model: Awaited<ReturnType<typeof setup>>['model'], memory: Awaited<ReturnType<typeof setup>>['memory'], examples: Example[], options = {}) =>
  planUpdate({ model, input: examples, options: { memory, ...options }, started: performance.now() }).settings;

test('an update bringing new labels replays old examples in proportion to the labels known, up to MAX_REPLAY_RATIO', async () => {
  const { model, memory } = await setup();
  // 6 known labels, 2 new ones with 150 examples each (300: beyond the few-shot regime): ratio 3.
  const twoNew = corpus(['x', 'y'], 150, 4);
  assert.equal(labelScaledRatio(model, twoNew), 3 * REPLAY_RATIO);
  assert.equal(plan(model, memory, twoNew).replayRatio, REPLAY_RATIO, 'off by default');
  const s = plan(model, memory, twoNew, { labelScaledReplay: true });
  assert.equal(s.replayRatio, 3 * REPLAY_RATIO);
  assert.equal(s.replayPerRound, Math.ceil(3 * REPLAY_RATIO * 240)); // 240 trained on (20% validates)
  // One new label beside 6 known: capped.
  assert.equal(labelScaledRatio(model, corpus(['x'], 300, 5)), MAX_REPLAY_RATIO * REPLAY_RATIO);
  // As many new labels as known ones: no more than REPLAY_RATIO.
  assert.equal(labelScaledRatio(model, corpus(['u', 'v', 'w', 'x', 'y', 'z', 'q'], 40, 6)), REPLAY_RATIO);
});

test('with the option, updates without new labels, few-shot ones and a given ratio are unchanged', async () => {
  const { model, memory } = await setup();
  const on = { labelScaledReplay: true };
  assert.equal(plan(model, memory, corpus(OLD, 50, 7), on).replayRatio, REPLAY_RATIO);
  // 40 examples of a new label: the few-shot regime's own ratio (fewShot.ts).
  assert.equal(plan(model, memory, corpus(['x'], 50, 8), on).replayRatio, 5);
  assert.equal(plan(model, memory, corpus(['x', 'y'], 150, 4), { ...on, replayRatio: 0.5 }).replayRatio, 0.5);
});
