/**
 * The paradigm comparison (`accrete compare`): every paradigm over the same stream with the same
 * hyperparameters and seed, then the continual-learning measures, costs, rankings and a verdict,
 * optionally with the prequential (feedback) run. One plain value comes out; the CLI prints it, the
 * report draws it, `--json` writes it.
 */
import { resolveConfig, type Config } from '../config.js';
import { releaseMemory } from '../util/gc.js';
import { runParadigm, type Paradigm, type ParadigmRun, type StepCost } from './paradigms.js';
import { runPrequential, type PrequentialMode, type PrequentialOptions, type PrequentialResult } from './prequential.js';
import type { Stream } from './stream.js';
import { chanceBaseline, rankings, summarize, type RunCost, type RunMetrics, type RunSummary } from './summary.js';
import { verdict } from './verdict.js';

/**
 * Hyperparameters of a comparison when no flag sets them: small enough that four paradigms over a
 * stream take seconds to minutes, as fastText's `supervised` has its own defaults.
 */
export const COMPARE_DEFAULTS: Partial<Config> = { dim: 50, epoch: 5, lr: 0.5, wordNgrams: 2, bucket: 200_000, seed: 1 };

export interface TaskInfo {
  name: string;
  train: number;
  test: number;
  /** Distinct labels in the task's train part. */
  labels: number;
}

export interface StreamInfo {
  /** Where the stream came from: `dataset spam-assassin`, `file data.jsonl`, `directory DIR`. */
  source: string;
  split: string | null;
  tasks: TaskInfo[];
}

export interface ParadigmResult extends ParadigmRun {
  kind: Paradigm['kind'];
  /** The variant's options (update options, replay capacity), for the record. */
  options: Record<string, unknown>;
  metrics: RunMetrics;
  cost: RunCost;
}

export interface Comparison {
  createdAt: string;
  stream: StreamInfo;
  config: Config;
  /** FWT's b_j per task (chance among the labels known so far). */
  baseline: number[];
  paradigms: ParadigmResult[];
  rankings: { acc: string[]; cost: string[] };
  verdict: string[];
  prequential: PrequentialResult | null;
  wallMs: number;
}

/** What a comparison reports while it runs (progress bars). */
export interface CompareListener {
  paradigmStart?(name: string, index: number, count: number, tasks: number): void;
  step?(name: string, task: number, cost: StepCost, row: number[]): void;
  paradigmEnd?(name: string, summary: RunSummary): void;
  prequential?(mode: PrequentialMode, done: number, total: number): void;
}

export interface CompareOptions {
  paradigms: readonly Paradigm[];
  config?: Partial<Config>;
  source?: string;
  split?: string | null;
  /** Run the prequential evaluation too (null or absent: no). */
  prequential?: PrequentialOptions | null;
  listener?: CompareListener;
}

export function describeTasks(stream: Stream): TaskInfo[] {
  return stream.map((t) => ({ name: t.name, train: t.train.length, test: t.test.length, labels: new Set(t.train.flatMap((e) => e.labels)).size }));
}

function optionsOf(p: Paradigm): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (p.update) for (const [k, v] of Object.entries(p.update)) if (typeof v !== 'function' && k !== 'memory') out[k] = v;
  if (p.replay !== undefined) out.replayCapacity = p.replay;
  return out;
}

/** Per paradigm, the first reason the gate gave for its first rejected update. */
function firstReasons(runs: readonly ParadigmResult[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of runs) {
    const reason = r.costs.find((c) => !c.accepted)?.reasons?.[0];
    if (reason) out.set(r.paradigm, reason);
  }
  return out;
}

/**
 * Runs the comparison.
 * @example (await compareParadigms(stream, { paradigms: parseParadigms('retrain,incremental') })).rankings.acc // ['retrain', 'incremental']
 */
export async function compareParadigms(stream: Stream, options: CompareOptions): Promise<Comparison> {
  if (stream.length === 0) throw new RangeError('the stream has no tasks');
  const started = performance.now();
  const cfg = { ...COMPARE_DEFAULTS, ...options.config };
  const config = resolveConfig(cfg);
  const baseline = chanceBaseline(stream);
  const listener = options.listener ?? {};
  const paradigms: ParadigmResult[] = [];
  for (const [index, p] of options.paradigms.entries()) {
    listener.paradigmStart?.(p.name, index, options.paradigms.length, stream.length);
    const run = await runParadigm(stream, p, cfg, (task, cost, row) => listener.step?.(p.name, task, cost, row));
    const summary = summarize(run, baseline);
    paradigms.push({ ...run, kind: p.kind, options: optionsOf(p), metrics: summary.metrics, cost: summary.cost });
    listener.paradigmEnd?.(p.name, summary);
    releaseMemory(); // the run's models are garbage now
  }
  const prequential = options.prequential ? await runPrequential(stream, cfg, options.prequential, listener.prequential) : null;
  const summaries: RunSummary[] = paradigms.map((p) => ({ paradigm: p.paradigm, metrics: p.metrics, cost: p.cost }));
  const ranks = rankings(summaries);
  return {
    createdAt: new Date().toISOString(),
    stream: { source: options.source ?? 'stream', split: options.split ?? null, tasks: describeTasks(stream) },
    config,
    baseline,
    paradigms,
    rankings: ranks,
    verdict: verdict(summaries, ranks, prequential, stream.length, firstReasons(paradigms)),
    prequential,
    wallMs: performance.now() - started,
  };
}
