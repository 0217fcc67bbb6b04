/**
 * planUpdate in the class-incremental regime (classIncremental.ts): an update that brings new labels
 * (beyond the few-shot regime) replays CLASS_INCREMENTAL_RATIO old examples per new one, with
 * repetition from a smaller memory, trains every row of them, over CLASS_INCREMENTAL_ROUNDS rounds with a balanced
 * last one; others, and updates with labelScaledReplay false, keep the general defaults.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Example } from '../data/example.js';
import { train } from '../learn/train.js';
import { Rng } from '../util/rng.js';
import { buildMemory } from './memory.js';
import { CLASS_INCREMENTAL_RATIO, CLASS_INCREMENTAL_ROUNDS } from './classIncremental.js';
import { planUpdate, REPLAY_INPUT, REPLAY_RATIO } from './plan.js';
import { DOMAIN_REPLAY_INPUT, DOMAIN_REPLAY_RATIO } from './domainIncremental.js';

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

test('an update bringing new labels replays CLASS_INCREMENTAL_RATIO old examples per new one, however many labels it brings', async () => {
  const { model, memory } = await setup();
  // 6 known labels, 2 new ones with 150 examples each (300: beyond the few-shot regime).
  const twoNew = corpus(['x', 'y'], 150, 4);
  const s = plan(model, memory, twoNew);
  assert.equal(s.replayRatio, CLASS_INCREMENTAL_RATIO, 'on by default');
  assert.equal(CLASS_INCREMENTAL_RATIO > REPLAY_RATIO, true);
  assert.equal(s.replayPerRound, Math.ceil(CLASS_INCREMENTAL_RATIO * 240)); // 240 trained on (20% validates)
  assert.equal(s.replayInput, 'all');
  assert.equal(s.rounds, CLASS_INCREMENTAL_ROUNDS);
  assert.equal(s.balancedLastRound, true);
  // One new label beside 6 known, or 7 new ones: the same ratio.
  assert.equal(plan(model, memory, corpus(['x'], 300, 5)).replayRatio, CLASS_INCREMENTAL_RATIO);
  assert.equal(plan(model, memory, corpus(['u', 'v', 'w', 'x', 'y', 'z', 'q'], 40, 6)).replayRatio, CLASS_INCREMENTAL_RATIO);
});

test('in the class-incremental regime a memory smaller than the replay is drawn with repetition; elsewhere it bounds the replay', async () => {
  const first = corpus(OLD, 200, 1);
  const { model } = await train(first, { dim: 8, bucket: 2000, epoch: 2, lr: 0.5, seed: 3, thread: 1 });
  const small = () => buildMemory(model, first, { capacity: 300, seed: 2 });
  const twoNew = corpus(['x', 'y'], 150, 4);
  const p = planUpdate({ model, input: twoNew, options: { memory: small() }, started: performance.now() });
  // 720 per round from a memory of at most 300 (less its held-out guard): every example replayed, most of them more than once.
  assert.equal(p.settings.replayPerRound, CLASS_INCREMENTAL_RATIO * 240);
  assert.equal(p.replayTrain.length < 300, true);
  assert.equal(p.replayTrain.length > 0, true);
  const general = planUpdate({ model, input: twoNew, options: { memory: small(), labelScaledReplay: false }, started: performance.now() });
  assert.equal(general.settings.replayPerRound, Math.min(REPLAY_RATIO * 240, general.replayTrain.length));
  assert.equal(general.settings.replayPerRound <= 300, true);
});

test('labelScaledReplay false, small updates without new labels and few-shot ones keep the general defaults; given options win', async () => {
  const { model, memory } = await setup();
  const twoNew = corpus(['x', 'y'], 150, 4);
  const general = (s: ReturnType<typeof plan>) => [s.replayRatio, s.replayInput, s.rounds, s.balancedLastRound];
  assert.deepEqual(general(plan(model, memory, twoNew, { labelScaledReplay: false })), [REPLAY_RATIO, REPLAY_INPUT, 5, false]);
  // 120 examples of known labels (96 trained on): under 200, pieces of feedback keep the general defaults.
  assert.deepEqual(general(plan(model, memory, corpus(OLD, 20, 7))), [REPLAY_RATIO, REPLAY_INPUT, 5, false]);
  // 40 examples of a new label: the few-shot regime's own ratio (fewShot.ts).
  assert.deepEqual(general(plan(model, memory, corpus(['x'], 50, 8))), [5, REPLAY_INPUT, 5, false]);
  assert.deepEqual(general(plan(model, memory, twoNew, { replayRatio: 0.5, replayInput: 'shared', rounds: 2 })), [0.5, 'shared', 2, true]);
});

test('an update of 200 or more examples of known labels only replays DOMAIN_REPLAY_RATIO per new one and trains every row of them; domainReplay false or given options keep the rest', async () => {
  const { model, memory } = await setup();
  const same = corpus(OLD, 50, 7); // 300 examples, 240 trained on
  const general = (s: ReturnType<typeof plan>) => [s.replayRatio, s.replayInput, s.rounds, s.balancedLastRound];
  assert.deepEqual(general(plan(model, memory, same)), [DOMAIN_REPLAY_RATIO, DOMAIN_REPLAY_INPUT, 5, false]);
  assert.equal(plan(model, memory, same).replayPerRound, DOMAIN_REPLAY_RATIO * 240);
  assert.deepEqual(general(plan(model, memory, same, { domainReplay: false })), [REPLAY_RATIO, REPLAY_INPUT, 5, false]);
  assert.deepEqual(general(plan(model, memory, same, { replayRatio: 0.5 })), [0.5, DOMAIN_REPLAY_INPUT, 5, false]);
  assert.deepEqual(general(plan(model, memory, same, { replayInput: 'shared' })), [DOMAIN_REPLAY_RATIO, 'shared', 5, false]);
  // One example of a new label among them: not a domain update (and not a class-incremental one either).
  assert.deepEqual(general(plan(model, memory, [...same, { text: 'zz', labels: ['z'] }])), [REPLAY_RATIO, REPLAY_INPUT, 5, false]);
});
