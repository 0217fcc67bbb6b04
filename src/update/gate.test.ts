/** The gate on hand-made measurements: thresholds are inclusive, improvements must beat noise. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LabelMetrics, Metrics } from '../eval/metrics.js';
import { GATE_DEFAULTS, gateIssues, signTestP, significantGain, type Measured, type Outcomes } from './gate.js';

function metrics(accuracy: number, perLabel: Partial<LabelMetrics>[] = [], n = 100): Metrics {
  const labels = perLabel.map((l, i) => ({ label: `l${i}`, precision: 0, recall: 0, f1: 0, support: 10, ...l }));
  return { n, accuracy, macroF1: accuracy, perLabel: labels, confusion: { labels: [], matrix: [] } };
}

/** Outcomes where `gained` fresh examples went from wrong to right (a clear improvement by default). */
function outcomes(gained = 30, lost = 0, n = 100): Outcomes {
  const before = Array.from({ length: n }, (_, i) => i >= gained + lost);
  const after = before.map((b, i) => (i < gained ? true : i < gained + lost ? false : b));
  before.fill(true, gained, gained + lost);
  return { fresh: { before, after }, guard: { before: [], after: [], gold: [], topBefore: [], topAfter: [], takenByNewLabel: [] }, newLabelShare: 0 };
}

const measured = (guard: number, fresh: number, perLabel?: Partial<LabelMetrics>[]): Measured => ({ guard: metrics(guard, perLabel), fresh: metrics(fresh) });
const codes = (before: Measured, after: Measured, o = outcomes()) => gateIssues(before, after, GATE_DEFAULTS, o).map((i) => i.code);

/** Fresh outcomes improve clearly; on a guard of n, `lost` went from right to wrong. */
function guardLoss(lost: number, n = 100, label = 'l0'): Outcomes {
  const before = Array.from({ length: n }, () => true);
  const after = before.map((_, i) => i >= lost);
  // The first `lost` examples, all of `label`, were right and are now predicted as another label.
  const gold = before.map(() => [label]);
  return { ...outcomes(), guard: { before, after, gold, topBefore: gold.map(() => label), topAfter: after.map((ok) => (ok ? label : 'other')), takenByNewLabel: before.map(() => false) } };
}

test('a guard drop of exactly maxDrop is allowed (1.00 -> 0.99 with maxDrop 0.01); one more point is not', () => {
  assert.deepEqual(codes(measured(1, 0.5), measured(0.99, 0.8), guardLoss(10)), []);
  assert.deepEqual(codes(measured(0.8, 0.5), measured(0.79, 0.8), guardLoss(10)), []);
  assert.deepEqual(codes(measured(1, 0.5), measured(0.98, 0.8), guardLoss(10)), ['guard-accuracy-drop', 'guard-macro-f1-drop']);
});

test('a guard drop beyond maxDrop is not forgetting when it is within noise (a sign test on the guard)', () => {
  // 2 or 4 of 100 guard answers flipped to wrong, none back: 2 or 4 points, but an exact sign test
  // gives p = 1/4 and 1/16, above 2.3% (two standard errors); 6 of 6 (p = 1/64) is a loss.
  assert.deepEqual(codes(measured(1, 0.5), measured(0.98, 0.8), guardLoss(2)), []);
  assert.deepEqual(codes(measured(1, 0.5), measured(0.96, 0.8), guardLoss(4)), []);
  assert.deepEqual(codes(measured(1, 0.5), measured(0.94, 0.8), guardLoss(6)), ['guard-accuracy-drop', 'guard-macro-f1-drop']);
});

test('a label F1 drop beyond the tolerance is reported, unless the label has too little guard support', () => {
  const before = measured(0.8, 0.5, [{ f1: 0.9 }, { f1: 0.9, support: GATE_DEFAULTS.minLabelSupport - 1 }]);
  const after = measured(0.8, 0.8, [{ f1: 0.5 }, { f1: 0.1, support: GATE_DEFAULTS.minLabelSupport - 1 }]);
  const issues = gateIssues(before, after, GATE_DEFAULTS, guardLoss(8, 20));
  assert.deepEqual(issues.map((i) => [i.code, i.label]), [['label-f1-drop', 'l0']]);
  assert.match(issues[0].message, /F1 of "l0" on the guard set fell from 90\.00% to 50\.00%/);
});

test('improvement must beat noise: a sign test on the examples whose outcome changed', () => {
  const flip = (gained: number, lost: number, n = 120) => {
    const o = outcomes(gained, lost, n);
    return significantGain(o.fresh.before, o.fresh.after);
  };
  assert.equal(flip(20, 2), true);
  assert.equal(flip(5, 3), false, '5 gained, 3 lost of 120 is noise');
  assert.equal(flip(0, 0), false);
  assert.equal(flip(1, 0, 1), true, 'one piece of feedback learned');
  assert.equal(flip(0, 0, 1), false);
  assert.deepEqual(codes(measured(0.8, 0.5), measured(0.8, 0.52), outcomes(5, 3, 120)), ['no-improvement']);
});

test("a label F1 drop beyond the tolerance is not reported when that label's guard examples changed within noise", () => {
  const before = measured(0.8, 0.5, [{ f1: 0.82, support: 20 }]);
  const after = measured(0.8, 0.8, [{ f1: 0.7, support: 20 }]);
  // 3 of the label's 20 guard examples flipped to wrong: 3 - 0 < 2 * sqrt(3).
  assert.deepEqual(codes(before, after, guardLoss(3, 20)), []);
  assert.deepEqual(codes(before, after, guardLoss(6, 20)), ['label-f1-drop']);
});

test('new labels may take guard examples up to their share of the examples seen plus maxDrop, not beyond (and not within noise)', () => {
  const taking = (taken: number, share: number, n = 100): Outcomes => {
    const o = guardLoss(0, n);
    return { ...o, guard: { ...o.guard, takenByNewLabel: o.guard.before.map((_, i) => i < taken) }, newLabelShare: share };
  };
  const m = measured(0.8, 0.5);
  const after = measured(0.8, 0.8);
  assert.deepEqual(codes(m, after, taking(3, 0)), [], '3 of 100 is within noise');
  assert.deepEqual(codes(m, after, taking(6, 0)), ['new-labels-take-guard'], 'one piece of feedback (share ~0) taking 6%');
  assert.deepEqual(codes(m, after, taking(6, 0.05)), [], 'new labels with 5% of the examples may take 6% (5% + maxDrop 1%)');
  assert.deepEqual(codes(m, after, taking(30, 0.1)), ['new-labels-take-guard']);
  const issue = gateIssues(m, after, GATE_DEFAULTS, taking(40, 0.003))[0];
  assert.match(issue.message, /the new labels took 40 of the 100 guard examples the parent got right \(40\.00%, more than their 0\.30% share/);
});

test('the exact one-sided sign test: P(at least `more` of the changes go one way)', () => {
  assert.equal(signTestP(6, 0), 1 / 64);
  assert.equal(signTestP(3, 0), 1 / 8);
  assert.ok(Math.abs(signTestP(4, 1) - 6 / 32) < 1e-15);
  assert.equal(signTestP(2, 2), 1);
  assert.equal(signTestP(0, 3), 1);
  // Beyond 1,000 changes, the normal approximation: 560 against 440 is 3.79 standard errors.
  assert.ok(Math.abs(signTestP(560, 440) - 7.4e-5) < 1e-5, String(signTestP(560, 440)));
  assert.ok(Math.abs(signTestP(600, 501) - 0.0015) < 2e-4, String(signTestP(600, 501)));
});

test('with many labels checked, one label losing a few answers is not called forgetting (Bonferroni); losing most of them is', () => {
  const labels = (n: number, f1: number) => Array.from({ length: n }, () => ({ f1, support: 10 }));
  for (const [count, lost, reported] of [
    [1, 8, true],
    [36, 8, false],
    [36, 11, true],
  ] as const) {
    const issues = gateIssues(measured(0.8, 0.5, labels(count, 0.9)), measured(0.8, 0.8, [{ f1: 0.5 }, ...labels(count - 1, 0.9)]), GATE_DEFAULTS, guardLoss(lost, 20));
    assert.equal(issues.some((i) => i.code === 'label-f1-drop'), reported, `${lost} of 20 lost, ${count} labels checked`);
  }
});

test('no-improvement says the guard did not gain beyond noise (even when its accuracy rose), and names how many validation examples decided', () => {
  // The guard rose 94.05% -> 96.43% on 84 examples, 2 answers gained: not beyond noise.
  const o = outcomes(1, 0, 300);
  const guardBefore = Array.from({ length: 84 }, (_, i) => i >= 5);
  const guardAfter = guardBefore.map((b, i) => b || i < 2);
  const g = { before: guardBefore, after: guardAfter, gold: guardBefore.map(() => ['l0']), topBefore: guardBefore.map(() => 'l0'), topAfter: guardBefore.map(() => 'l0'), takenByNewLabel: guardBefore.map(() => false) };
  const before: Measured = { guard: metrics(79 / 84, [], 84), fresh: metrics(0.5, [], 300) };
  const after: Measured = { guard: metrics(81 / 84, [], 84), fresh: metrics(0.5033, [], 300) };
  const [issue] = gateIssues(before, after, GATE_DEFAULTS, { ...o, guard: g });
  assert.equal(issue.code, 'no-improvement');
  assert.match(issue.message, /on 300 validation examples, and the guard did not gain beyond noise either \(94\.05% to 96\.43% on 84 examples\)/);
  assert.doesNotMatch(issue.message, /larger validation set/, '300 validation examples are not few');
});

test('no-improvement on a small validation part (24 examples, 70.8% -> 75%) says a larger --valid or --guard would let a real gain show', () => {
  const [issue] = gateIssues(measured(0.8, 17 / 24), measured(0.8, 18 / 24), GATE_DEFAULTS, outcomes(1, 0, 24));
  assert.equal(issue.code, 'no-improvement');
  assert.match(issue.message, /from 70\.83% to 75\.00% on 24 validation examples/);
  assert.match(issue.message, /24 validation examples can only show a large gain: a larger validation set \(--valid\) or guard \(--guard\) would let a real one show/);
});
