/** The gate on hand-made measurements: thresholds are inclusive, improvements must beat noise. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LabelMetrics, Metrics } from '../eval/metrics.js';
import { balancedSkill, FLIP_TRANSFER, FLIP_TYPICAL, GATE_DEFAULTS, gateIssues, labelFlip, newLabelsGain, signTestP, significantGain, skill, type GateOptions, type Measured, type Outcomes } from './gate.js';

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

/** Fresh outcomes where the parent got `wrong` of `n` wrong and nothing changed. */
function unchanged(wrong: number, n = 100): Outcomes['fresh'] {
  const before = Array.from({ length: n }, (_, i) => i >= wrong);
  return { before, after: [...before] };
}

const measured = (guard: number, fresh: number, perLabel?: Partial<LabelMetrics>[]): Measured => ({ guard: metrics(guard, perLabel), fresh: metrics(fresh) });
const codes = (before: Measured, after: Measured, o = outcomes(), options: GateOptions = GATE_DEFAULTS) => gateIssues(before, after, options, o).map((i) => i.code);
/** The policy before issue 17: any guard loss beyond noise and maxDrop vetoes. */
const GUARD_POLICY: GateOptions = { ...GATE_DEFAULTS, policy: 'guard' };

/** Fresh outcomes improve clearly; on a guard of n, `lost` went from right to wrong. */
function guardLoss(lost: number, n = 100, label = 'l0'): Outcomes {
  const before = Array.from({ length: n }, () => true);
  const after = before.map((_, i) => i >= lost);
  // The first `lost` examples, all of `label`, were right and are now predicted as another label.
  const gold = before.map(() => [label]);
  return { ...outcomes(), guard: { before, after, gold, topBefore: gold.map(() => label), topAfter: after.map((ok) => (ok ? label : 'other')), takenByNewLabel: before.map(() => false) } };
}

test('guard policy: a guard drop of exactly maxDrop is allowed (1.00 -> 0.99 with maxDrop 0.01); one more point is not, whatever the gain', () => {
  assert.deepEqual(codes(measured(1, 0.5), measured(0.99, 0.8), guardLoss(10), GUARD_POLICY), []);
  assert.deepEqual(codes(measured(0.8, 0.5), measured(0.79, 0.8), guardLoss(10), GUARD_POLICY), []);
  assert.deepEqual(codes(measured(1, 0.5), measured(0.98, 0.8), guardLoss(10), GUARD_POLICY), ['guard-accuracy-drop', 'guard-macro-f1-drop']);
});

test('guard policy: a guard drop beyond maxDrop is not forgetting when it is within noise (a sign test on the guard)', () => {
  // 2 or 4 of 100 guard answers flipped to wrong, none back: 2 or 4 points, but an exact sign test
  // gives p = 1/4 and 1/16, above 2.3% (two standard errors); 6 of 6 (p = 1/64) is a loss.
  assert.deepEqual(codes(measured(1, 0.5), measured(0.98, 0.8), guardLoss(2), GUARD_POLICY), []);
  assert.deepEqual(codes(measured(1, 0.5), measured(0.96, 0.8), guardLoss(4), GUARD_POLICY), []);
  assert.deepEqual(codes(measured(1, 0.5), measured(0.94, 0.8), guardLoss(6), GUARD_POLICY), ['guard-accuracy-drop', 'guard-macro-f1-drop']);
});

test('weighted policy (the default): a guard loss beyond noise is allowed when the new data gains more, weighed by newShare', () => {
  // The fresh outcomes gain 30 of 100 (accuracy 0.7 -> 1.0: skill, without labels, is accuracy).
  // 0.5 x 6 points lost - 0.5 x 30 gained < maxDrop: accepted; the guard policy rejects the same update.
  assert.deepEqual(codes(measured(1, 0.7), measured(0.94, 1), guardLoss(6)), []);
  assert.deepEqual(codes(measured(1, 0.7), measured(0.94, 1), guardLoss(6), GUARD_POLICY), ['guard-accuracy-drop', 'guard-macro-f1-drop']);
  // A small gain does not pay for a large loss: 0.5 x 40 - 0.5 x 30 = 5 points > 1.
  assert.deepEqual(codes(measured(1, 0.7), measured(0.6, 1), guardLoss(40)), ['weighted-accuracy-drop']);
  // With most traffic old (newShare 0.1), 6 points lost outweigh 30 gained: 0.9 x 6 - 0.1 x 30 = 2.4 > 1.
  assert.deepEqual(codes(measured(1, 0.7), measured(0.94, 1), guardLoss(6), { ...GATE_DEFAULTS, newShare: 0.1 }), ['weighted-accuracy-drop']);
  // Within noise nothing is weighed at all (the parent got 30 new examples wrong: a gain could have shown).
  assert.deepEqual(codes(measured(1, 0.7), measured(0.96, 0.7), { ...guardLoss(4), fresh: unchanged(30) }), ['no-improvement']);
});

test('skill: accuracy beyond the agreement a text-blind predictor with the same label mix gets', () => {
  assert.deepEqual(skill([['a'], ['b'], ['a'], ['b']], ['a', 'a', 'a', 'a']), { accuracy: 0.5, chance: 0.5, skill: 0, labels: 2 });
  assert.deepEqual(skill([['a'], ['b'], ['a'], ['b']], ['a', 'b', 'a', 'b']), { accuracy: 1, chance: 0.5, skill: 0.5, labels: 2 });
  // One gold label: a permutation changes nothing, accuracy is the skill.
  assert.deepEqual(skill([['a'], ['a']], ['a', 'b']), { accuracy: 0.5, chance: 0.5, skill: 0.5, labels: 1 });
  assert.deepEqual(skill([], []), { accuracy: 0, chance: 0, skill: 0, labels: 0 });
});

/** Fresh outcomes with gold and top labels: `n` examples, 60% 'a'; the parent predicts 'b', the candidate `topAfter(i)`. */
function labelled(n: number, topAfter: (i: number, gold: string) => string): Outcomes {
  const gold = Array.from({ length: n }, (_, i) => [i % 5 < 3 ? 'a' : 'b']);
  const topBefore = gold.map(() => 'b');
  const after = gold.map((g, i) => topAfter(i, g[0]));
  return { ...outcomes(0, 0, n), fresh: { before: gold.map((g, i) => g[0] === topBefore[i]), after: gold.map((g, i) => g[0] === after[i]), gold, topBefore, topAfter: after } };
}

test('no-skill: a candidate that learned only the label mix of the new data is rejected, one that learned the texts is not', () => {
  // Predicting 'a' everywhere is right 60% of the time (up from 40%, beyond noise), which is exactly the mix.
  assert.deepEqual(codes(measured(0.8, 0.4), measured(0.8, 0.6), labelled(100, () => 'a')), ['no-skill']);
  assert.deepEqual(codes(measured(0.8, 0.4), measured(0.8, 0.9), labelled(100, (i, g) => (i % 10 === 0 ? (g === 'a' ? 'b' : 'a') : g))), []);
  // Too few examples to tell: no verdict on skill.
  assert.ok(!codes(measured(0.8, 0.4), measured(0.8, 0.6), labelled(20, () => 'a')).includes('no-skill'));
});

test('no-skill with one label 96% of the new data: a candidate that recalls the rare label is kept, one that does not is rejected', () => {
  // 300 examples, 12 of them 'b'. Accuracy beyond the mix has no room here (the old rule alone
  // rejected 20-task WordNet's genuine tasks); the rare label's recall tells.
  const gold = Array.from({ length: 300 }, (_, i) => [i < 12 ? 'b' : 'a']);
  const withTop = (top: string[]): Outcomes => ({ ...outcomes(0, 0, 300), fresh: { before: gold.map(() => false), after: gold.map((g, i) => g[0] === top[i]), gold, topBefore: gold.map(() => 'c'), topAfter: top } });
  // 3 of the 12 'b' recalled (and one 'a' called 'b'): 96.67% right where the mix gives 94.77%.
  const learned = gold.map((g, i) => (i < 3 || i === 100 ? 'b' : 'a'));
  assert.ok(!codes(measured(0.8, 0), measured(0.8, 0.9667), withTop(learned)).includes('no-skill'));
  // The same number of 'b' answers, on 'a' texts: no skill either way.
  const blind = gold.map((g, i) => (i >= 100 && i < 104 ? 'b' : 'a'));
  assert.ok(codes(measured(0.8, 0), measured(0.8, 0.9467), withTop(blind)).includes('no-skill'));
  assert.deepEqual(balancedSkill([['a'], ['a'], ['a'], ['b']], ['a', 'a', 'a', 'b']).skill, 0.5);
});

test('no-skill is not asked when only one label has minLabelSupport validation examples: a rare label of 7 cannot tell a shuffle', () => {
  // 20-task WordNet, task 2: 323 noun.body and 7 noun.motive validation examples, none of the 7
  // recalled; rejected as no-skill, and the two labels were never learned.
  const withRare = (rare: number): Outcomes => {
    const gold = Array.from({ length: 330 }, (_, i) => [i < rare ? 'b' : 'a']);
    const top = gold.map((_, i) => (i >= 100 && i < 100 + rare ? 'c' : 'a'));
    return { ...outcomes(0, 0, 330), fresh: { before: gold.map(() => false), after: gold.map((g, i) => g[0] === top[i]), gold, topBefore: gold.map(() => 'c'), topAfter: top } };
  };
  assert.deepEqual(codes(measured(0.8, 0), measured(0.8, 0.957), withRare(7)), []);
  // With 10 validation examples of the rare label (minLabelSupport), the same blind candidate is asked, and rejected.
  assert.deepEqual(codes(measured(0.8, 0), measured(0.8, 0.94), withRare(10)), ['no-skill']);
  assert.deepEqual(codes(measured(0.8, 0), measured(0.8, 0.957), withRare(7), { ...GATE_DEFAULTS, minLabelSupport: 5 }), ['no-skill']);
});

test('no-improvement needs room for a gain: a parent already right on the new data and the guard is not rejected for gaining nothing', () => {
  // A chunk of ham the parent gets 100% right, 48 validation and 300 guard examples: nothing could improve.
  const g = guardLoss(0, 300);
  assert.deepEqual(codes(measured(1, 1), measured(1, 1), { ...g, fresh: unchanged(0, 48) }), []);
  // Two wrong on each: still no room (a gain needs 3 answers, 3 >= 1.5 sqrt(3)).
  const twoWrong = { ...g.guard, before: g.guard.before.map((_, i) => i >= 2), after: g.guard.before.map((_, i) => i >= 2) };
  assert.deepEqual(codes(measured(0.99, 0.96), measured(0.99, 0.96), { ...g, guard: twoWrong, fresh: unchanged(2, 48) }), []);
  // Three wrong on the new data and none fixed: a gain could have shown, and did not.
  assert.deepEqual(codes(measured(1, 0.94), measured(1, 0.94), { ...g, fresh: unchanged(3, 48) }), ['no-improvement']);
  // One piece of feedback the parent already gets right is still no improvement.
  assert.deepEqual(codes(measured(1, 1), measured(1, 1), { ...g, fresh: unchanged(0, 1) }), ['no-improvement']);
});

test('no-improvement pools the new data and the guard: 2 answers gained on each is a gain; on the guard alone it is not, on the new data alone only if the guard lost none', () => {
  const g = guardLoss(0, 300);
  const gain2 = (n: number) => ({ before: Array.from({ length: n }, (_, i) => i >= 4), after: Array.from({ length: n }, (_, i) => i >= 2) });
  const guard = { ...g.guard, ...gain2(300) };
  assert.deepEqual(codes(measured(0.987, 0.917), measured(0.993, 0.958), { ...g, guard, fresh: gain2(48) }), []);
  // 2 gained on the new data alone, with the guard unchanged, is a free gain (FREE_GAIN); with
  // one guard answer lost on balance it is no improvement.
  assert.deepEqual(codes(measured(0.987, 0.917), measured(0.987, 0.958), { ...g, guard: { ...guard, after: guard.before }, fresh: gain2(48) }), []);
  const lostOne = guard.before.map((r, i) => (i === 10 ? false : r));
  assert.deepEqual(codes(measured(0.987, 0.917), measured(0.983, 0.958), { ...g, guard: { ...guard, after: lostOne }, fresh: gain2(48) }), ['no-improvement']);
  assert.deepEqual(codes(measured(0.987, 0.917), measured(0.993, 0.917), { ...g, guard, fresh: unchanged(4, 48) }), ['no-improvement']);
});

test('trigger-token: a finding of trigger.ts is a rejection that names the token and the label', () => {
  const o = { ...outcomes(), trigger: { token: 'zq', label: 'spam', hinged: 18, of: 20, flipped: 70, tried: 100, control: 2 } };
  const issues = gateIssues(measured(0.8, 0.5), measured(0.8, 0.8), GATE_DEFAULTS, o);
  assert.deepEqual(issues.map((i) => i.code), ['trigger-token']);
  assert.match(issues[0].message, /the token "zq" decides the label "spam": removing it changes 18 of the 20 .* flips 70 of 100 examples of other labels to "spam" \(a token it never saw flips 2/);
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

/** A guard of n the parent got right, of which new labels took `taken`; the new data: a piece of feedback (5 validation examples) unless given. */
function taking(taken: number, share: number, n = 100, fresh: Outcomes['fresh'] = outcomes(2, 0, 5).fresh): Outcomes {
  const o = guardLoss(0, n);
  return { ...o, fresh, guard: { ...o.guard, takenByNewLabel: o.guard.before.map((_, i) => i < taken) }, newLabelShare: share };
}

test('new labels may take guard examples up to their share of the examples seen plus maxDrop, not beyond (and not within noise)', () => {
  const m = measured(0.8, 0.5);
  const after = measured(0.8, 0.8);
  assert.deepEqual(codes(m, after, taking(3, 0)), [], '3 of 100 is within noise');
  assert.deepEqual(codes(m, after, taking(6, 0)), ['new-labels-take-guard'], 'one piece of feedback (share ~0) taking 6%');
  assert.deepEqual(codes(m, after, taking(6, 0.05)), [], 'new labels with 5% of the examples may take 6% (5% + maxDrop 1%)');
  assert.deepEqual(codes(m, after, taking(30, 0.1)), ['new-labels-take-guard']);
  const issue = gateIssues(m, after, GATE_DEFAULTS, taking(40, 0.003))[0];
  assert.match(issue.message, /the new labels took 40 of the 100 guard examples the parent got right \(40\.00%, more than their 0\.30% share/);
});

test('weighted policy: bulk new labels (30+ validation examples) may take more than their share when the new data gains more, weighed by newShare', () => {
  const m = measured(0.8, 0.5);
  const after = measured(0.8, 0.8);
  // 12 of 300 taken against a 0.45% share (WordNet classes:20, split seed 2, task 15); the new data gains 30 of 100.
  assert.deepEqual(codes(m, after, taking(12, 0.0045, 300, outcomes(30, 0, 100).fresh)), []);
  assert.deepEqual(codes(m, after, taking(12, 0.0045, 300, outcomes(30, 0, 100).fresh), GUARD_POLICY), ['new-labels-take-guard'], 'the guard policy keeps the veto');
  assert.deepEqual(codes(m, after, taking(12, 0.0045, 300, outcomes(2, 0, 29).fresh)), ['new-labels-take-guard'], 'too few validation examples to show skill');
  // Taking 40% of the guard for a gain of 30 points: 0.5 x (40 - 0.45) - 0.5 x 30 = 4.77 points > maxDrop.
  const issue = gateIssues(m, after, GATE_DEFAULTS, taking(120, 0.0045, 300, outcomes(30, 0, 100).fresh));
  assert.deepEqual(issue.map((i) => i.code), ['new-labels-take-guard']);
  assert.match(issue[0].message, /the update loses 4\.77 points/);
  // A gain on the new data that is noise buys nothing: the veto stands.
  assert.deepEqual(codes(m, after, taking(12, 0.0045, 300, unchanged(20))), ['new-labels-take-guard', 'no-improvement']);
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
  // The guard rose 94.05% -> 96.43% on 84 examples, 2 answers gained: not beyond noise, nor with
  // the new data's, where nothing changed.
  const o = { ...outcomes(), fresh: unchanged(150, 300) };
  const guardBefore = Array.from({ length: 84 }, (_, i) => i >= 5);
  const guardAfter = guardBefore.map((b, i) => b || i < 2);
  const g = { before: guardBefore, after: guardAfter, gold: guardBefore.map(() => ['l0']), topBefore: guardBefore.map(() => 'l0'), topAfter: guardBefore.map(() => 'l0'), takenByNewLabel: guardBefore.map(() => false) };
  const before: Measured = { guard: metrics(79 / 84, [], 84), fresh: metrics(0.5, [], 300) };
  const after: Measured = { guard: metrics(81 / 84, [], 84), fresh: metrics(0.5, [], 300) };
  const [issue] = gateIssues(before, after, GATE_DEFAULTS, { ...o, guard: g });
  assert.equal(issue.code, 'no-improvement');
  assert.match(issue.message, /on 300 validation examples, and the guard did not gain beyond noise either \(94\.05% to 96\.43% on 84 examples\)/);
  assert.doesNotMatch(issue.message, /larger validation set/, '300 validation examples are not few');
});

test('no-improvement on a small validation part (24 examples, 70.8% -> 75%) says a larger --valid or --guard would let a real gain show', () => {
  // 7 of 24 wrong before, one of them right after.
  const before = Array.from({ length: 24 }, (_, i) => i >= 7);
  const [issue] = gateIssues(measured(0.8, 17 / 24), measured(0.8, 18 / 24), GATE_DEFAULTS, { ...outcomes(), fresh: { before, after: before.map((b, i) => b || i === 0) } });
  assert.equal(issue.code, 'no-improvement');
  assert.match(issue.message, /from 70\.83% to 75\.00% on 24 validation examples/);
  assert.match(issue.message, /24 validation examples can only show a large gain: a larger validation set \(--valid\) or guard \(--guard\) would let a real one show/);
});

test('labelFlip: an old label the parent predicts well, emptied into another old label; never a new label taking its texts', () => {
  const n = 20;
  const guard = { before: [], after: [], gold: [...Array(n)].map((_, i) => [i % 2 ? 'x' : 'y']), topBefore: [...Array(n)].map((_, i) => (i % 2 ? 'x' : 'y')), topAfter: [], takenByNewLabel: [] };
  const fresh = (to: string) => ({ before: [], after: [], gold: [...Array(n)].map((_, i) => [i < 18 ? to : 'x']), topBefore: [...Array(n)].map(() => 'x') });
  assert.deepEqual(labelFlip({ fresh: fresh('y'), guard, newLabelShare: 0 }), { from: 'x', to: 'y', n: 20, toCount: 18, freshPrecision: 0.1, guardPrecision: 1 });
  assert.equal(labelFlip({ fresh: fresh('brand-new'), guard, newLabelShare: 0 }), null, 'a new label is learned from texts the parent calls x');
  // Half relabelled: a drift, not a flip.
  const half = { ...fresh('y'), gold: [...Array(n)].map((_, i) => [i % 2 ? 'y' : 'x']) };
  assert.equal(labelFlip({ fresh: half, guard, newLabelShare: 0 }), null);
});

test("labelFlip with the candidate's answers: texts of y the parent took for x, learned while the guard's x stays x, are a drift; a relabelling that moves the guard's x beyond noise is a flip", () => {
  const n = 40;
  // A guard of 20 x and 20 y the parent gets right; a batch of one label, 20 y texts the parent calls x.
  const gold = [...Array(n)].map((_, i) => [i % 2 ? 'x' : 'y']);
  const guard = (movedX: number) => {
    let moved = 0;
    const topAfter = gold.map((g) => (g[0] === 'x' && moved++ < movedX ? 'y' : g[0]));
    return { before: gold.map(() => true), after: gold.map((g, i) => g[0] === topAfter[i]), gold, topBefore: gold.map((g) => g[0]), topAfter, takenByNewLabel: gold.map(() => false) };
  };
  const fresh = { before: [...Array(20)].map(() => false), after: [...Array(20)].map((_, i) => i < 18), gold: [...Array(20)].map(() => ['y']), topBefore: [...Array(20)].map(() => 'x'), topAfter: [...Array(20)].map((_, i) => (i < 18 ? 'y' : 'x')) };
  // Learned 18 of 20 (0.9); the guard's x lost 1 of 20 (0.05 < FLIP_TRANSFER x 0.9 = 0.09): a drift.
  assert.equal(labelFlip({ fresh, guard: guard(1), newLabelShare: 0 }), null);
  // 2 of 20 (0.1 >= 0.09), but within noise of none (sign test, p = 1/4): no transfer shown.
  assert.equal(labelFlip({ fresh, guard: guard(2), newLabelShare: 0 }), null);
  // 5 of 20: p = 1/32, still above two standard errors (0.023); 6 of 20 (p = 1/64): the relabelling took hold on the guard's x texts too.
  assert.equal(labelFlip({ fresh, guard: guard(5), newLabelShare: 0 }), null);
  assert.deepEqual(labelFlip({ fresh, guard: guard(6), newLabelShare: 0 })?.transfer, { learned: 0.9, guardLoss: 0.3 });
  // Nothing learned: the check cannot tell, and stays a flip (as without the candidate's answers).
  const unlearned = { ...fresh, after: fresh.before, topAfter: fresh.topBefore };
  assert.equal(labelFlip({ fresh: unlearned, guard: guard(0), newLabelShare: 0 })?.from, 'x');
  assert.equal(FLIP_TRANSFER, 0.1);
});

test('labelFlip: relabelled texts the parent is as sure of as of the guard\'s x are a flip even when the guard\'s x stayed x; its doubtful ones are a drift', () => {
  const n = 40;
  const gold = [...Array(n)].map((_, i) => [i % 2 ? 'x' : 'y']);
  // The parent's probability of x on the guard's 20 x texts: 0.80, 0.81, ... 0.99.
  let k = 0;
  const guard = { before: gold.map(() => true), after: gold.map(() => true), gold, topBefore: gold.map((g) => g[0]), topAfter: gold.map((g) => g[0]), takenByNewLabel: gold.map(() => false), confidenceBefore: gold.map((g) => (g[0] === 'x' ? 0.8 + 0.01 * k++ : 0.9)) };
  // 20 y texts the parent calls x, 18 learned, none of the guard's x moved: the transfer test alone lets it through.
  const fresh = (confidence: number) => ({ before: [...Array(20)].map(() => false), after: [...Array(20)].map((_, i) => i < 18), gold: [...Array(20)].map(() => ['y']), topBefore: [...Array(20)].map(() => 'x'), topAfter: [...Array(20)].map((_, i) => (i < 18 ? 'y' : 'x')), confidenceBefore: [...Array(20)].map(() => confidence) });
  // At 0.855 the parent is surer than of 6 of the 20 guard x texts (0.30 >= FLIP_TYPICAL): a flip.
  const flip = labelFlip({ fresh: fresh(0.855), guard, newLabelShare: 0 });
  assert.equal(flip?.typicality, 0.3);
  assert.deepEqual(flip?.transfer, { learned: 0.9, guardLoss: 0 });
  // At 0.825, surer than of 3 of 20 (0.15 < FLIP_TYPICAL): texts at the edge of x, a drift.
  assert.equal(labelFlip({ fresh: fresh(0.825), guard, newLabelShare: 0 }), null);
  // Ties count half: at exactly 0.84, 4 below and 1 equal (0.225).
  assert.equal(labelFlip({ fresh: fresh(0.84), guard, newLabelShare: 0 }), null);
  assert.equal(FLIP_TYPICAL, 0.25);
});

test("weighted policy: a label's F1 drop on the guard is weighed against its F1 gain on the new data; the guard policy and a rare label on the new data are not", () => {
  const before = (freshF1: number, support = 10): Measured => ({ guard: metrics(0.8, [{ f1: 0.9 }]), fresh: metrics(0.5, [{ f1: freshF1, support }]) });
  const after = (freshF1: number, support = 10): Measured => ({ guard: metrics(0.8, [{ f1: 0.5 }]), fresh: metrics(0.8, [{ f1: freshF1, support }]) });
  // The guard's l0 lost 40 points of F1; on the new data l0 gained 60 (SOTU party's last era: 12.5 lost, the new data 25 points up).
  assert.deepEqual(codes(before(0.3), after(0.9), guardLoss(8, 20)), []);
  assert.deepEqual(codes(before(0.3), after(0.9), guardLoss(8, 20), GUARD_POLICY).filter((c) => c === 'label-f1-drop'), ['label-f1-drop']);
  // Gained 20: 0.5 x 40 - 0.5 x 20 = 10 points weighed, more than 0.5 x the 10-point tolerance.
  assert.deepEqual(codes(before(0.3), after(0.5), guardLoss(8, 20)), ['label-f1-drop']);
  // Under minLabelSupport examples of l0 in the new data: its F1 there is noise, no offset.
  assert.deepEqual(codes(before(0.3, GATE_DEFAULTS.minLabelSupport - 1), after(0.9, GATE_DEFAULTS.minLabelSupport - 1), guardLoss(8, 20)), ['label-f1-drop']);
});

/**
 * A class-incremental update on hand-made outcomes: a guard of 300 (labels a and b, the parent
 * right on 170), and 80 new examples, 78 of new label x and 2 of y, the parent right on none.
 */
function newLabelsOnly(guardTopAfter: (i: number, gold: string, before: string) => string, freshTopAfter: (i: number, gold: string) => string, oldLabels: ReadonlySet<string> | undefined = new Set(['a', 'b'])): Outcomes {
  const gGold = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? 'a' : 'b'));
  const gBefore = gGold.map((l, i) => (i < 170 ? l : l === 'a' ? 'b' : 'a'));
  const gAfter = gGold.map((l, i) => guardTopAfter(i, l, gBefore[i]));
  const fGold = Array.from({ length: 80 }, (_, i) => (i < 78 ? 'x' : 'y'));
  const fAfter = fGold.map((l, i) => freshTopAfter(i, l));
  return {
    fresh: { before: fGold.map(() => false), after: fAfter.map((t, i) => t === fGold[i]), gold: fGold.map((l) => [l]), topBefore: fGold.map(() => 'a'), topAfter: fAfter },
    guard: { before: gBefore.map((t, i) => t === gGold[i]), after: gAfter.map((t, i) => t === gGold[i]), gold: gGold.map((l) => [l]), topBefore: gBefore, topAfter: gAfter, takenByNewLabel: gAfter.map((t) => t === 'x' || t === 'y') },
    newLabelShare: 0.03,
    oldLabels,
  };
}

test('new data that is all new labels is weighed beside the guard: a new label learned on half its texts for 14 guard answers passes; one predicted blind to the texts does not', () => {
  // 39 of the 78 x texts learned (48.75%); 14 guard answers the parent got right now x.
  const learned = newLabelsOnly((i, gold, before) => (i < 14 ? 'x' : before), (i) => (i < 39 ? 'x' : 'a'));
  const accuracyOf = (xs: readonly boolean[]) => xs.filter(Boolean).length / xs.length;
  const before: Measured = { guard: metrics(170 / 300, [], 300), fresh: metrics(0, [], 80) };
  const after: Measured = { guard: metrics(156 / 300, [], 300), fresh: metrics(accuracyOf(learned.fresh.after), [], 80) };
  // Within the new data, accuracy beyond the label mix is 1.2 points: weighed alone, the guard's loss wins.
  const within = skill(learned.fresh.gold!, learned.fresh.topAfter!).skill;
  assert.ok(within > 0.01 && within < 0.015, `skill ${within}`);
  assert.deepEqual(codes(before, after, { ...learned, oldLabels: undefined }), ['weighted-accuracy-drop']);
  const gain = newLabelsGain(learned, 0.5)!;
  assert.ok(gain > 0.3 && gain < 0.4, `gain ${gain}`);
  assert.deepEqual(codes(before, after, learned), []);
  // Blind: x everywhere, the guard included.
  const blind = newLabelsOnly(() => 'x', () => 'x');
  const blindAfter: Measured = { guard: metrics(0, [], 300), fresh: metrics(78 / 80, [], 80) };
  assert.ok(codes(before, blindAfter, blind).includes('weighted-accuracy-drop'));
  // Not all new labels (y is old here), or no old labels known: the new data is judged on its own.
  assert.equal(newLabelsGain(newLabelsOnly(() => 'a', () => 'x', new Set(['a', 'b', 'y'])), 0.5), null);
  assert.equal(newLabelsGain({ ...learned, oldLabels: undefined }, 0.5), null);
});
