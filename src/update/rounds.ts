/**
 * The founding loop's training part: rounds of {select parameters -> train them on the new data
 * plus replayed examples -> validate}, journaling every row before it changes, until the round
 * budget, the time budget or patience runs out. Returns the best round (0 = the parent).
 */
import type { Config } from '../config.js';
import type { FeaturizedData } from '../features/dataset.js';
import { ewcStep } from '../forgetting/ewc.js';
import type { RowFisher } from '../forgetting/fisher.js';
import { stepContext } from '../learn/context.js';
import { decayedLr } from '../learn/schedule.js';
import { learnExample } from '../learn/step.js';
import { accuracyOnRows } from '../learn/validate.js';
import type { TextClassifier } from '../model/classifier.js';
import type { Matrix } from '../model/matrix.js';
import { createOptimizer } from '../optim/optimizer.js';
import { rowAllowed, type Selection } from '../optim/selection.js';
import { Rng } from '../util/rng.js';
import type { RowJournal, JournalSnapshot } from './journal.js';
import { selectionFor, formatSelection, type SelectionInputs, type SelectionSpec } from './selection.js';

export interface RoundReport {
  round: number;
  selection: string;
  /** Rows each tensor was allowed to change this round ('all' for a whole tensor). */
  selected: { input: number | 'all'; hidden: boolean; output: number | 'all' };
  examples: number;
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
  budgetMs: number;
  lr: number;
  seed: number;
  /** All training examples featurised: new ones at [0, newCount), replayed ones after. */
  data: FeaturizedData;
  newCount: number;
  replayPerRound: number;
  teacher: { probs: Float32Array; labels: number; weight: number } | null;
  ewc: { lambda: number; fisher: RowFisher } | null;
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
  /** What to restore: nothing (the last round was best), the parent (no round helped), or a snapshot. */
  restore: 'nothing' | 'parent' | JournalSnapshot;
}

const countOf = (mask: Selection['input']): number | 'all' => (mask === true ? 'all' : mask === false ? 0 : mask.reduce((s, v) => s + v, 0));

function score(model: TextClassifier, plan: RoundPlan): { fresh: number; guard: number | null; score: number } {
  const fresh = accuracyOnRows(model, plan.fresh);
  const guard = plan.guard && plan.guard.count > 0 ? accuracyOnRows(model, plan.guard) : null;
  return { fresh, guard, score: guard === null ? fresh : (fresh + guard) / 2 };
}

export function runRounds(model: TextClassifier, journal: RowJournal, plan: RoundPlan): RoundsResult {
  const p = model.params;
  const optimizer = createOptimizer(model.config.optimizer, p, model.optimizerState);
  const rng = new Rng(plan.seed);
  const reports: RoundReport[] = [];
  const baseline = score(model, plan).score;
  let best = { round: 0, score: baseline, snapshot: null as JournalSnapshot | null };
  let processed = 0;
  const replayIdx = Array.from({ length: plan.data.count - plan.newCount }, (_, i) => plan.newCount + i);
  const plannedPerRound = plan.newCount + Math.min(replayIdx.length, plan.replayPerRound);
  const total = Math.max(1, plannedPerRound * plan.rounds);
  const moments = model.optimizerState ? [model.optimizerState.first[0], model.optimizerState.second[0]].filter((m): m is Matrix => m !== null) : [];

  for (let round = 0; round < plan.rounds; round++) {
    if (performance.now() - plan.started > plan.budgetMs) break;
    const t0 = performance.now();
    const selection = selectionFor(plan.spec, round, plan.selectionInputs);
    const ctx = { ...stepContext(p, model.config, optimizer, plan.seed + round, selection), teacherWeight: plan.teacher?.weight ?? 1 };
    const order = Int32Array.from([...Array.from({ length: plan.newCount }, (_, i) => i), ...rng.shuffle([...replayIdx]).slice(0, plan.replayPerRound)]);
    rng.shuffle(order);
    const { rows, offsets, labels, labelOffsets, weights } = plan.data;
    let k = 0;
    for (; k < order.length; k++) {
      if ((k & 255) === 255 && performance.now() - plan.started > plan.budgetMs) break;
      const i = order[k];
      for (let j = offsets[i]; j < offsets[i + 1]; j++) {
        journal.keep(p.input, rows[j]);
        for (const m of moments) journal.keep(m, rows[j]);
      }
      ctx.teacher = plan.teacher ? plan.teacher.probs.subarray(i * plan.teacher.labels, (i + 1) * plan.teacher.labels) : null;
      const lr = decayedLr(plan.lr, processed, total);
      learnExample(ctx, rows, offsets[i], offsets[i + 1], labels, labelOffsets[i], labelOffsets[i + 1], weights ? weights[i] : 1, lr);
      processed++;
      if (plan.ewc) applyEwc(model, journal, plan.ewc, selection, rows, offsets[i], offsets[i + 1], lr);
    }
    const s = score(model, plan);
    const report: RoundReport = {
      round: round + 1,
      selection: formatSelection(plan.spec),
      selected: { input: countOf(selection.input), hidden: selection.hidden && p.hidden !== null, output: countOf(selection.output) },
      examples: k,
      freshAccuracy: s.fresh,
      guardAccuracy: s.guard,
      score: s.score,
      ms: performance.now() - t0,
    };
    reports.push(report);
    plan.onRound?.(report);
    if (s.score > best.score) best = { round: round + 1, score: s.score, snapshot: round + 1 < plan.rounds ? journal.snapshot() : null };
    // (no snapshot after the planned last round: the current state is the best one)
    else if (round + 1 - best.round >= plan.patience) break;
  }
  const restore = best.round === 0 ? 'parent' : best.round === reports.length ? 'nothing' : best.snapshot!;
  return { rounds: reports, bestRound: best.round, examplesProcessed: processed, restore };
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
