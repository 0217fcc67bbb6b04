/**
 * The paradigms run through src/compare/paradigms.ts runParadigm itself; this wrapper only keeps
 * the round reports of each update (through the update options' onRound hook: round wall times,
 * fresh and guard accuracy) next to runParadigm's step costs and the gate's reasons.
 */
import type { Config } from '../../config.js';
import { runParadigm, type StepCost } from '../../compare/paradigms.js';
import type { Stream } from '../../compare/stream.js';
import { ReplayBuffer } from '../../forgetting/replay.js';
import type { ContinualMemory } from '../../update/memory.js';
import type { RoundReport } from '../../update/rounds.js';
import type { UpdateReport } from '../../update/update.js';
import type { Variant } from './configs.js';

export interface RoundSummary {
  round: number;
  ms: number;
  examples: number;
  freshAccuracy: number;
  guardAccuracy: number | null;
}

export interface StepRecord extends StepCost {
  /** The rounds of this step's update (none for a training step). */
  rounds: RoundSummary[];
}

export interface StreamRun {
  paradigm: string;
  R: number[][];
  steps: StepRecord[];
  modelBytes: number;
}

const roundSummary = (r: RoundReport): RoundSummary => ({ round: r.round, ms: r.ms, examples: r.examples, freshAccuracy: r.freshAccuracy, guardAccuracy: r.guardAccuracy });

export async function runStream(stream: Stream, v: Variant, cfg: Partial<Config>, onStep?: (task: number, step: StepRecord, row: number[]) => void): Promise<StreamRun> {
  let pending: RoundSummary[] = [];
  const steps: StepRecord[] = [];
  const { note: _note, ...paradigm } = v;
  const run = await runParadigm(stream, { ...paradigm, update: { ...v.update, onRound: (r) => pending.push(roundSummary(r)) } }, cfg, (task, cost, row) => {
    const step: StepRecord = { ...cost, rounds: pending };
    pending = [];
    steps.push(step);
    onStep?.(task, step, row);
  });
  return { paradigm: run.paradigm, R: run.R, steps, modelBytes: run.modelBytes };
}

/** A copy of a memory deep enough for update(): the replay buffer and seen rows change on accept; the other fields are replaced, never written. */
export function copyMemory(m: ContinualMemory): ContinualMemory {
  return { ...m, replay: ReplayBuffer.fromState(m.replay.toState()), seen: m.seen ? m.seen.slice() : null };
}

/** What the benchmark keeps of an update's report (the whole report holds example texts). */
export interface DecisionSummary {
  accepted: boolean;
  reasons: { code: string; message: string; label?: string }[];
  selection: string;
  newLabels: number;
  newWords: number;
  data: Omit<UpdateReport['data'], 'fingerprint'>;
  rounds: RoundSummary[];
  bestRound: number;
  guardAccuracy: { before: number | null; after: number | null };
  freshAccuracy: { before: number; after: number };
  /** Sum over tensors of values that differ from the parent (grown rows included: update() journals them). */
  valuesChanged: number;
  rowsChanged: number;
  grownRows: { input: number; output: number };
  examplesProcessed: number;
  wallMs: number;
}

export function summarize(report: UpdateReport): DecisionSummary {
  const grown = (t: string) => report.paramsChanged.find((c) => c.tensor === t)?.grownRows ?? 0;
  const { fingerprint: _f, ...data } = report.data;
  return {
    accepted: report.accepted,
    reasons: report.reasons.map((r) => ({ code: r.code, message: r.message, ...(r.label ? { label: r.label } : {}) })),
    selection: report.selection,
    newLabels: report.newLabels.length,
    newWords: report.newWords.count,
    data,
    rounds: report.rounds.map(roundSummary),
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
