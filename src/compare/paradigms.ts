/**
 * The four paradigms of design.md run over a stream, plus variants of the incremental update.
 * Every run fills the accuracy matrix R[i][j] (accuracy on task j's test part after task i) and
 * records what each step cost.
 */
import type { Config } from '../config.js';
import type { Example } from '../data/example.js';
import { evaluate } from '../eval/evaluate.js';
import { train } from '../learn/train.js';
import type { TextClassifier } from '../model/classifier.js';
import { buildMemory, type ContinualMemory } from '../update/memory.js';
import { update, type UpdateOptions } from '../update/update.js';
import type { Stream } from './stream.js';

export type ParadigmName = 'retrain' | 'fresh' | 'decay' | 'incremental';

export interface Paradigm {
  name: string;
  kind: ParadigmName;
  /** Update options for 'incremental' and 'decay'. */
  update?: UpdateOptions;
  /** Replay capacity kept by 'incremental' (default 2000). */
  replay?: number;
}

export interface StepCost {
  task: number;
  ms: number;
  examples: number;
  paramsChanged: number;
  accepted: boolean;
}

export interface ParadigmRun {
  paradigm: string;
  R: number[][];
  costs: StepCost[];
  modelBytes: number;
}

/** 'decay': keep everything, train all parameters on the new data, lr decayed by `factor` per task. */
export const DECAY_FACTOR = 0.5;

export async function runParadigm(stream: Stream, p: Paradigm, cfg: Partial<Config>, onStep?: (task: number) => void): Promise<ParadigmRun> {
  const R: number[][] = [];
  const costs: StepCost[] = [];
  let model: TextClassifier | null = null;
  let memory: ContinualMemory | null = null;
  const seen: Example[] = [];
  for (let i = 0; i < stream.length; i++) {
    const task = stream[i];
    seen.push(...task.train);
    const t0 = performance.now();
    let examples = 0;
    let paramsChanged = 0;
    let accepted = true;
    if (model === null || p.kind === 'retrain' || p.kind === 'fresh') {
      const data = p.kind === 'retrain' ? seen : task.train;
      model = (await train(data, cfg)).model;
      examples = data.length * (cfg.epoch ?? 5);
      paramsChanged = model.params.input.size + model.params.output.size;
      if (p.kind === 'incremental') memory = buildMemory(model, task.train, { capacity: p.replay ?? 2000 });
    } else {
      const options: UpdateOptions =
        p.kind === 'decay'
          ? { select: 'all', replay: 0, gate: false, valid: task.train, rounds: cfg.epoch ?? 5, patience: cfg.epoch ?? 5, lr: (cfg.lr ?? 0.1) * DECAY_FACTOR ** i, ...p.update }
          : { ...p.update, memory };
      const decision = update(model, task.train, options);
      examples = decision.report.examplesProcessed;
      paramsChanged = decision.report.paramsChanged.reduce((s, c) => s + c.values + c.grownRows * model!.params.input.cols, 0);
      accepted = decision.accepted;
    }
    costs.push({ task: i, ms: performance.now() - t0, examples, paramsChanged, accepted });
    R.push(stream.map((t) => evaluate(model!, t.test).accuracy));
    onStep?.(i);
  }
  const m = model!;
  const modelBytes = 4 * (m.params.input.size + m.params.output.size + (m.params.hidden ? m.params.hidden.weight.size + m.params.hidden.bias.size : 0));
  return { paradigm: p.name, R, costs, modelBytes };
}
