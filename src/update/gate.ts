/**
 * The gate: accept a candidate only when it learned something and did not hurt what the model
 * knew. A rejection is a value with reasons (Zod's issue shape), never an exception.
 */
import type { Metrics } from '../eval/metrics.js';

/** 'budget-exhausted': the time budget ran out before round 1, so nothing was trained (set by update(), not gateIssues). */
export type GateCode = 'no-data' | 'budget-exhausted' | 'guard-accuracy-drop' | 'guard-macro-f1-drop' | 'label-f1-drop' | 'new-labels-take-guard' | 'no-improvement';

export interface GateIssue {
  code: GateCode;
  metric: string;
  label?: string;
  before: number;
  after: number;
  threshold: number;
  message: string;
}

export interface GateOptions {
  /** Largest allowed drop of guard accuracy and guard macro-F1, as a fraction (0.01 = 1 point). */
  maxDrop: number;
  /** Largest allowed drop of any one label's F1 on the guard set. */
  labelTolerance: number;
  /** Labels with fewer guard examples than this are too noisy to veto an update. */
  minLabelSupport: number;
}

export const GATE_DEFAULTS: GateOptions = { maxDrop: 0.01, labelTolerance: 0.1, minLabelSupport: 10 };

export interface Measured {
  /** Metrics on the guard set (null when there is none). */
  guard: Metrics | null;
  /** Metrics on the validation part of the new data. */
  fresh: Metrics;
}

/** Whether each example's top prediction was right, before and after (for the paired test). */
export interface Outcomes {
  fresh: { before: readonly boolean[]; after: readonly boolean[] };
  /**
   * The guard's outcomes on the parent's labels, with each example's gold labels and top label
   * before and after (for the per-label test), and whether a label the update added now beats them.
   */
  guard: { before: readonly boolean[]; after: readonly boolean[]; gold: readonly (readonly string[])[]; topBefore: readonly string[]; topAfter: readonly string[]; takenByNewLabel: readonly boolean[] };
  /** The labels the update added, as a share of all labelled examples the model has now seen (0 when none). */
  newLabelShare: number;
}

/** Differences of accuracies are compared with this slack, so 1.00 - 0.99 is not "more than 0.01". */
const EPS = 1e-9;

/**
 * A real gain, not noise: of the examples whose outcome changed, more went from wrong to right (b)
 * than from right to wrong (c) by 1.5 standard errors of the sign test, b - c >= 1.5 sqrt(b + c);
 * below 10 examples (one piece of feedback), b > c is all one can ask.
 */
export function significantGain(before: readonly boolean[], after: readonly boolean[]): boolean {
  const { gained, lost } = flips(before, after);
  return beyondNoise(gained, lost, before.length, 1.5);
}

/**
 * A real loss: clearly more examples went from right to wrong than back, by the exact sign test at
 * the level of two standard errors (GUARD_ALPHA). The normal approximation called 4 of 4 answers
 * lost a loss (exact p = 1/16): on a guard the parent fits at 99%, 4 of 300 flipped rejected
 * sound updates. Below 10 examples (one piece of feedback), more lost than gained is enough.
 */
export function significantLoss(before: readonly boolean[], after: readonly boolean[]): boolean {
  const { gained, lost } = flips(before, after);
  return before.length < 10 ? lost > gained : signTestP(lost, gained) <= GUARD_ALPHA;
}

/**
 * A real loss on one label among `labels` checked: an exact sign test over the guard examples that
 * involve it (those labelled with it, its recall, and those predicted as it before or after, its
 * precision), at the guard-wide test's level (one-sided 2.3%, two standard errors) divided among
 * the labels checked (Bonferroni). A label of a 300-example guard has 10-40 such examples, where
 * three or four flipped answers move its F1 by 10-20 points, and each label tested alone at 2.3%
 * would make a false alarm likely once a model has dozens of labels: with 36 labels, about one
 * update in two (class-incremental WordNet rejected sound updates for one label losing 4 of ~12).
 */
function labelLost(g: Outcomes['guard'], label: string, labels: number): boolean {
  const before: boolean[] = [];
  const after: boolean[] = [];
  g.gold.forEach((gold, i) => {
    if (!gold.includes(label) && g.topBefore[i] !== label && g.topAfter[i] !== label) return;
    before.push(g.before[i]);
    after.push(g.after[i]);
  });
  const { lost, gained } = flips(before, after);
  return signTestP(lost, gained) <= GUARD_ALPHA / Math.max(1, labels);
}

/** The one-sided level of the guard-wide loss test (two standard errors): Φ(-2). */
const GUARD_ALPHA = 0.02275;

/**
 * P(at least `more` of the `more + less` changed answers go one way) when each way is equally
 * likely: the exact one-sided sign test (a normal approximation beyond 1,000 changes).
 */
export function signTestP(more: number, less: number): number {
  const n = more + less;
  if (more <= less) return 1;
  if (n > 1000) return 0.5 * erfc((more - less) / Math.sqrt(2 * n));
  // Terms C(n, k) / 2^n from k = n down to `more`.
  let term = 0.5 ** n;
  let p = term;
  for (let k = n; k > more; k--) {
    term *= k / (n - k + 1);
    p += term;
  }
  return Math.min(1, p);
}

/** The complementary error function (Abramowitz & Stegun 7.1.26, absolute error below 1.5e-7). */
function erfc(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return x >= 0 ? y : 2 - y;
}

function flips(before: readonly boolean[], after: readonly boolean[]): { gained: number; lost: number } {
  let gained = 0;
  let lost = 0;
  before.forEach((wasRight, i) => {
    if (!wasRight && after[i]) gained++;
    else if (wasRight && !after[i]) lost++;
  });
  return { gained, lost };
}

/**
 * more - less >= z standard errors of the sign test (a normal approximation). A gain needs 1.5 (a
 * model that is already good gains a few answers on a small validation set): the gate is quick to
 * take a real gain, and slow to call noise forgetting (significantLoss, exact at two standard errors).
 */
function beyondNoise(more: number, less: number, n: number, z: number): boolean {
  return n < 10 ? more > less : more > less && more - less >= z * Math.sqrt(more + less);
}

/**
 * Below this many validation examples a no-improvement rejection says the validation set was small:
 * the smallest gain the sign test can take (3 answers gained, none lost: 3 >= 1.5 sqrt(3)) is then
 * more than 1.5 points, and on 24 examples 12.5 points (70.8% to 75% is one answer, never enough).
 */
export const SMALL_VALID = 200;

const pts = (x: number) => `${(x * 100).toFixed(2)}`;

export function gateIssues(before: Measured, after: Measured, o: GateOptions, outcomes: Outcomes): GateIssue[] {
  const issues: GateIssue[] = [];
  // A drop counts when it is larger than --max-drop and beyond noise: on a guard of 80 examples one
  // flipped answer is 1.25 points, which says nothing about forgetting.
  const guardLost = significantLoss(outcomes.guard.before, outcomes.guard.after);
  if (before.guard && after.guard && before.guard.n > 0) {
    const b = before.guard;
    const a = after.guard;
    if (guardLost && b.accuracy - a.accuracy > o.maxDrop + EPS) {
      issues.push({ code: 'guard-accuracy-drop', metric: 'guard accuracy', before: b.accuracy, after: a.accuracy, threshold: o.maxDrop, message: `guard accuracy fell from ${pts(b.accuracy)}% to ${pts(a.accuracy)}% (more than ${pts(o.maxDrop)} points)` });
    }
    if (guardLost && b.macroF1 - a.macroF1 > o.maxDrop + EPS) {
      issues.push({ code: 'guard-macro-f1-drop', metric: 'guard macro-F1', before: b.macroF1, after: a.macroF1, threshold: o.maxDrop, message: `guard macro-F1 fell from ${pts(b.macroF1)}% to ${pts(a.macroF1)}% (more than ${pts(o.maxDrop)} points)` });
    }
    const checked = b.perLabel.filter((lb) => lb.support >= o.minLabelSupport);
    for (const lb of checked) {
      const la = a.perLabel.find((l) => l.label === lb.label);
      const f1After = la?.f1 ?? 0;
      if (lb.f1 - f1After > o.labelTolerance + EPS && labelLost(outcomes.guard, lb.label, checked.length)) {
        issues.push({ code: 'label-f1-drop', metric: 'guard F1', label: lb.label, before: lb.f1, after: f1After, threshold: o.labelTolerance, message: `F1 of "${lb.label}" on the guard set fell from ${pts(lb.f1)}% to ${pts(f1After)}%` });
      }
    }
  }
  // The guard is judged on the parent's labels, so that competing with new labels is not called
  // forgetting. But new labels may take no more of what the parent got right than their share of
  // the examples seen (their prior) plus --max-drop: one piece of feedback must not take a class.
  const n = outcomes.guard.before.length;
  const taken = outcomes.guard.before.filter((right, i) => right && outcomes.guard.takenByNewLabel[i]).length;
  const allowed = o.maxDrop + outcomes.newLabelShare;
  if (n > 0 && taken > allowed * n + EPS && beyondNoise(taken, 0, n, 2)) {
    issues.push({ code: 'new-labels-take-guard', metric: 'guard examples taken by new labels', before: 0, after: taken / n, threshold: allowed, message: `the new labels took ${taken} of the ${n} guard examples the parent got right (${pts(taken / n)}%, more than their ${pts(outcomes.newLabelShare)}% share of the examples seen plus ${pts(o.maxDrop)} points)` });
  }
  const improved = significantGain(outcomes.fresh.before, outcomes.fresh.after) || (outcomes.guard.before.length > 0 && significantGain(outcomes.guard.before, outcomes.guard.after));
  if (!improved) {
    const valid = outcomes.fresh.before.length;
    const guard = before.guard && after.guard && before.guard.n > 0 ? ` (${pts(before.guard.accuracy)}% to ${pts(after.guard.accuracy)}% on ${before.guard.n} examples)` : '';
    const small = valid < SMALL_VALID ? `; ${valid} validation examples can only show a large gain: a larger validation set (--valid) or guard (--guard) would let a real one show` : '';
    issues.push({ code: 'no-improvement', metric: 'new-data accuracy', before: before.fresh.accuracy, after: after.fresh.accuracy, threshold: 0, message: `nothing improved beyond noise (a sign test on the examples that changed): accuracy on the new data went from ${pts(before.fresh.accuracy)}% to ${pts(after.fresh.accuracy)}% on ${valid} validation examples, and the guard did not gain beyond noise either${guard}${small}` });
  }
  return issues;
}
