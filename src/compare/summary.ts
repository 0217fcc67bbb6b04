/**
 * What a comparison says about each paradigm: the continual-learning measures of its accuracy
 * matrix, what its updates cost, and the two rankings (by ACC and by cost).
 */
import { averageAccuracy, backwardTransfer, forgetting, forwardTransfer, learningAccuracy } from '../eval/continual.js';
import type { ParadigmRun, StepCost } from './paradigms.js';
import type { Stream } from './stream.js';

export interface RunMetrics {
  acc: number;
  bwt: number;
  /** Mean forgetting over tasks 1..T-1, and per task. */
  forgetting: number;
  forgettingPerTask: number[];
  fwt: number;
  learningAccuracy: number;
}

export interface RunCost {
  /** Steps averaged: the updates (tasks 2..T); with one task, the first training. */
  steps: number;
  meanMs: number;
  meanExamples: number;
  meanParams: number;
  totalMs: number;
  /** Updates the gate accepted, of all updates (every training step counts as accepted). */
  accepted: number;
  modelBytes: number;
  /** Bytes a save of an update writes, on average (a patch for an accepted update; 0 when rejected). */
  meanBytes: number;
}

export interface RunSummary {
  paradigm: string;
  metrics: RunMetrics;
  cost: RunCost;
}

/**
 * FWT's b_j: the expected accuracy on task j of a model that guesses uniformly among the labels
 * known after task j, 1 / |labels of the train parts of tasks 1..j|. (An untrained Accrete model
 * has a zero output layer and predicts one fixed label, which would make b_j that label's share.)
 * @example chanceBaseline([{ name: 'a', train: [{ text: 'x', labels: ['p'] }], test: [] }]) // [1]
 */
export function chanceBaseline(stream: Stream): number[] {
  const labels = new Set<string>();
  return stream.map((t) => {
    for (const e of t.train) for (const l of e.labels) labels.add(l);
    return labels.size === 0 ? 0 : 1 / labels.size;
  });
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** The cost of a run's updates (see RunCost). */
export function runCost(costs: readonly StepCost[], modelBytes: number): RunCost {
  const updates = costs.length > 1 ? costs.slice(1) : costs;
  return {
    steps: updates.length,
    meanMs: mean(updates.map((c) => c.ms)),
    meanExamples: mean(updates.map((c) => c.examples)),
    meanParams: mean(updates.map((c) => c.paramsChanged)),
    totalMs: costs.reduce((s, c) => s + c.ms, 0),
    accepted: updates.filter((c) => c.accepted).length,
    modelBytes,
    meanBytes: mean(updates.map((c) => c.bytes ?? 0)),
  };
}

/** The continual-learning measures of an accuracy matrix (design.md), with FWT against `baseline`. */
export function continualMeasures(R: number[][], baseline: readonly number[]): RunMetrics {
  const f = forgetting(R);
  return {
    acc: averageAccuracy(R),
    bwt: backwardTransfer(R),
    forgetting: f.mean,
    forgettingPerTask: f.perTask,
    fwt: forwardTransfer(R, [...baseline]),
    learningAccuracy: learningAccuracy(R),
  };
}

export function summarize(run: ParadigmRun, baseline: readonly number[]): RunSummary {
  return { paradigm: run.paradigm, metrics: continualMeasures(run.R, baseline), cost: runCost(run.costs, run.modelBytes) };
}

/**
 * Paradigm names best first: by ACC (higher first; ties by lower cost), and by cost (mean wall time
 * per update, lower first; ties by fewer examples processed, then higher ACC).
 */
export function rankings(summaries: readonly RunSummary[]): { acc: string[]; cost: string[] } {
  const byAcc = [...summaries].sort((a, b) => b.metrics.acc - a.metrics.acc || a.cost.meanMs - b.cost.meanMs);
  const byCost = [...summaries].sort((a, b) => a.cost.meanMs - b.cost.meanMs || a.cost.meanExamples - b.cost.meanExamples || b.metrics.acc - a.metrics.acc);
  return { acc: byAcc.map((s) => s.paradigm), cost: byCost.map((s) => s.paradigm) };
}
