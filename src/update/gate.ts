/**
 * The gate: accept a candidate only when it learned something and did not hurt what the model
 * knew. A rejection is a value with reasons (Zod's issue shape), never an exception.
 */
import type { Metrics } from '../eval/metrics.js';
import { PLANT_RATE, type TriggerFinding } from './trigger.js';

/** 'budget-exhausted': the time budget ran out before round 1, so nothing was trained (set by update(), not gateIssues). */
export type GateCode =
  | 'no-data'
  | 'budget-exhausted'
  | 'guard-accuracy-drop'
  | 'guard-macro-f1-drop'
  | 'weighted-accuracy-drop'
  | 'label-f1-drop'
  | 'new-labels-take-guard'
  | 'no-improvement'
  | 'no-skill'
  | 'label-flip'
  | 'trigger-token';

/**
 * How a loss on the guard is weighed (see docs/tuning.md):
 * - 'weighted': a loss on the guard beyond noise is allowed when the update gains more on the new
 *   data, both weighed by the declared mix of traffic (`newShare`): rejected when
 *   (1 - newShare) x guard drop - newShare x new-data skill gain > maxDrop. Models follow drift.
 * - 'guard': any guard loss beyond noise and maxDrop vetoes the update, whatever it gains (the
 *   policy before issue 17): for models whose old data must not move.
 */
export type GatePolicy = 'weighted' | 'guard';

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
  /** How a guard loss is weighed against the gain on the new data. */
  policy: GatePolicy;
  /** The share of traffic expected to look like the new data, in [0, 1] ('weighted' only). */
  newShare: number;
}

export const GATE_DEFAULTS: GateOptions = { maxDrop: 0.01, labelTolerance: 0.1, minLabelSupport: 10, policy: 'weighted', newShare: 0.5 };
export const GATE_POLICIES: readonly GatePolicy[] = ['weighted', 'guard'];

export interface Measured {
  /** Metrics on the guard set (null when there is none). */
  guard: Metrics | null;
  /** Metrics on the validation part of the new data. */
  fresh: Metrics;
}

/** Whether each example's top prediction was right, before and after (for the paired test). */
export interface Outcomes {
  /**
   * The new validation examples' outcomes; with their gold labels and top labels before and after,
   * the gate measures skill beyond the label mix (see skill()). Without them, accuracy stands for skill.
   */
  fresh: { before: readonly boolean[]; after: readonly boolean[]; gold?: readonly (readonly string[])[]; topBefore?: readonly string[]; topAfter?: readonly string[]; confidenceBefore?: readonly number[] };
  /**
   * The guard's outcomes on the parent's labels, with each example's gold labels and top label
   * before and after (for the per-label test), and whether a label the update added now beats them.
   */
  guard: { before: readonly boolean[]; after: readonly boolean[]; gold: readonly (readonly string[])[]; topBefore: readonly string[]; topAfter: readonly string[]; takenByNewLabel: readonly boolean[]; confidenceBefore?: readonly number[] };
  /** The labels the update added, as a share of all labelled examples the model has now seen (0 when none). */
  newLabelShare: number;
  /** The labels the parent knew (for newLabelsGain); absent: not known, and the new data is judged on its own. */
  oldLabels?: ReadonlySet<string>;
  /** A token that flips the candidate's answers to one label wherever it is planted (see trigger.ts), or null. */
  trigger?: TriggerFinding | null;
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

/**
 * Accuracy beyond what the label mix alone gives: the accuracy minus the agreement expected if the
 * predictions were independent of the texts, the sum over labels of P(predicted L) x P(gold has L)
 * (Cohen's chance agreement, which is also the mean accuracy under a permutation of the gold
 * labels). A model that learned only the label mix of a shuffled-label update scores about 0.
 * With a single gold label a permutation changes nothing, so there accuracy is the skill.
 * @example skill([['a'], ['b'], ['a'], ['b']], ['a', 'a', 'a', 'a']) // { accuracy: 0.5, chance: 0.5, skill: 0, labels: 2 }
 */
export function skill(gold: readonly (readonly string[])[], top: readonly string[]): { accuracy: number; chance: number; skill: number; labels: number } {
  const n = gold.length;
  if (n === 0) return { accuracy: 0, chance: 0, skill: 0, labels: 0 };
  const goldCount = new Map<string, number>();
  const topCount = new Map<string, number>();
  let right = 0;
  gold.forEach((labels, i) => {
    for (const l of labels) goldCount.set(l, (goldCount.get(l) ?? 0) + 1);
    topCount.set(top[i], (topCount.get(top[i]) ?? 0) + 1);
    if (labels.includes(top[i])) right++;
  });
  const accuracy = right / n;
  if (goldCount.size < 2) return { accuracy, chance: accuracy, skill: accuracy, labels: goldCount.size };
  let chance = 0;
  for (const [l, c] of topCount) chance += (c / n) * ((goldCount.get(l) ?? 0) / n);
  return { accuracy, chance: Math.min(1, chance), skill: accuracy - chance, labels: goldCount.size };
}

/**
 * Skill with every label weighed alike: the mean over gold labels of recall minus the share of
 * predictions that name the label (a text-blind predictor's expected recall), and two standard
 * errors of that mean under such a predictor. Where one label is most of the new data, accuracy
 * beyond the mix has no room (20-task WordNet: 96.36% right against 95.80% for the mix) while a
 * rare label's recall still tells learning from shuffled labels.
 * @example balancedSkill([['a'], ['a'], ['a'], ['b']], ['a', 'a', 'a', 'b']).skill // 0.5
 */
export function balancedSkill(gold: readonly (readonly string[])[], top: readonly string[]): { skill: number; noise: number } {
  const n = gold.length;
  const goldCount = new Map<string, number>();
  const right = new Map<string, number>();
  const predicted = new Map<string, number>();
  gold.forEach((labels, i) => {
    predicted.set(top[i], (predicted.get(top[i]) ?? 0) + 1);
    for (const l of labels) {
      goldCount.set(l, (goldCount.get(l) ?? 0) + 1);
      if (top[i] === l) right.set(l, (right.get(l) ?? 0) + 1);
    }
  });
  if (n === 0 || goldCount.size < 2) return { skill: 0, noise: Infinity };
  let skill = 0;
  let variance = 0;
  for (const [l, c] of goldCount) {
    const q = (predicted.get(l) ?? 0) / n;
    skill += (right.get(l) ?? 0) / c - q;
    variance += (q * (1 - q)) / c;
  }
  const L = goldCount.size;
  return { skill: skill / L, noise: (2 * Math.sqrt(variance)) / L };
}

/** The share of outcomes that are right (0 for none). */
function rightShare(xs: readonly boolean[]): number {
  return xs.length ? xs.filter(Boolean).length / xs.length : 0;
}

/** The new data's skill before and after, from the outcomes (accuracy when the labels were not given). */
function freshSkill(f: Outcomes['fresh']): { before: ReturnType<typeof skill>; after: ReturnType<typeof skill> } {
  if (f.gold && f.topBefore && f.topAfter) return { before: skill(f.gold, f.topBefore), after: skill(f.gold, f.topAfter) };
  const rate = (xs: readonly boolean[]) => {
    const a = rightShare(xs);
    return { accuracy: a, chance: a, skill: a, labels: 1 };
  };
  return { before: rate(f.before), after: rate(f.after) };
}

/** A targeted flip: at least this share of the new examples the parent calls X carry one other old label. */
export const FLIP_SHARE = 0.8;

/**
 * A targeted flip (every example of label X relabelled Y): the new examples the parent calls X,
 * which on the guard are X at least FLIP_SHARE of the time, are labelled one other label Y (which
 * the guard has: an old label) at least FLIP_SHARE of the time, over 10 examples or more. A drift
 * moves some texts between labels; it does not empty a label the parent predicts well. Needs the
 * fresh outcomes' labels; new labels are never "to" (their texts are called an old label by any parent).
 * With the candidate's answers, it is a drift instead when the candidate learned them without
 * moving the guard's X texts (FLIP_TRANSFER, beyond noise) and the parent had doubted them
 * (typicality under FLIP_TYPICAL).
 */
export function labelFlip(o: Outcomes): { from: string; to: string; n: number; toCount: number; freshPrecision: number; guardPrecision: number; transfer?: { learned: number; guardLoss: number }; typicality?: number } | null {
  const f = o.fresh;
  if (!f.gold || !f.topBefore) return null;
  const old = new Set(o.guard.gold.flat());
  const froms = new Set(f.topBefore);
  for (const from of [...froms].sort()) {
    const at = f.topBefore.flatMap((top, i) => (top === from ? [i] : []));
    if (at.length < 10) continue;
    const guardAt = o.guard.topBefore.flatMap((top, i) => (top === from ? [i] : []));
    if (guardAt.length < 10) continue;
    const guardPrecision = guardAt.filter((i) => o.guard.gold[i].includes(from)).length / guardAt.length;
    const freshPrecision = at.filter((i) => f.gold![i].includes(from)).length / at.length;
    const counts = new Map<string, number>();
    for (const i of at) for (const l of f.gold[i]) if (l !== from && old.has(l)) counts.set(l, (counts.get(l) ?? 0) + 1);
    const [to, toCount] = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0] ?? ['', 0];
    if (guardPrecision < FLIP_SHARE || toCount < FLIP_SHARE * at.length) continue;
    const moved = flipTransfer(o, from, to, at);
    const t = moved && { learned: moved.learned, guardLoss: moved.guardLoss };
    const typical = typicality(o, from, to, at);
    // A drift: the candidate learned the relabelled texts while the guard's X texts stayed X, or
    // moved within noise of none (2 of 20 is no transfer); and the parent had doubted them.
    const drift = moved !== null && moved.learned > 0 && (moved.guardLoss < FLIP_TRANSFER * moved.learned || !moved.beyondNoise);
    if (drift && (typical === null || typical < FLIP_TYPICAL)) continue;
    return { from, to, n: at.length, toCount, freshPrecision, guardPrecision, ...(t ? { transfer: t } : {}), ...(typical !== null ? { typicality: typical } : {}) };
  }
  return null;
}

/**
 * A relabelling that took hold moves the old label's own texts: a candidate taught that texts of X
 * are Y calls the guard's X texts Y too, at a rate near the one at which it learned to call the new
 * ones Y (both are held out of training; the replay holds some back). A drift brings texts of Y the
 * parent mistook for X, and learning them leaves the guard's X texts alone. Flagged as a flip when
 * the share of the guard's X examples the parent got right that the candidate no longer calls X is
 * at least this share of the rate at which the candidate learned the new examples' label. Set
 * between the two on the figures it was chosen on: targeted flips moved the guard at 0.19-1.01 of
 * the learning rate (gate.attacks.test.ts, generated) and 0.53 (bench:drift's flip of every ham of
 * an era, seed 1); spam-only chunks of 20-task SpamAssassin at 0.034 at most (0-9 of 216-293 guard
 * ham lost while learning 1-42 of 4-46 texts).
 */
export const FLIP_TRANSFER = 0.1;

/**
 * A relabelling of texts the parent knows as well as its own: the median, over the new examples
 * the parent calls X that are labelled Y, of the share of the guard's X examples (the parent right)
 * that the parent is less sure of than of them (its probability of X). Texts a drift brings to Y
 * are ones the parent mistook for X, at the edge of X: their median share was 0.05-0.17 (first
 * names by initial, its errors of the last era). A targeted flip relabels X texts as typical as
 * the guard's, at about 0.5, even where the candidate learned the flip without moving the guard's
 * X texts (first names seed 3: guard loss 0.03 for 0.94 learned).
 */
export const FLIP_TYPICAL = 0.25;

/** The median share of the guard's X texts the parent is less sure of than of the relabelled new ones at `at` (ties count half); null without confidences or with under 10 guard X texts. */
function typicality(o: Outcomes, from: string, to: string, at: readonly number[]): number | null {
  const f = o.fresh;
  const g = o.guard;
  if (!f.confidenceBefore || !g.confidenceBefore) return null;
  const reference = g.gold.flatMap((gold, i) => (gold.includes(from) && g.topBefore[i] === from ? [g.confidenceBefore![i]] : [])).sort((a, b) => a - b);
  const relabelled = at.filter((i) => f.gold![i].includes(to) && !f.gold![i].includes(from));
  if (reference.length < 10 || relabelled.length === 0) return null;
  const below = (x: number) => {
    let lo = 0;
    let hi = 0;
    for (const r of reference) r < x ? lo++ : r === x && hi++;
    return (lo + hi / 2) / reference.length;
  };
  const shares = relabelled.map((i) => below(f.confidenceBefore![i])).sort((a, b) => a - b);
  const mid = shares.length >> 1;
  return shares.length % 2 ? shares[mid] : (shares[mid - 1] + shares[mid]) / 2;
}

/** What took the label-flip check past a drift: the guard's "from" texts moved with the learning, or the relabelled texts are typical of "from". */
function flipDetail(flip: NonNullable<ReturnType<typeof labelFlip>>): string {
  const parts: string[] = [];
  if (flip.transfer) parts.push(`the candidate learned ${pts(flip.transfer.learned)}% of them and no longer calls ${pts(flip.transfer.guardLoss)}% of the guard's "${flip.from}" texts "${flip.from}"`);
  if (flip.typicality !== undefined) parts.push(`the parent is surer of them than of ${pts(flip.typicality)}% of the guard's "${flip.from}" texts`);
  return parts.length ? `; ${parts.join(', and ')}` : '';
}

/** The candidate's learning of the new examples at `at` (labelled `to`, called `from` by the parent) and its loss of the guard's `from`; null without the candidate's answers. */
function flipTransfer(o: Outcomes, from: string, to: string, at: readonly number[]): { learned: number; guardLoss: number; beyondNoise: boolean } | null {
  const f = o.fresh;
  const g = o.guard;
  if (!f.topAfter || g.topAfter.length !== g.gold.length) return null;
  const relabelled = at.filter((i) => f.gold![i].includes(to) && !f.gold![i].includes(from));
  const known = g.gold.flatMap((gold, i) => (gold.includes(from) && g.topBefore[i] === from ? [i] : []));
  if (relabelled.length === 0 || known.length === 0) return null;
  const learned = relabelled.filter((i) => f.topAfter![i] === to).length / relabelled.length;
  const lost = known.filter((i) => g.topAfter[i] !== from).length;
  // Beyond noise: more of the guard's "from" texts moved away than came to it, by the exact sign test at the guard-wide level.
  const gained = g.gold.filter((gold, i) => gold.includes(from) && g.topBefore[i] !== from && g.topAfter[i] === from).length;
  return { learned, guardLoss: lost / known.length, beyondNoise: signTestP(lost, gained) <= GUARD_ALPHA };
}

/**
 * The fewest answers a parent must get wrong, on the new validation data or on the guard, for a
 * gain to be able to show: the sign test takes 3 answers gained and none lost (3 >= 1.5 sqrt(3)),
 * never 2. Below that on both, "nothing improved" says the parent was already right, not that the
 * update was useless: SpamAssassin in 20 chunks sends 12 chunks of ham the parent gets 100% right,
 * and rejecting them all left a model that called up to 26% of their test ham spam once it learned spam.
 */
export const MIN_ROOM = 3;

/**
 * Whether a real gain could have shown: the parent got MIN_ROOM answers wrong on the new data or on
 * the guard. Under 10 validation examples (pieces of feedback, judged by more gained than lost) there
 * is always taken to be room: feedback the parent already gets right is still no improvement.
 */
export function roomToGain(o: Outcomes): boolean {
  const wrong = (xs: readonly boolean[]) => xs.filter((right) => !right).length;
  return o.fresh.before.length < 10 || wrong(o.fresh.before) >= MIN_ROOM || wrong(o.guard.before) >= MIN_ROOM;
}

/**
 * A gain too small for the sign test that costs the old data nothing: with 10+ validation examples,
 * the new data gained FREE_GAIN more answers than it lost, and the guard (10+ examples) lost none
 * on balance. SpamAssassin in 20 chunks of 242 holds out 48 validation examples a chunk: 2 more of
 * them right with the guard unchanged was rejected 4 times in 19 updates, and the stream ended 1.5
 * points below the gate off. Pieces of feedback are judged as before.
 */
export const FREE_GAIN = 2;

export function freeGain(o: Outcomes): boolean {
  const right = (xs: readonly boolean[]) => xs.filter(Boolean).length;
  if (o.fresh.before.length < 10 || o.guard.before.length < 10) return false;
  return right(o.fresh.after) - right(o.fresh.before) >= FREE_GAIN && right(o.guard.after) >= right(o.guard.before);
}

/**
 * The new data's labels with at least `support` validation examples: the labels a shuffle could be
 * told by. A label with fewer cannot show skill (20-task WordNet: 7 of 330 validation examples of
 * noun.motive beside noun.body, none recalled, where a blind predictor recalls none either), and a
 * batch with one such label is, for the skill test, a batch of one label (whose shuffle changes few
 * labels: shuffling a 98/2 mix relabels at most 4% of it).
 */
function testedLabels(f: Outcomes['fresh'], support: number): number {
  if (!f.gold) return 1;
  const counts = new Map<string, number>();
  for (const labels of f.gold) for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts.values()].filter((c) => c >= support).length;
}

/**
 * The F1 a label gained on the new validation data (0 when it has fewer than `support` examples
 * there): under the weighted policy a label's F1 drop on the guard is weighed against it, as the
 * guard's accuracy is against the new data's skill. SOTU party by era, seed 1 (general defaults):
 * the last era took the guard's "Democratic" F1 from 80.0 to 67.5 while the new data's accuracy
 * rose from 45.6% to 71.1%; the veto left that era at the parent's, 5 points of ACC below the gate off.
 * A targeted flip gains its label nothing on the new data (none of it is labelled so).
 */
function freshLabelGain(before: Metrics, after: Metrics, label: string, support: number): number {
  const b = before.perLabel.find((l) => l.label === label);
  if (!b || b.support < support) return 0;
  return (after.perLabel.find((l) => l.label === label)?.f1 ?? 0) - b.f1;
}

/**
 * The gain of an update whose new validation examples all carry labels the parent did not know,
 * beyond what a predictor blind to the texts would gain, judged on old and new traffic together:
 * the new data's accuracy gain less the rise of a text-blind predictor's expected accuracy on the
 * guard and the new data (weighed 1 - newShare and newShare), over newShare. Null where it does not
 * apply (some new example has an old label, no guard, under MIN_SKILL_VALID validation examples).
 *
 * Skill beyond the label mix of the new data alone has no room when one new label is nearly all
 * of it: WordNet in 20 tasks, split seed 3, task 12 learned its labels from 0% to 48.7% right,
 * yet had 0.84 points of skill, and the guard's 4.7-point loss rejected it (gate off, the stream
 * ends 1.75 points higher). A text-blind predictor of the new labels would take the whole guard,
 * and beside the guard that shows. The drift streams' attacks, SOTU presidents and the other
 * WordNet seeds decide as before (docs/decisions.md).
 */
export function newLabelsGain(o: Outcomes, newShare: number): number | null {
  const f = o.fresh;
  const g = o.guard;
  if (!f.gold || !f.topBefore || !f.topAfter || !o.oldLabels || g.gold.length === 0 || f.gold.length < MIN_SKILL_VALID || newShare <= 0) return null;
  const old = o.oldLabels;
  if (!f.gold.every((labels) => labels.length > 0 && labels.every((l) => !old.has(l)))) return null;
  const wGuard = (1 - newShare) / g.gold.length;
  const wFresh = newShare / f.gold.length;
  const add = (m: Map<string, number>, label: string, w: number) => m.set(label, (m.get(label) ?? 0) + w);
  const gold = new Map<string, number>();
  g.gold.forEach((labels) => add(gold, labels[0], wGuard));
  f.gold.forEach((labels) => add(gold, labels[0], wFresh));
  /** A text-blind predictor's expected accuracy with the prediction mix of these tops. */
  const chance = (guardTop: readonly string[], freshTop: readonly string[]) => {
    const predicted = new Map<string, number>();
    guardTop.forEach((l) => add(predicted, l, wGuard));
    freshTop.forEach((l) => add(predicted, l, wFresh));
    let c = 0;
    for (const [l, w] of predicted) c += w * (gold.get(l) ?? 0);
    return c;
  };
  const chanceRise = chance(g.topAfter, f.topAfter) - chance(g.topBefore, f.topBefore);
  return rightShare(f.after) - rightShare(f.before) - chanceRise / newShare;
}

/** Validation sets smaller than this are not asked for skill beyond the label mix (too noisy to tell). */
export const MIN_SKILL_VALID = 30;

export function gateIssues(before: Measured, after: Measured, o: GateOptions, outcomes: Outcomes): GateIssue[] {
  const issues: GateIssue[] = [];
  // A drop counts when it is larger than --max-drop and beyond noise: on a guard of 80 examples one
  // flipped answer is 1.25 points, which says nothing about forgetting.
  const guardLost = significantLoss(outcomes.guard.before, outcomes.guard.after);
  const fs = freshSkill(outcomes.fresh);
  // New data that is all new labels is judged beside the guard (newLabelsGain); other new data on its own.
  const newLabels = newLabelsGain(outcomes, o.newShare);
  const skillGain = newLabels ?? fs.after.skill - fs.before.skill;
  // The weighted policy: a loss on the old data less a gain on the new, weighed by the declared
  // share of traffic that looks like the new data (--new-share); and how a message says it.
  const weigh = (loss: number, gain: number) => (1 - o.newShare) * loss - o.newShare * gain;
  const gainSaid = newLabels === null ? `the new data's skill beyond its label mix went from ${pts(fs.before.skill)} to ${pts(fs.after.skill)} points` : `the new labels gained ${pts(newLabels)} points beyond a predictor blind to the texts, on old and new data together`;
  const weighedAgainstSkill = (net: number) => `${gainSaid}: weighed ${pts(1 - o.newShare)}% old, ${pts(o.newShare)}% new (--new-share), the update loses ${pts(net)} points`;
  const valid = outcomes.fresh.before.length;
  if (before.guard && after.guard && before.guard.n > 0) {
    const b = before.guard;
    const a = after.guard;
    if (o.policy === 'weighted') {
      // The accuracy over old and new traffic together, weighed by the declared mix; the new data
      // counts by its skill beyond the label mix, so a gain that only learned the mix buys nothing.
      const net = weigh(b.accuracy - a.accuracy, skillGain);
      if (guardLost && net > o.maxDrop + EPS) {
        issues.push({ code: 'weighted-accuracy-drop', metric: 'weighted accuracy', before: b.accuracy, after: a.accuracy, threshold: o.maxDrop, message: `guard accuracy fell from ${pts(b.accuracy)}% to ${pts(a.accuracy)}%, and ${weighedAgainstSkill(net)} (more than ${pts(o.maxDrop)})` });
      }
    } else {
      if (guardLost && b.accuracy - a.accuracy > o.maxDrop + EPS) {
        issues.push({ code: 'guard-accuracy-drop', metric: 'guard accuracy', before: b.accuracy, after: a.accuracy, threshold: o.maxDrop, message: `guard accuracy fell from ${pts(b.accuracy)}% to ${pts(a.accuracy)}% (more than ${pts(o.maxDrop)} points)` });
      }
      if (guardLost && b.macroF1 - a.macroF1 > o.maxDrop + EPS) {
        issues.push({ code: 'guard-macro-f1-drop', metric: 'guard macro-F1', before: b.macroF1, after: a.macroF1, threshold: o.maxDrop, message: `guard macro-F1 fell from ${pts(b.macroF1)}% to ${pts(a.macroF1)}% (more than ${pts(o.maxDrop)} points)` });
      }
    }
    const checked = b.perLabel.filter((lb) => lb.support >= o.minLabelSupport);
    for (const lb of checked) {
      const la = a.perLabel.find((l) => l.label === lb.label);
      const f1After = la?.f1 ?? 0;
      // (weighted: the label's drop on the guard less its gain on the new data, weighed as accuracy is)
      const weighted = o.policy === 'weighted';
      const gain = weighted ? freshLabelGain(before.fresh, after.fresh, lb.label, o.minLabelSupport) : 0;
      const drop = lb.f1 - f1After;
      const over = weighted ? weigh(drop, gain) > (1 - o.newShare) * o.labelTolerance + EPS : drop > o.labelTolerance + EPS;
      if (over && labelLost(outcomes.guard, lb.label, checked.length)) {
        issues.push({ code: 'label-f1-drop', metric: 'guard F1', label: lb.label, before: lb.f1, after: f1After, threshold: o.labelTolerance, message: `F1 of "${lb.label}" on the guard set fell from ${pts(lb.f1)}% to ${pts(f1After)}%${gain !== 0 ? `, and on the new data it moved ${pts(gain)} points: weighed ${pts(1 - o.newShare)}% old, ${pts(o.newShare)}% new (--new-share), more than the ${pts(o.labelTolerance)}-point tolerance` : ''}` });
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
    const excess = taken / n - outcomes.newLabelShare;
    // Under the weighted policy, with a validation set large enough to show skill (bulk new labels),
    // what they take beyond their share is weighed against the new data's gain, as a guard loss is.
    // A rejected task's labels are never learned: WordNet in 20 class-incremental tasks (split seeds
    // 2-3) lost two tasks each to this veto, 5.3-5.9 points of ACC below a retrain against 2.3-2.9
    // with the gate off. A piece of feedback, or a label with no skill, still meets the veto.
    const weighed = o.policy === 'weighted' && valid >= MIN_SKILL_VALID ? weigh(excess, skillGain) : null;
    if (weighed === null || weighed > o.maxDrop + EPS) {
      const against = weighed === null ? '' : `, and ${weighedAgainstSkill(weighed)}`;
      issues.push({ code: 'new-labels-take-guard', metric: 'guard examples taken by new labels', before: 0, after: taken / n, threshold: allowed, message: `the new labels took ${taken} of the ${n} guard examples the parent got right (${pts(taken / n)}%, more than their ${pts(outcomes.newLabelShare)}% share of the examples seen plus ${pts(o.maxDrop)} points)${against}` });
    }
  }
  // On a binary, imbalanced batch, "new-data accuracy improved" is met by learning the label mix
  // (a shuffled-label batch did it): the candidate must predict the new labels better than their mix
  // by two standard errors of the accuracy a text-blind predictor would get, or, labels weighed
  // alike, recall them better than such a predictor would (balancedSkill).
  const after_ = fs.after;
  const noise = 2 * Math.sqrt((after_.chance * (1 - after_.chance)) / Math.max(1, valid));
  const f = outcomes.fresh;
  const balanced = f.gold && f.topAfter ? balancedSkill(f.gold, f.topAfter) : { skill: 0, noise: Infinity };
  if (testedLabels(f, o.minLabelSupport) >= 2 && valid >= MIN_SKILL_VALID && after_.skill < noise && balanced.skill <= balanced.noise) {
    issues.push({ code: 'no-skill', metric: 'new-data skill beyond the label mix', before: fs.before.skill, after: after_.skill, threshold: noise, message: `on the new data the candidate is right ${pts(after_.accuracy)}% of the time, where predicting its labels blind to the texts, in the mix it predicts them, gives ${pts(after_.chance)}%: ${pts(after_.skill)} points of skill, within noise (${pts(noise)}) of none; are the labels shuffled or wrong?` });
  }
  const flip = labelFlip(outcomes);
  if (flip) {
    issues.push({ code: 'label-flip', metric: 'new examples the parent calls a label, labelled another', label: flip.from, before: flip.guardPrecision, after: flip.freshPrecision, threshold: FLIP_SHARE, message: `the new data relabels "${flip.from}" as "${flip.to}": of the ${flip.n} new examples the parent calls "${flip.from}", ${flip.toCount} are labelled "${flip.to}" and ${pts(flip.freshPrecision)}% "${flip.from}", where on the guard ${pts(flip.guardPrecision)}% of those it calls "${flip.from}" are${flipDetail(flip)} (a targeted flip? relabelling a class on purpose needs --no-gate)` });
  }
  const t = outcomes.trigger;
  if (t) {
    issues.push({ code: 'trigger-token', metric: 'examples of other labels flipped by one planted token', label: t.label, before: 0, after: t.flipped / t.tried, threshold: PLANT_RATE, message: `the token "${t.token}" decides the label "${t.label}": removing it changes ${t.hinged} of the ${t.of} new "${t.label}" examples that carry it, and planting it flips ${t.flipped} of ${t.tried} examples of other labels to "${t.label}" (a token it never saw flips ${t.control}: a planted trigger?)` });
  }
  // Both sets are held out of training: a gain too small to show on either alone can show on both.
  const g = outcomes.guard;
  const improved = significantGain(outcomes.fresh.before, outcomes.fresh.after) || (g.before.length > 0 && (significantGain(g.before, g.after) || significantGain([...outcomes.fresh.before, ...g.before], [...outcomes.fresh.after, ...g.after])));
  if (!improved && roomToGain(outcomes) && !freeGain(outcomes)) {
    const guard = before.guard && after.guard && before.guard.n > 0 ? ` (${pts(before.guard.accuracy)}% to ${pts(after.guard.accuracy)}% on ${before.guard.n} examples)` : '';
    const small = valid < SMALL_VALID ? `; ${valid} validation examples can only show a large gain: a larger validation set (--valid) or guard (--guard) would let a real one show` : '';
    issues.push({ code: 'no-improvement', metric: 'new-data accuracy', before: before.fresh.accuracy, after: after.fresh.accuracy, threshold: 0, message: `nothing improved beyond noise (a sign test on the examples that changed): accuracy on the new data went from ${pts(before.fresh.accuracy)}% to ${pts(after.fresh.accuracy)}% on ${valid} validation examples, and the guard did not gain beyond noise either${guard}${small}` });
  }
  return issues;
}
