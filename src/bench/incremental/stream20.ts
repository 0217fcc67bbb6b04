/**
 * Issue 14 item 7, measured: on a 20-task stream, does an update cost what its new data costs, not
 * what the history costs? For SpamAssassin in 20 equal chunks and class-incremental WordNet in 20
 * groups of labels, retrain and incremental (the defaults) run through runParadigm; per task the
 * wall time, the new examples and the time per new example, and at the end the cumulative cost of
 * each paradigm and its ACC (mean accuracy over every task's test part after the last task). Costs in wall
 * time and, less moved by other jobs on a shared machine, in the process's CPU time over the same spans.
 * Targets: incremental's time per new example at task 20 <= 1.3x at task 2; its cumulative cost
 * <= 25% of retrain's, with ACC within 2 points of retrain's. With more split seeds than 1
 * (--split-seeds), retrain and the defaults (gate on) also run on the stream split with each other
 * seed, for ACC and rejections only (stream20Seeds.ts). The defaults row runs `costRepeats` times
 * and its costs are the median per task (stream20Repeats.ts); the other rows run once.
 */
import { runParadigm, type Paradigm, type ParadigmRun } from '../../compare/paradigms.js';
import { byChunks, byClasses, type Stream } from '../../compare/stream.js';
import type { Config } from '../../config.js';
import { loadDataset } from '../../datasets/index.js';
import { DEFAULT_REPLAY } from '../../update/memory.js';
import { releaseMemory } from '../../util/gc.js';
import { SPAM_CONFIG, wordnetConfig } from './configs.js';
import { mediansOf } from './stream20Repeats.js';
import { splitSeedRow, splitSeedsSection, type SplitSeedRow } from './stream20Seeds.js';

export const STREAM20_TASKS = 20;
/** Runs of the defaults row whose per-task median gives its costs (a quick run: 1). */
export const STREAM20_COST_REPEATS = 5;

export interface IncrementalRow {
  name: string;
  /** Per task: wall ms and CPU ms (the median of the repeats for the defaults row), and whether the update was accepted (task 1: the training). */
  ms: number[];
  cpuMs: number[];
  /** The defaults row: wall ms per repeat, per task (the medians' spread); other rows: one run. */
  msRuns: number[][];
  accepted: boolean[];
  totalMs: number;
  acc: number;
  /** ms per new example at the last task over the same at task 2, and the same with the mean of the last three over the first three updates (less noisy). */
  perExampleGrowth: number;
  perExampleGrowth3: number;
  /** Cumulative cost of the updates (tasks 2 on) over retrain's of the same tasks. */
  costShare: number;
  /** The same three in CPU time (process.cpuUsage over the same spans): what other jobs on the machine move less. */
  cpu: { perExampleGrowth: number; perExampleGrowth3: number; costShare: number };
  accPoints: number;
}

export interface Stream20Result {
  stream: string;
  config: Partial<Config>;
  newExamples: number[];
  /** Runs of the defaults row behind its costs (the median per task). */
  costRepeats: number;
  retrain: { ms: number[]; totalMs: number; totalCpuMs: number; acc: number };
  incremental: IncrementalRow[];
  /** Per split seed (1, the seed of every field above, first): ACC of retrain and of the defaults (gate on), rejections. */
  splitSeeds: SplitSeedRow[];
}

/** The incremental rows: the defaults, and the gate off (a rejected task's labels are never learned, which ACC counts). */
const DEFAULTS_ROW: Paradigm = { name: 'incremental, defaults (gate on)', kind: 'incremental' };
const GATE_OFF: Paradigm = { name: 'incremental, gate off', kind: 'incremental', update: { gate: false } };

/**
 * WordNet only: the general defaults, without the class-incremental regime (classIncremental.ts),
 * as they were before it, in the same run (SpamAssassin's updates bring no new label: the regime
 * changes nothing there).
 */
const GENERAL: Paradigm = { name: 'incremental, labelScaledReplay false (the general defaults; gate on)', kind: 'incremental', update: { labelScaledReplay: false } };

export async function streamOf(name: 'spam' | 'wordnet', quick: boolean, splitSeed = 1): Promise<{ stream: Stream; cfg: Partial<Config> }> {
  if (name === 'spam') return { stream: byChunks((await loadDataset('spam-assassin')).examples, STREAM20_TASKS, 0.2, splitSeed), cfg: SPAM_CONFIG };
  return { stream: byClasses((await loadDataset('wordnet')).examples, STREAM20_TASKS, 0.2, splitSeed), cfg: wordnetConfig(quick) };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const accOf = (r: ParadigmRun) => mean(r.R[r.R.length - 1]);

/** runParadigm with a progress line per task, and the memory given back after. */
async function runLogged(name: string, stream: Stream, p: Paradigm, cfg: Partial<Config>, log: (s: string) => void): Promise<ParadigmRun> {
  const r = await runParadigm(stream, p, cfg, (i, cost, row) => log(`${name} ${p.name}: task ${i + 1}/${stream.length} ${cost.ms.toFixed(0)} ms, ${stream[i].train.length} new, ${cost.accepted ? 'accepted' : 'rejected'}; mean acc so far ${(mean(row.slice(0, i + 1)) * 100).toFixed(1)}`));
  releaseMemory();
  return r;
}

/** Another split seed of the stream: retrain and the defaults (gate on), ACC and rejections only. */
export async function splitSeedRun(name: 'spam' | 'wordnet', quick: boolean, splitSeed: number, log: (s: string) => void = () => {}): Promise<SplitSeedRow> {
  const { stream, cfg } = await streamOf(name, quick, splitSeed);
  const tag = `${name} split seed ${splitSeed}`;
  const incremental = await runLogged(tag, stream, DEFAULTS_ROW, cfg, log);
  const retrain = await runLogged(tag, stream, { name: 'retrain', kind: 'retrain' }, cfg, log);
  return splitSeedRow(splitSeed, accOf(retrain), accOf(incremental), incremental.costs.map((c) => c.accepted));
}

/** The stream split with seed 1, every row and cost; then each other split seed (splitSeedRun). */
export async function stream20(name: 'spam' | 'wordnet', quick: boolean, log: (s: string) => void = () => {}, splitSeeds: readonly number[] = [1], costRepeats = quick ? 1 : STREAM20_COST_REPEATS): Promise<Stream20Result> {
  if (splitSeeds[0] !== 1) throw new RangeError(`stream20: the split seeds must start with 1 (its costs are the ones reported); got ${splitSeeds.join(', ')}`);
  if (!Number.isInteger(costRepeats) || costRepeats < 1) throw new RangeError(`stream20: costRepeats must be a positive integer; got ${costRepeats}`);
  const { stream, cfg } = await streamOf(name, quick);
  const run = (p: Paradigm, repeat = '') => runLogged(`${name}${repeat}`, stream, p, cfg, log);
  // The defaults row's repeats, one after another: each is a whole stream, so a slow minute on the
  // machine lands on every task of one repeat rather than on one task of every repeat.
  const defaultsRuns: ParadigmRun[] = [];
  for (let k = 0; k < costRepeats; k++) defaultsRuns.push(await run(DEFAULTS_ROW, costRepeats > 1 ? ` (repeat ${k + 1}/${costRepeats})` : ''));
  const defaults = mediansOf(defaultsRuns);
  // The medians stand in the first run's costs, so every figure below reads them alike.
  const withMedians: ParadigmRun = { ...defaultsRuns[0], costs: defaultsRuns[0].costs.map((c, i) => ({ ...c, ms: defaults.ms[i], cpuMs: defaults.cpuMs[i] })) };
  const others: ParadigmRun[] = [];
  for (const v of name === 'wordnet' ? [GATE_OFF, GENERAL] : [GATE_OFF]) others.push(await run(v));
  const retrain = await run({ name: 'retrain', kind: 'retrain' });
  const newExamples = stream.map((t) => t.train.length);
  const cpuOf = (c: ParadigmRun['costs'][number]) => c.cpuMs ?? NaN;
  const updates = (r: ParadigmRun, cost: typeof cpuOf = (c) => c.ms) => r.costs.slice(1).reduce((s, c) => s + cost(c), 0);
  const last = stream.length - 1;
  const row = (r: ParadigmRun, msRuns = [r.costs.map((c) => c.ms)]): IncrementalRow => {
    const per = (i: number, cost: typeof cpuOf = (c) => c.ms) => cost(r.costs[i]) / newExamples[i];
    const per3 = (from: number, cost?: typeof cpuOf) => mean([from, from + 1, from + 2].map((i) => per(i, cost)));
    return {
      cpu: { perExampleGrowth: per(last, cpuOf) / per(1, cpuOf), perExampleGrowth3: per3(last - 2, cpuOf) / per3(1, cpuOf), costShare: updates(r, cpuOf) / updates(retrain, cpuOf) },
      name: r.paradigm,
      ms: r.costs.map((c) => c.ms),
      cpuMs: r.costs.map(cpuOf),
      msRuns,
      accepted: r.costs.map((c) => c.accepted),
      totalMs: r.costs.reduce((s, c) => s + c.ms, 0),
      acc: accOf(r),
      perExampleGrowth: per(last) / per(1),
      perExampleGrowth3: per3(last - 2) / per3(1),
      costShare: updates(r) / updates(retrain),
      accPoints: (accOf(r) - accOf(retrain)) * 100,
    };
  };
  const result: Stream20Result = {
    stream: name === 'spam' ? `SpamAssassin, chunks:${STREAM20_TASKS}` : `WordNet, classes:${STREAM20_TASKS}`,
    costRepeats,
    config: cfg,
    newExamples,
    retrain: { ms: retrain.costs.map((c) => c.ms), totalMs: retrain.costs.reduce((s, c) => s + c.ms, 0), totalCpuMs: updates(retrain, cpuOf), acc: accOf(retrain) },
    incremental: [row(withMedians, defaults.msRuns), ...others.map((r) => row(r))],
    splitSeeds: [splitSeedRow(1, accOf(retrain), accOf(withMedians), withMedians.costs.map((c) => c.accepted))],
  };
  for (const seed of splitSeeds.slice(1)) result.splitSeeds.push(await splitSeedRun(name, quick, seed, log));
  return result;
}

/** The markdown table of one stream's result. */
export function stream20Section(r: Stream20Result): string {
  const ms = (x: number) => x.toFixed(0);
  const us = (x: number, n: number) => ((x / n) * 1000).toFixed(0);
  const T = r.newExamples.length;
  // A repeated row also shows the range of its repeats and CPU time per new example.
  const repeated = (v: IncrementalRow) => v.msRuns.length > 1;
  const head = ['task', 'new examples', 'retrain ms', ...r.incremental.flatMap((v) => (repeated(v) ? [`${v.name}: ms, median of ${v.msRuns.length}`, 'range of the repeats', 'µs / new example', 'CPU µs / new example'] : [`${v.name}: ms`, 'µs / new example']))];
  const range = (v: IncrementalRow, i: number) => { const xs = v.msRuns.map((run) => run[i]); return `${ms(Math.min(...xs))}-${ms(Math.max(...xs))}`; };
  const cells = (v: IncrementalRow, i: number, n: number) => {
    const per = (x: number) => (i === 0 ? '(training)' : us(x, n));
    const time = `${ms(v.ms[i])}${v.accepted[i] ? '' : ' ✗'}`;
    return (repeated(v) ? [time, range(v, i), per(v.ms[i]), per(v.cpuMs[i])] : [time, per(v.ms[i])]).join(' | ');
  };
  const lines = [
    `### ${r.stream}`,
    '',
    `Config: ${Object.entries(r.config).map(([k, v]) => `${k} ${v}`).join(', ')}; the incremental rows use update()'s defaults (replay memory ${DEFAULT_REPLAY.toLocaleString('en-US')}, a guard of 2% of task 1 held out) through runParadigm, as bench:incremental does. A rejected update is marked ✗. ${r.costRepeats > 1 ? `The defaults row ran ${r.costRepeats} times, making the same decisions each time: its costs are the median per task, in wall and in CPU time; every other row ran once.` : 'Every row ran once.'}`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---:').join('|')}|`,
    ...r.newExamples.map((n, i) => `| ${i + 1} | ${n} | ${ms(r.retrain.ms[i])} | ${r.incremental.map((v) => cells(v, i, n)).join(' | ')} |`),
    '',
    `| paradigm | cost per new example, task ${T} / task 2 | last 3 / first 3 updates | the same two in CPU time | cumulative cost of tasks 2-${T} | share of retrain's | in CPU time | ACC after task ${T} | points from retrain |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| retrain | | | | ${ms(r.retrain.totalMs - r.retrain.ms[0])} ms (CPU ${ms(r.retrain.totalCpuMs)} ms) | 100% | 100% | ${(r.retrain.acc * 100).toFixed(1)} | |`,
    ...r.incremental.map((v) => `| ${v.name} | ${v.perExampleGrowth.toFixed(2)}x | ${v.perExampleGrowth3.toFixed(2)}x | ${v.cpu.perExampleGrowth.toFixed(2)}x, ${v.cpu.perExampleGrowth3.toFixed(2)}x | ${ms(v.totalMs - v.ms[0])} ms | ${(v.costShare * 100).toFixed(1)}% | ${(v.cpu.costShare * 100).toFixed(1)}% | ${(v.acc * 100).toFixed(1)} | ${v.accPoints >= 0 ? '+' : ''}${v.accPoints.toFixed(1)} |`),
    '',
    `Targets (issue 14 item 7): cost per new example at the last update <= 1.3x the first; cumulative incremental cost <= 25% of retrain's; ACC within 2 points of retrain's.`,
    ...(r.splitSeeds.length > 1 ? ['', splitSeedsSection(r.stream, r.splitSeeds)] : []),
  ];
  return lines.join('\n');
}
