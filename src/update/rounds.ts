/**
 * The founding loop's training part: rounds of {select parameters -> train them on the new data
 * plus replayed examples -> validate}, journaling every row before it changes, until the round
 * budget, the time budget or patience runs out. Returns the round kept (0 = the parent; see RoundPicker).
 */
import type { Config } from '../config.js';
import type { Example } from '../data/example.js';
import type { FeaturizedData } from '../features/dataset.js';
import { ewcStep } from '../forgetting/ewc.js';
import type { RowFisher } from '../forgetting/fisher.js';
import { indexRange, stepContext } from '../learn/context.js';
import { fittedEpochs } from '../learn/dataDefaults.js';
import { runEpoch } from '../learn/epochs.js';
import { decayedLr } from '../learn/schedule.js';
import { learnExample } from '../learn/step.js';
import { accuracyOnRows } from '../learn/validate.js';
import type { TextClassifier } from '../model/classifier.js';
import { reusableScratch } from '../model/forward.js';
import { createOptimizer } from '../optim/optimizer.js';
import { rowAllowed, type Selection } from '../optim/selection.js';
import { Rng } from '../util/rng.js';
import { balancedNewCount, CONSOLIDATION_RATE, consolidationCount, replayConfidence, shrinkRows, SURE_OF_REPLAY } from './classIncremental.js';
import { subBagKeep } from './fewShot.js';
import { featureCacheOf } from './featureCache.js';
import type { RowJournal, JournalSnapshot } from './journal.js';
import { selectionFor, formatSelection, maskFromRows, replaySelection, type ReplayInput, type SelectionInputs, type SelectionSpec } from './selection.js';

export interface RoundReport {
  round: number;
  selection: string;
  /** Rows each tensor was allowed to change this round ('all' for a whole tensor). */
  selected: { input: number | 'all'; hidden: boolean; output: number | 'all' };
  examples: number;
  /** Of `examples`, the replayed old ones (an old example drawn twice counts twice). */
  replayed: number;
  freshAccuracy: number;
  guardAccuracy: number | null;
  score: number;
  ms: number;
}

export interface RoundPlan {
  cfg: Config;
  spec: SelectionSpec;
  rounds: number;
  patience: number;
  /**
   * Whether a later round within the score's noise (scoreNoise) of the best is kept over it (true
   * when the validation examples are held out of training; see RoundPicker).
   */
  laterOnTies: boolean;
  budgetMs: number;
  lr: number;
  seed: number;
  /** All training examples featurised: new ones at [0, newCount), replayed ones after. */
  data: FeaturizedData;
  newCount: number;
  replayPerRound: number;
  /**
   * Where the consolidation's examples begin in `data` (after the replayed ones: see
   * CONSOLIDATION_REPLAY); data.count when there are none (absent: the same).
   */
  consolidateFrom?: number;
  /** Which input rows replayed examples train (see replaySelection). */
  replayInput: ReplayInput;
  teacher: { probs: Float32Array; labels: number; weight: number } | null;
  /** Strength of the logit adjustment against the label mix of the update (see logitOffsets); 0 = off. */
  balance: number;
  /** Whether steps on a new label's examples train on random sub-bags of their rows (see fewShot.ts). */
  subBags: boolean;
  /** Whether the last round trains all its replay but a balanced share of the new examples, and every round is kept (classIncremental.ts). */
  balancedLastRound?: boolean;
  /** The factor every output row is scaled by before the first round (and again before a re-run) when the parent is sure of its replay (SURE_OF_REPLAY); 1 or absent: none. */
  outputShrink?: number;
  /** Per-input-row learning-rate multipliers (old rows slower than new ones), or null. */
  inputRate: Float32Array | null;
  ewc: { lambda: number; fisher: RowFisher } | null;
  /**
   * When this update grew the n-gram table (growTable.ts): the examples the parent was trained on
   * that the replay memory keeps, which the copied rows may be re-fitted on before the first round
   * (refitPlan); null when the table was not grown.
   */
  grownTable: { trained: readonly Example[] } | null;
  fresh: FeaturizedData;
  guard: FeaturizedData | null;
  selectionInputs: SelectionInputs;
  started: number;
  onRound?: (r: RoundReport) => void;
}

export interface RoundsResult {
  rounds: RoundReport[];
  bestRound: number;
  examplesProcessed: number;
  /** Adam's step count after the kept round (null: SGD, or no round kept). */
  optimizerStep: number | null;
  /** The factor every output row was scaled by before the first round, as the kept model has them (1 = not scaled, or no round kept: the parent is restored). */
  outputShrink: number;
  /** What the caller restores: nothing (the model is as the kept round left it), the parent (no round ran), or a snapshot (under a time budget). */
  restore: 'nothing' | 'parent' | JournalSnapshot;
}

const countOf = (mask: Selection['input']): number | 'all' => (mask === true ? 'all' : mask === false ? 0 : mask.reduce((s, v) => s + v, 0));

/** Rounds are scored on at most this many guard examples (the gate then uses all of them). */
export const ROUND_GUARD = 100;

/**
 * The standard error of a round's score at worst (accuracies of 50%): the score is the mean of an
 * accuracy on `fresh` examples and one on `guard` examples. With 1,000 and 100 it is 2.6 points:
 * rounds closer than that are not told apart by their validation, and the later one, trained more
 * at a lower rate, is kept. A tolerance of half a point let noise pick earlier rounds: on
 * class-incremental WordNet (200k buckets, seeds 1-3) keeping the last round instead gave ACC
 * -2.7, -3.0, -1.9 points from retrain where the picked round gave -2.7, -5.3, -1.9.
 */
export function scoreNoise(fresh: number, guard: number): number {
  const variance = (n: number) => (n > 0 ? 0.25 / n : 0);
  return guard > 0 ? Math.sqrt(variance(fresh) + variance(guard)) / 2 : Math.sqrt(variance(fresh));
}

function score(model: TextClassifier, plan: RoundPlan): { fresh: number; guard: number | null; score: number } {
  const fresh = accuracyOnRows(model, plan.fresh);
  const guard = plan.guard && plan.guard.count > 0 ? accuracyOnRows(model, plan.guard, ROUND_GUARD) : null;
  return { fresh, guard, score: guard === null ? fresh : (fresh + guard) / 2 };
}

export function runRounds(model: TextClassifier, journal: RowJournal, plan: RoundPlan): RoundsResult {
  const p = model.params;
  const reports: RoundReport[] = [];
  // The loop picks the best trained round; whether it beats the parent is the gate's call.
  const guardScored = plan.guard ? Math.min(ROUND_GUARD, plan.guard.count) : 0;
  const picker = plan.balancedLastRound ? new RoundPicker(Infinity, Infinity) : new RoundPicker(plan.patience, plan.laterOnTies ? scoreNoise(plan.fresh.count, guardScored) : 0);
  // An earlier round is usually not the one kept: rather than copy every journaled row after each
  // round that might be (tens of MB, a sixth of a large update), the rounds are run again from the
  // parent up to the kept one, which training's determinism makes bit-identical. Under a time
  // budget a second run could overshoot it: there snapshots are taken as the rounds go.
  const snapshots = Number.isFinite(plan.budgetMs);
  let snapshot: JournalSnapshot | null = null;
  const consolidateFrom = plan.consolidateFrom ?? plan.data.count;
  const replayIdx = Array.from({ length: consolidateFrom - plan.newCount }, (_, i) => plan.newCount + i);
  const consolidateIdx = Array.from({ length: plan.data.count - consolidateFrom }, (_, i) => consolidateFrom + i);
  // The input rows the new examples touch, as a mask: replayed examples train only these ('shared').
  const shared = plan.replayInput === 'shared' && replayIdx.length > 0 ? maskFromRows(p.input.rows, plan.selectionInputs.touched) : null;
  const plannedPerRound = newSample(plan.newCount).length + (replayIdx.length > 0 ? plan.replayPerRound : 0);
  const total = Math.max(1, plannedPerRound * plan.rounds);
  /** Everything a run of the rounds changes as it goes, apart from the journaled rows. */
  const fresh = () => ({ optimizer: createOptimizer(model.config.optimizer, p, model.optimizerState), rng: new Rng(plan.seed), processed: 0 });
  let run = fresh();
  let stepsDone = 0;
  /** The optimizer's step count after each round (null for SGD). */
  const stepAfter: (number | null)[] = [];
  const subBag = plan.subBags ? subBagger(plan, p.output.rows, plan.selectionInputs.outputRowsBefore) : null;
  // A table this update grew: its copied rows are re-fitted before the first round (and again before a re-run).
  const refit = plan.grownTable !== null ? refitPlan(model, plan, plan.grownTable.trained) : null;
  // (asked of the parent, before anything is trained: see SURE_OF_REPLAY)
  const factor = plan.outputShrink ?? 1;
  const shrink = factor < 1 && (replayConfidence(model, plan.data, plan.newCount) ?? 0) >= SURE_OF_REPLAY ? factor : 1;
  /** What comes before the first round, again before a re-run: the re-fit, the output rows shrunk (classIncremental.ts). */
  const prepare = () => {
    refit?.run();
    shrinkRows(p.output, p.output.rows, shrink);
  };
  prepare();

  /** Trains round `round` on at most `limit` examples (stopping early when `timed` and the budget is spent); returns how many it trained on, and how many of them were replayed. */
  const trainRound = (round: number, selection: Selection, limit: number, timed: boolean): { trained: number; replayed: number } => {
    const balanced = plan.balancedLastRound && round === plan.rounds - 1 && replayIdx.length > 0;
    const firstNew = plan.selectionInputs.outputRowsBefore;
    const news = balanced ? run.rng.shuffle(newSample(plan.newCount)).slice(0, balancedNewCount(plan.newCount, plan.replayPerRound, firstNew, p.output.rows - firstNew)) : newSample(plan.newCount);
    const order = Int32Array.from([...news, ...replaySample(replayIdx, plan.replayPerRound, run.rng)]);
    const ctx = {
      ...stepContext(p, model.config, run.optimizer, plan.seed + round, selection, reusableScratch(p)),
      teacherWeight: plan.teacher?.weight ?? 1,
      // Without replay the round holds only new labels: there is no mix to correct.
      logitOffsets: plan.balance > 0 && model.loss.exclusive && replayIdx.length > 0 ? logitOffsets(plan.data, order, model.vocab.labelCounts, plan.balance) : null,
      inputRate: plan.inputRate,
    };
    // (the same scratch, optimizer and random stream: only the rows a replayed example may change differ)
    const replayCtx = shared ? { ...ctx, selection: replaySelection(selection, shared) } : ctx;
    run.rng.shuffle(order);
    const { rows, offsets, labels, labelOffsets, weights } = plan.data;
    /** One example's step: the teacher's row for it, the example (or its sub-bag), EWC's pull at `ewcLr`. */
    const step = (c: typeof ctx, i: number, lr: number, bag: { rows: Int32Array; n: number } | null, ewcLr: number) => {
      c.teacher = plan.teacher ? plan.teacher.probs.subarray(i * plan.teacher.labels, (i + 1) * plan.teacher.labels) : null;
      if (bag) learnExample(c, bag.rows, 0, bag.n, labels, labelOffsets[i], labelOffsets[i + 1], weights ? weights[i] : 1, lr);
      else learnExample(c, rows, offsets[i], offsets[i + 1], labels, labelOffsets[i], labelOffsets[i + 1], weights ? weights[i] : 1, lr);
      run.processed++;
      if (plan.ewc) applyEwc(model, journal, plan.ewc, c.selection, rows, offsets[i], offsets[i + 1], ewcLr);
    };
    const end = Math.min(limit, order.length);
    let k = 0;
    let replayed = 0;
    for (; k < end; k++) {
      if (timed && (k & 255) === 255 && performance.now() - plan.started > plan.budgetMs) break;
      const i = order[k];
      const old = i >= plan.newCount;
      if (old) replayed++;
      const lr = decayedLr(plan.lr, run.processed, total);
      step(old ? replayCtx : ctx, i, lr, !old && subBag ? subBag(i, run.rng) : null, lr);
    }
    // The balanced round, run whole, ends with the consolidation (CONSOLIDATION_REPLAY): its own draw
    // of old examples, at a lower rate and without the logit adjustment.
    if (balanced && consolidateIdx.length > 0 && k === order.length && k < limit) {
      const draw = replaySample(consolidateIdx, consolidationCount(plan.replayPerRound), run.rng);
      // (with the new labels at the old ones' share, as in the balanced round: alone, the old
      // examples starved an update whose new labels were half of those known)
      const withNew = [...draw, ...run.rng.shuffle(newSample(plan.newCount)).slice(0, balancedNewCount(plan.newCount, draw.length, firstNew, p.output.rows - firstNew))];
      const more = run.rng.shuffle(Int32Array.from(withNew)).subarray(0, Math.max(0, limit - k));
      const cctx = { ...replayCtx, logitOffsets: null };
      const rate = CONSOLIDATION_RATE * plan.lr;
      for (let j = 0; j < more.length; j++) {
        if ((j & 255) === 255 && timed && performance.now() - plan.started > plan.budgetMs) break;
        const i = more[j];
        step(cctx, i, decayedLr(rate, j, more.length), null, rate);
        k++;
        if (i >= plan.newCount) replayed++;
      }
    }
    stepsDone += k;
    return { trained: k, replayed };
  };

  for (let round = 0; round < plan.rounds; round++) {
    if (performance.now() - plan.started > plan.budgetMs) break;
    const t0 = performance.now();
    const selection = selectionFor(plan.spec, round, plan.selectionInputs);
    const { trained, replayed } = trainRound(round, selection, Infinity, true);
    stepAfter.push(run.optimizer.state()?.step ?? null);
    const s = score(model, plan);
    const report: RoundReport = {
      round: round + 1,
      selection: formatSelection(plan.spec),
      selected: { input: countOf(selection.input), hidden: selection.hidden && p.hidden !== null, output: countOf(selection.output) },
      examples: trained,
      replayed,
      freshAccuracy: s.fresh,
      guardAccuracy: s.guard,
      score: s.score,
      ms: performance.now() - t0,
    };
    reports.push(report);
    plan.onRound?.(report);
    const { keep, stop } = picker.offer(round + 1, s.score);
    // (no snapshot after the last round, planned or stopped at: the current state is the one kept)
    if (snapshots && keep && !stop && round + 1 < plan.rounds) snapshot = journal.snapshot(snapshot ?? undefined);
    if (stop) break;
  }
  const kept = picker.kept;
  let restore: RoundsResult['restore'];
  // ('parent' only when no round ran at all: the time budget was spent before the first one.)
  if (kept === 0) restore = 'parent';
  else if (kept === reports.length) restore = 'nothing';
  else if (snapshot) restore = snapshot;
  else {
    journal.restore();
    run = fresh();
    prepare();
    for (let round = 0; round < kept; round++) trainRound(round, selectionFor(plan.spec, round, plan.selectionInputs), reports[round].examples, false);
    restore = 'nothing';
  }
  // Adam's step count where the kept round left it (its moments are journaled rows, put back above).
  return { rounds: reports, bestRound: kept, examplesProcessed: stepsDone, restore, optimizerStep: kept > 0 ? stepAfter[kept - 1] : null, outputShrink: kept > 0 ? shrink : 1 };
}

/**
 * A grown table is re-fitted (refitPlan) when at least this share of the input rows of the
 * examples it is re-fitted on are hashed. Where texts are mostly char n-grams (first names: 0.92,
 * one word row per name) the collided copies are most of what the model knows: the re-fit brought
 * the gated update from 1.8, 0.2, 4.3 and 2.1 points below a retrain to +0.3, +0.9, -1.1 and 0.0
 * (first names as bench:drift runs it, tuning seeds 4-7; seeds 8-12: -0.5 to +0.7). Where every
 * word has a row of its own and only word pairs are hashed (SOTU party, SpamAssassin: 0.50), the
 * words carry the texts: a re-fit on the replayed examples moved SOTU party by -0.60, +0.25, -0.32
 * and -0.08 (seeds 4-7) and gained SpamAssassin nothing (seed 4: 97.31 gated), so those copies
 * are kept.
 */
export const REFIT_HASHED_SHARE = 0.75;

/**
 * The re-fit of a table the update grew (growTable.ts), or null when it does not apply. The hashed
 * rows the update's examples use (new and replayed) are drawn afresh, as train draws them, and
 * fitted to `trained` (the examples the parent was trained on that the replay memory keeps) for
 * the passes train would give that many examples (fittedEpochs), at the update's rate, the word
 * rows and the output layer held: the n-grams that shared a row of the small table get rows of
 * their own, fitted to the data seen. A guard held out of the replay memory is among `trained`, as
 * it was among the parent's training examples. Without it the re-fit model forgot what the
 * parent had learned of those names: on first names seed 10 the guard fell from 100% to 87.7% and
 * the gate rejected the era (seeds 8 and 11 lost eras alike). A saved or given guard is not in the
 * memory, and is never trained. Under a time budget the re-fit runs whole before the first round.
 * Only rows the rounds journal change (every row of the update's examples: replayed examples
 * train every row of theirs), so a rejected update puts them back and a patch carries them. It
 * needs replayInput 'all' and plain SGD (Adam's moments of a row drawn afresh would be stale).
 */
function refitPlan(model: TextClassifier, plan: RoundPlan, trained: readonly Example[]): { run(): void } | null {
  const p = model.params;
  if (plan.replayInput === 'shared' || trained.length === 0 || model.config.optimizer !== 'sgd') return null;
  const bucket = model.config.bucket;
  const data = featureCacheOf(model).data(trained, false);
  // (the share of their input rows that are hashed: see REFIT_HASHED_SHARE)
  let hashed = 0;
  for (const r of data.rows) if (r < bucket) hashed++;
  if (hashed < REFIT_HASHED_SHARE * data.rows.length) return null;
  // Only the rows the rounds journal (every row of the update's examples, new and replayed).
  const mask = new Uint8Array(p.input.rows);
  for (const r of plan.data.rows) if (r < bucket) mask[r] = 1;
  const epochs = fittedEpochs(trained.length);
  const selection: Selection = { input: mask, hidden: false, output: false };
  const cols = p.input.cols;
  return {
    run() {
      const rng = new Rng(plan.seed ^ 0x5bd1e995);
      const scale = 1 / cols;
      const d = p.input.data;
      for (let r = 0; r < bucket; r++) if (mask[r] === 1) for (let c = r * cols, end = c + cols; c < end; c++) d[c] = (2 * rng.next() - 1) * scale;
      const ctx = stepContext(p, model.config, createOptimizer('sgd', p), plan.seed + 0x7f4a7c15, selection, reusableScratch(p));
      const order = indexRange(data.count);
      const total = epochs * order.length;
      for (let e = 0; e < epochs; e++) runEpoch(ctx, data, rng.shuffle(order), { lr: plan.lr, decay: true, doneBefore: e * order.length, total });
    },
  };
}

/**
 * Which round the loop keeps, and when patience runs out. With a tolerance, a round within it of
 * the best score so far becomes the one kept: a later round has trained more at a lower rate, and
 * an earlier one that wins by a few examples of a small validation set won by luck
 * (class-incremental WordNet: keeping round 2 of 4 on a tie cost 5 points of ACC). Without one
 * (an update of a few examples, validated on those same examples, whose scores rarely move after
 * the first round) ties go to the earlier round: the least change for the same score (feedback:
 * keeping round 3 instead of 1 moved guard accuracy by up to 0.5 points instead of 0.4). Patience
 * counts rounds since the best score last rose.
 */
export class RoundPicker {
  /** The round kept so far (0 = none yet: the parent). */
  kept = 0;
  private top = -Infinity;
  private improved = 0;

  constructor(
    private readonly patience: number,
    private readonly tolerance: number,
  ) {}

  /** Round `round` (1-based, in order) scored `score`: is it now the one kept, and should the loop stop? */
  offer(round: number, score: number): { keep: boolean; stop: boolean } {
    const keep = score > this.top || (this.tolerance > 0 && score >= this.top - this.tolerance);
    if (keep) this.kept = round;
    if (score > this.top) {
      this.top = score;
      this.improved = round;
      return { keep, stop: false };
    }
    return { keep, stop: round - this.improved >= this.patience };
  }
}

/**
 * strength × (log(share of label i among this round's training examples) - log(share of label i
 * in all data the model has seen)): with these added to the scores during training, the scores the
 * model learns follow the whole history's label mix rather than the update's (Menon et al. 2021).
 * Strength 1 corrects the mix exactly; a model trained last on new labels still leans to them
 * (recency), which a stronger correction counters at the price of learning them less (see BALANCE).
 */
function logitOffsets(data: FeaturizedData, order: Int32Array, labelCounts: readonly number[], strength: number): Float32Array {
  const counts = new Float64Array(labelCounts.length);
  let total = 0;
  for (const i of order) {
    for (let k = data.labelOffsets[i]; k < data.labelOffsets[i + 1]; k++) counts[data.labels[k]]++, total++;
  }
  const all = labelCounts.reduce((a, b) => a + b, 0);
  // Only labels the update under-represents are corrected: a label the update over-represents (a
  // brand-new label taught by one piece of feedback) must still be learned as it is shown.
  // A label absent from the round counts as half an example: strongly corrected, yet new labels still learn to beat it.
  return Float32Array.from(counts, (c, i) => strength * Math.min(0, Math.log(Math.max(c, 0.5) / total) - Math.log(Math.max(labelCounts[i], 1) / all)));
}

/** Rounds show each new example at least once and at least MIN_NEW_STEPS steps in all, so one piece of feedback is learned. */
const MIN_NEW_STEPS = 32;
function newSample(count: number): number[] {
  const repeat = count === 0 ? 0 : Math.max(1, Math.ceil(MIN_NEW_STEPS / count));
  return Array.from({ length: count * repeat }, (_, k) => k % count);
}

/**
 * Draws sub-bags of the new examples that carry a label the parent did not know (label ids from
 * `firstNew` on): each row kept with probability subBagKeep(length), at least one. Returns null for
 * the other examples (trained whole). One buffer serves every draw (valid until the next).
 */
function subBagger(plan: RoundPlan, labelRows: number, firstNew: number): ((i: number, rng: Rng) => { rows: Int32Array; n: number } | null) | null {
  const { rows, offsets, labels, labelOffsets } = plan.data;
  if (firstNew >= labelRows) return null;
  let longest = 0;
  for (let i = 0; i < plan.newCount; i++) longest = Math.max(longest, offsets[i + 1] - offsets[i]);
  const buffer = new Int32Array(longest);
  return (i, rng) => {
    let isNew = false;
    for (let k = labelOffsets[i]; k < labelOffsets[i + 1]; k++) if (labels[k] >= firstNew) isNew = true;
    const length = offsets[i + 1] - offsets[i];
    const keep = subBagKeep(length);
    if (!isNew || keep >= 1) return null;
    let n = 0;
    for (let j = offsets[i]; j < offsets[i + 1]; j++) if (rng.next() < keep) buffer[n++] = rows[j];
    if (n === 0) buffer[n++] = rows[offsets[i] + rng.int(length)];
    return { rows: buffer, n };
  };
}

/** n replayed examples: without replacement while the buffer has enough, then with replacement. */
function replaySample(replayIdx: readonly number[], n: number, rng: Rng): number[] {
  if (replayIdx.length === 0) return [];
  if (n <= replayIdx.length) return rng.shuffle([...replayIdx]).slice(0, n);
  return [...replayIdx, ...Array.from({ length: n - replayIdx.length }, () => replayIdx[rng.int(replayIdx.length)])];
}

function applyEwc(model: TextClassifier, journal: RowJournal, ewc: { lambda: number; fisher: RowFisher }, selection: Selection, rows: Int32Array, start: number, end: number, lr: number): void {
  const p = model.params;
  for (let j = start; j < end; j++) if (rowAllowed(selection.input, rows[j])) ewcStep(p.input, rows[j], ewc.fisher.input, journal.original, ewc.lambda, lr);
  for (let r = 0; r < p.output.rows; r++) if (rowAllowed(selection.output, r)) ewcStep(p.output, r, ewc.fisher.output, journal.original, ewc.lambda, lr);
  if (p.hidden && selection.hidden) {
    for (let r = 0; r < p.hidden.weight.rows; r++) ewcStep(p.hidden.weight, r, ewc.fisher.hiddenWeight, journal.original, ewc.lambda, lr);
    ewcStep(p.hidden.bias, 0, ewc.fisher.hiddenBias, journal.original, ewc.lambda, lr);
  }
}
