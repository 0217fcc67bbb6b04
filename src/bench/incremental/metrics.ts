/** The continual-learning measures of one stream run, and the targets as checks. */
import { continualMeasures, type RunMetrics as Measures } from '../../compare/summary.js';
import type { StreamRun } from './runner.js';

// FWT baseline b_j: chance over the labels known after task j (see compare/summary.ts).
export { chanceBaseline } from '../../compare/summary.js';

export interface RunMetrics extends Measures {
  paradigm: string;
  /** Updates after the first task that were accepted, and how many there were (null for retrain/fresh: they always replace the model). */
  accepted: { accepted: number; of: number } | null;
  /** Wall time of each step after the first (ms): the update, or the training for retrain/fresh. */
  stepMs: number[];
  firstTaskMs: number;
  lastMs: number;
  /** Of the last step's wall time, the part spent in the update's rounds (training + per-round validation); null for training steps. */
  lastRoundsMs: number | null;
  /** Last step's wall time / retrain's at the last task (median of 3 runs). */
  lastVsRetrain: number;
  /** Parameters changed at the last step, as runParadigm counts them (values + grownRows x dim). */
  paramsChangedLast: number;
  modelBytes: number;
}

/** `retrainLastMs`: retrain's wall time at the last task (the cost target's denominator). */
export function runMetrics(run: StreamRun, baseline: number[], retrainLastMs: number, kind: string): RunMetrics {
  const last = run.steps[run.steps.length - 1];
  const updates = run.steps.slice(1);
  return {
    paradigm: run.paradigm,
    ...continualMeasures(run.R, baseline),
    accepted: kind === 'retrain' || kind === 'fresh' ? null : { accepted: updates.filter((s) => s.accepted).length, of: updates.length },
    stepMs: updates.map((s) => s.ms),
    firstTaskMs: run.steps[0].ms,
    lastMs: last.ms,
    lastRoundsMs: last.reasons ? last.rounds.reduce((a, r) => a + r.ms, 0) : null,
    lastVsRetrain: last.ms / retrainLastMs,
    paramsChangedLast: last.paramsChanged,
    modelBytes: run.modelBytes,
  };
}

export interface Checks {
  /** ACC >= retrain's ACC - accPoints. */
  acc: boolean;
  /** BWT >= retrain's BWT - 0.03. */
  bwt: boolean;
  /** Last update <= 10% of retrain's wall time at the last task. */
  cost: boolean;
  /** Mean forgetting above 1 point. */
  forgets: boolean;
}

export function checks(m: RunMetrics, retrain: RunMetrics, accPoints: number): Checks {
  return {
    acc: m.acc >= retrain.acc - accPoints / 100 - 1e-12,
    bwt: m.bwt >= retrain.bwt - 0.03 - 1e-12,
    cost: m.lastVsRetrain <= 0.1,
    forgets: m.forgetting > 0.01,
  };
}
