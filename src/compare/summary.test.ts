import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StepCost } from './paradigms.js';
import type { Stream } from './stream.js';
import { chanceBaseline, rankings, runCost, summarize, type RunSummary } from './summary.js';
import { verdict } from './verdict.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} is not ${b}`);
const step = (task: number, ms: number, examples: number, paramsChanged: number, accepted = true): StepCost => ({ task, ms, examples, paramsChanged, accepted, bytes: accepted ? 10 * paramsChanged : 0 });

test('runCost: means over the updates (tasks 2..T), totals over all steps', () => {
  const c = runCost([step(0, 100, 50, 1000), step(1, 10, 5, 20, false), step(2, 30, 15, 40)], 4096);
  assert.deepEqual(c, { steps: 2, meanMs: 20, meanExamples: 10, meanParams: 30, totalMs: 140, accepted: 1, modelBytes: 4096, meanBytes: 200 });
});

test('runCost, T = 1: the first training is the only step', () => {
  assert.deepEqual(runCost([step(0, 100, 50, 1000)], 8), { steps: 1, meanMs: 100, meanExamples: 50, meanParams: 1000, totalMs: 100, accepted: 1, modelBytes: 8, meanBytes: 10000 });
});

test('summarize: the measures of a hand-computed 3x3 matrix', () => {
  const R = [
    [0.8, 0.3, 0.2],
    [0.6, 0.9, 0.4],
    [0.5, 0.7, 0.95],
  ];
  const s = summarize({ paradigm: 'p', R, costs: [step(0, 1, 1, 1), step(1, 1, 1, 1), step(2, 1, 1, 1)], modelBytes: 4 }, [0.1, 0.25, 0.15]);
  close(s.metrics.acc, 2.15 / 3, 'ACC'); // (0.5 + 0.7 + 0.95) / 3
  close(s.metrics.bwt, -0.25, 'BWT'); // ((0.5 - 0.8) + (0.7 - 0.9)) / 2
  close(s.metrics.forgetting, 0.25, 'forgetting'); // (0.8 - 0.5 + 0.9 - 0.7) / 2
  close(s.metrics.fwt, 0.15, 'FWT'); // ((0.3 - 0.25) + (0.4 - 0.15)) / 2
  close(s.metrics.learningAccuracy, 2.65 / 3, 'LA');
});

test('summarize, T = 1: BWT, forgetting and FWT are 0', () => {
  const s = summarize({ paradigm: 'p', R: [[0.7]], costs: [step(0, 5, 5, 5)], modelBytes: 4 }, [0.5]);
  assert.deepEqual(s.metrics, { acc: 0.7, bwt: 0, forgetting: 0, forgettingPerTask: [], fwt: 0, learningAccuracy: 0.7 });
});

test('summarize: a constant matrix (every entry tied) has no forgetting and no transfer above its baseline', () => {
  const R = [
    [0.5, 0.5],
    [0.5, 0.5],
  ];
  const s = summarize({ paradigm: 'p', R, costs: [step(0, 1, 1, 1), step(1, 1, 1, 1)], modelBytes: 4 }, [0.5, 0.5]);
  assert.deepEqual(s.metrics, { acc: 0.5, bwt: 0, forgetting: 0, forgettingPerTask: [0], fwt: 0, learningAccuracy: 0.5 });
});

test('chanceBaseline: 1 / labels known so far', () => {
  const t = (labels: string[]) => ({ name: '', train: labels.map((l) => ({ text: 'x', labels: [l] })), test: [] });
  const stream: Stream = [t(['a', 'b']), t(['a']), t(['c', 'd'])];
  assert.deepEqual(chanceBaseline(stream), [1 / 2, 1 / 2, 1 / 4]);
});

function summary(paradigm: string, acc: number, meanMs: number, meanExamples = 100, extra: Partial<RunSummary['metrics']> = {}, accepted?: number): RunSummary {
  return {
    paradigm,
    metrics: { acc, bwt: 0, forgetting: 0, forgettingPerTask: [0], fwt: 0, learningAccuracy: acc, ...extra },
    cost: { steps: 3, meanMs, meanExamples, meanParams: 1, totalMs: meanMs * 4, accepted: accepted ?? 3, modelBytes: 4, meanBytes: meanMs * 1024 },
  };
}

test('rankings: by ACC (ties: cheaper first) and by cost (ties: fewer examples, then higher ACC)', () => {
  const r = rankings([summary('a', 0.9, 100), summary('b', 0.95, 50), summary('c', 0.9, 20), summary('d', 0.8, 50, 10), summary('e', 0.85, 50, 10)]);
  assert.deepEqual(r.acc, ['b', 'c', 'a', 'e', 'd']);
  assert.deepEqual(r.cost, ['c', 'e', 'd', 'b', 'a']);
});

test('verdict: written from the numbers', () => {
  const s = [
    summary('retrain', 0.98, 1000, 100, { forgetting: 0 }),
    summary('fresh', 0.9, 100, 100, { forgetting: 0.05, bwt: -0.04 }),
    summary('incremental', 0.975, 200, 100, { forgetting: 0.01 }, 2),
  ];
  const v = verdict(s, rankings(s), null, 4, new Map([['incremental', 'guard accuracy fell']]));
  assert.deepEqual(v.slice(0, 4), [
    'Most accurate after the last task: retrain, ACC 98.00%; next incremental, 0.50 points behind.',
    'Cheapest update: fresh, 100 ms and 100.0 KiB written per update (10x cheaper than retrain), ACC 90.00%.',
    "Best trade-off: incremental, within 0.50 points of retrain's ACC at 200 ms and 200.0 KiB written per update (5.0x cheaper than retrain).",
    'Most forgetting: fresh, 5.00 points lost on earlier tasks on average (BWT -4.00); least: retrain (0.00 points).',
  ]);
  assert.match(v[4], /^The gate rejected 1 of 3 updates of incremental \(first: guard accuracy fell\)/);
  assert.equal(v.length, 5);
});

test('verdict, T = 1: says the forgetting measures are 0 by definition', () => {
  const s = [summary('retrain', 0.9, 10)];
  const v = verdict(s, rankings(s), null, 1);
  assert.match(v[2], /^Best trade-off: retrain; no cheaper paradigm/);
  assert.match(v[3], /^One task only: BWT, forgetting and FWT are 0 by definition/);
});

test('verdict: a tie for the best ACC is said, the cheaper one first', () => {
  const s = [summary('a', 0.9, 20), summary('b', 0.9, 10)];
  assert.equal(verdict(s, rankings(s), null, 2)[0], 'Most accurate after the last task: b, ACC 90.00%, tied with a (ranked first as the cheaper).');
});
