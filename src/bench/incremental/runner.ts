/**
 * runParadigm (src/compare/paradigms.ts), step for step, but keeping each update's decision
 * (accepted, the gate's reasons, rounds, guard and fresh accuracy) that runParadigm drops. The
 * spam section checks that both give the same accuracy matrix on one paradigm (crossCheck).
 */
import type { Config } from '../../config.js';
import { DECAY_FACTOR, runParadigm, type StepCost } from '../../compare/paradigms.js';
import type { Stream } from '../../compare/stream.js';
import type { Example } from '../../data/example.js';
import { evaluate } from '../../eval/evaluate.js';
import { train } from '../../learn/train.js';
import type { TextClassifier } from '../../model/classifier.js';
import { ReplayBuffer } from '../../forgetting/replay.js';
import { buildMemory, type ContinualMemory } from '../../update/memory.js';
import { update, type UpdateOptions, type UpdateReport } from '../../update/update.js';
import { releaseMemory } from '../../util/gc.js';
import type { Variant } from './configs.js';

/** What the benchmark keeps of an update's report (the whole report holds example texts). */
export interface DecisionSummary {
  accepted: boolean;
  reasons: { code: string; message: string; label?: string }[];
  selection: string;
  newLabels: number;
  newWords: number;
  data: { new: number; train: number; valid: number; replayed: number; guard: number };
  rounds: number;
  bestRound: number;
  guardAccuracy: { before: number | null; after: number | null };
  freshAccuracy: { before: number; after: number };
  /** Sum over tensors of values that differ from the parent (rows grown by the update included: they are journaled). */
  valuesChanged: number;
  rowsChanged: number;
  grownRows: { input: number; output: number };
  examplesProcessed: number;
  wallMs: number;
}

export interface StepRecord extends StepCost {
  decision: DecisionSummary | null;
  /** The last step only: wall times of extra runs of the same step on copies (not in runParadigm; see runStream). */
  extraMs?: number[];
}

export interface StreamRun {
  paradigm: string;
  R: number[][];
  steps: StepRecord[];
  modelBytes: number;
}

export function summarize(report: UpdateReport): DecisionSummary {
  const grown = (t: string) => report.paramsChanged.find((c) => c.tensor === t)?.grownRows ?? 0;
  return {
    accepted: report.accepted,
    reasons: report.reasons.map((r) => ({ code: r.code, message: r.message, ...(r.label ? { label: r.label } : {}) })),
    selection: report.selection,
    newLabels: report.newLabels.length,
    newWords: report.newWords.count,
    data: { new: report.data.new, train: report.data.train, valid: report.data.valid, replayed: report.data.replayed, guard: report.data.guard },
    rounds: report.rounds.length,
    bestRound: report.bestRound,
    guardAccuracy: { before: report.before.guard?.accuracy ?? null, after: report.after.guard?.accuracy ?? null },
    freshAccuracy: { before: report.before.fresh.accuracy, after: report.after.fresh.accuracy },
    valuesChanged: report.paramsChanged.reduce((s, c) => s + c.values, 0),
    rowsChanged: report.paramsChanged.reduce((s, c) => s + c.rows, 0),
    grownRows: { input: grown('input'), output: grown('output') },
    examplesProcessed: report.examplesProcessed,
    wallMs: report.wallMs,
  };
}

/** A copy of a memory deep enough for update(): the replay buffer and seen rows change on accept; the other fields are replaced, never written. */
export function copyMemory(m: ContinualMemory): ContinualMemory {
  return { ...m, replay: ReplayBuffer.fromState(m.replay.toState()), seen: m.seen ? m.seen.slice() : null };
}

function updateOptions(p: Variant, cfg: Partial<Config>, task: Stream[number], i: number, memory: ContinualMemory | null): UpdateOptions {
  return p.kind === 'decay'
    ? { select: 'all', replay: 0, gate: false, valid: task.train, rounds: cfg.epoch ?? 5, patience: cfg.epoch ?? 5, lr: (cfg.lr ?? 0.1) * DECAY_FACTOR ** i, ...p.update }
    : { ...p.update, memory };
}

/**
 * `lastRepeats` > 1: before the last step, the same step runs lastRepeats - 1 extra times on copies
 * (a clone of the model and of its memory; retrain/fresh train again) so its wall time can be a
 * median; the real step, the one whose model is scored, runs last, as in runParadigm.
 */
export async function runStream(stream: Stream, p: Variant, cfg: Partial<Config>, onStep?: (task: number, step: StepRecord, row: number[]) => void, lastRepeats = 1): Promise<StreamRun> {
  const R: number[][] = [];
  const steps: StepRecord[] = [];
  let model: TextClassifier | null = null;
  let memory: ContinualMemory | null = null;
  const seen: Example[] = [];
  for (let i = 0; i < stream.length; i++) {
    const task = stream[i];
    seen.push(...task.train);
    const trains = model === null || p.kind === 'retrain' || p.kind === 'fresh';
    if (trains && model !== null) {
      // Not timed, and not in runParadigm: free the old model's tables before allocating the new ones.
      model = null;
      memory = null;
      releaseMemory();
    }
    const extraMs: number[] = [];
    if (i === stream.length - 1) {
      for (let r = 1; r < lastRepeats; r++) {
        releaseMemory();
        if (model === null || trains) {
          const s = performance.now();
          await train(p.kind === 'retrain' ? seen : task.train, cfg);
          extraMs.push(performance.now() - s);
        } else {
          const copy = model.clone();
          const mem = memory ? copyMemory(memory) : null;
          const s = performance.now();
          update(copy, task.train, updateOptions(p, cfg, task, i, mem));
          extraMs.push(performance.now() - s);
        }
      }
      releaseMemory();
    }
    const t0 = performance.now();
    let examples = 0;
    let paramsChanged = 0;
    let accepted = true;
    let decision: DecisionSummary | null = null;
    if (model === null) {
      const data = p.kind === 'retrain' ? seen : task.train;
      const result = await train(data, cfg);
      model = result.model;
      examples = data.length * (cfg.epoch ?? 5);
      paramsChanged = model.params.input.size + model.params.output.size;
      if (p.kind === 'incremental') memory = buildMemory(model, task.train, { capacity: p.replay ?? 2000, ...(p.passSeen ? { seen: result.seen } : {}) });
    } else {
      const result = update(model, task.train, updateOptions(p, cfg, task, i, memory));
      examples = result.report.examplesProcessed;
      paramsChanged = result.report.paramsChanged.reduce((s, c) => s + c.values + c.grownRows * model!.params.input.cols, 0);
      accepted = result.accepted;
      decision = summarize(result.report);
    }
    const step: StepRecord = { task: i, ms: performance.now() - t0, examples, paramsChanged, accepted, decision, ...(extraMs.length ? { extraMs } : {}) };
    steps.push(step);
    const row = stream.map((t) => evaluate(model!, t.test).accuracy);
    R.push(row);
    onStep?.(i, step, row);
  }
  const m = model!;
  const modelBytes = 4 * (m.params.input.size + m.params.output.size + (m.params.hidden ? m.params.hidden.weight.size + m.params.hidden.bias.size : 0));
  return { paradigm: p.name, R, steps, modelBytes };
}

export interface CrossCheck {
  paradigm: string;
  identical: boolean;
  maxAbsDifference: number;
  acceptedIdentical: boolean;
}

/** Runs the same paradigm through runParadigm and compares its matrix with `mine`. */
export async function crossCheck(stream: Stream, p: Variant, cfg: Partial<Config>, mine: StreamRun): Promise<CrossCheck> {
  const theirs = await runParadigm(stream, p, cfg);
  let max = 0;
  theirs.R.forEach((row, i) => row.forEach((v, j) => (max = Math.max(max, Math.abs(v - mine.R[i][j])))));
  return { paradigm: p.name, identical: max === 0, maxAbsDifference: max, acceptedIdentical: theirs.costs.every((c, i) => c.accepted === mine.steps[i].accepted) };
}
