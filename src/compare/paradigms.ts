/**
 * The four paradigms of design.md run over a stream, plus variants of the incremental update.
 * Every run fills the accuracy matrix R[i][j] (accuracy on task j's test part after task i) and
 * records what each step cost.
 */
import { DEFAULTS, type Config } from '../config.js';
import type { Example } from '../data/example.js';
import { evaluate } from '../eval/evaluate.js';
import { train } from '../learn/train.js';
import type { TextClassifier } from '../model/classifier.js';
import { guardSize, holdOutGuard } from '../update/guard.js';
import { buildMemory, DEFAULT_REPLAY, memoryBefore, memoryChanges, type ContinualMemory } from '../update/memory.js';
import { diffModel, patchBytes, renumbered } from '../store/patch.js';
import { COMPACT_SHARE } from '../update/saveVersion.js';
import { update, type UpdateOptions } from '../update/update.js';
import type { Stream } from './stream.js';

export type ParadigmName = 'retrain' | 'fresh' | 'decay' | 'incremental';

export interface Paradigm {
  name: string;
  kind: ParadigmName;
  /** Update options for 'incremental' and 'decay'. */
  update?: UpdateOptions;
  /** Replay capacity kept by 'incremental' (default: the library's, DEFAULT_REPLAY). */
  replay?: number;
  /**
   * 'incremental': give buildMemory the input rows train() saw, as `accrete train` does (the
   * new-rows selection needs them to tell new rows from old). Default false.
   */
  passSeen?: boolean;
  /**
   * 'incremental': examples of the first task's training data held out of training and kept as
   * the memory's guard, as `accrete train` does (default: guardSize, 2% up to 300). 0 holds none
   * out: the gate then judges on held-out replay examples, which the model trained on.
   */
  guard?: number;
}

export interface StepCost {
  task: number;
  ms: number;
  examples: number;
  paramsChanged: number;
  accepted: boolean;
  /**
   * Bytes a save of this step writes: the whole model for a training, the patch for an accepted
   * update (its rows, words, labels and memory changes: see store/patch.ts) or the whole model when
   * the patch would pass COMPACT_SHARE of it, 0 for a rejected one.
   */
  bytes: number;
  /** CPU milliseconds of the process over the same span as `ms` (every thread; less sensitive than wall time to other jobs on a shared machine). */
  cpuMs?: number;
  /** The gate's reasons for an update (why it was rejected, or what it flagged with the gate off); absent for training. */
  reasons?: string[];
}

export interface ParadigmRun {
  paradigm: string;
  R: number[][];
  costs: StepCost[];
  modelBytes: number;
}

/** 'decay': keep everything, train all parameters on the new data (no forgetting control), lr times DECAY_FACTOR per task. */
export const DECAY_FACTOR = 0.7;

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/** Parameters of a model (4 bytes each). */
function parameterCount(m: TextClassifier): number {
  return m.params.input.size + m.params.output.size + (m.params.hidden ? m.params.hidden.weight.size + m.params.hidden.bias.size : 0);
}

/** Runs one paradigm over the stream; `onStep` sees each step's cost and row of R as soon as it is measured. */
export async function runParadigm(stream: Stream, p: Paradigm, cfg: Partial<Config>, onStep?: (task: number, cost: StepCost, row: number[]) => void): Promise<ParadigmRun> {
  const R: number[][] = [];
  const costs: StepCost[] = [];
  let model: TextClassifier | null = null;
  let memory: ContinualMemory | null = null;
  const seen: Example[] = [];
  for (let i = 0; i < stream.length; i++) {
    const task = stream[i];
    seen.push(...task.train);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let cpuMs: number | null = null;
    let examples = 0;
    let paramsChanged = 0;
    let accepted = true;
    let reasons: string[] | undefined;
    let bytes = 0;
    let updateMs: number | null = null;
    if (model === null || p.kind === 'retrain' || p.kind === 'fresh') {
      const held = model === null && p.kind === 'incremental' ? holdOutGuard(task.train, cfg.seed ?? DEFAULTS.seed, p.guard ?? guardSize(task.train.length)) : null;
      const data = p.kind === 'retrain' ? seen : (held?.train ?? task.train);
      const trained = await train(data, cfg);
      model = trained.model;
      examples = data.length * (cfg.epoch ?? 5);
      paramsChanged = parameterCount(model);
      bytes = 4 * parameterCount(model);
      if (p.kind === 'incremental') memory = buildMemory(model, data, { capacity: p.replay ?? DEFAULT_REPLAY, ...(p.passSeen ? { seen: trained.seen } : {}), ...(held ? { guard: held.guard } : {}) });
    } else {
      const options: UpdateOptions =
        p.kind === 'decay'
          ? { select: 'all', replay: 0, gate: false, balance: 0, align: false, valid: task.train, rounds: cfg.epoch ?? 5, patience: cfg.epoch ?? 5, lr: (cfg.lr ?? 0.1) * DECAY_FACTOR ** i, ...p.update }
          : { ...p.update, memory };
      const memoryWas = p.kind === 'decay' || !memory ? null : memoryBefore(memory);
      const decision = update(model, task.train, options);
      updateMs = performance.now() - t0;
      cpuMs = cpuMsSince(cpu0);
      // What saving it would write (not timed: the comparison times the update).
      if (decision.accepted) {
        const extras = memory && memoryWas ? memoryChanges(memoryWas, memory) : null;
        // As saveUpdated would: the patch, or the whole model once the patch passes COMPACT_SHARE of
        // it or the update grew the n-gram table (renumbered rows: no patch can say that).
        const whole = 4 * parameterCount(model);
        const patch = renumbered(model, decision.parent) ? Infinity : patchBytes(diffModel(model, decision.parent, extras ?? undefined));
        bytes = patch <= COMPACT_SHARE * whole ? patch : whole;
      }
      examples = decision.report.examplesProcessed;
      paramsChanged = decision.report.paramsChanged.reduce((s, c) => s + c.values + c.grownRows * model!.params.input.cols, 0);
      accepted = decision.accepted;
      reasons = decision.report.reasons.map((r) => r.message);
    }
    const cost: StepCost = { task: i, ms: updateMs ?? performance.now() - t0, cpuMs: cpuMs ?? cpuMsSince(cpu0), examples, paramsChanged, accepted, bytes, ...(reasons ? { reasons } : {}) };
    costs.push(cost);
    const row = stream.map((t) => evaluate(model!, t.test).accuracy);
    R.push(row);
    onStep?.(i, cost, row);
  }
  const modelBytes = 4 * parameterCount(model!);
  return { paradigm: p.name, R, costs, modelBytes };
}
