/**
 * One measured run of one tool on one corpus: train (timed, peak RSS), model size, the tool's own
 * evaluation, predict over the test texts and over every text of the corpus (timed, model loading
 * included), and predict over an empty input (model loading and process start-up alone).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { CorpusFiles } from './corpus.js';
import type { HyperParams } from './params.js';
import { runMeasured, type Measured, type RssSource } from './measure.js';
import { goldLabels, scorePredictions, type Score } from './score.js';
import { diskBytes, type Command, type Tool, type ToolName } from './tools.js';

export interface RunRecord {
  corpus: string;
  tool: ToolName;
  thread: number;
  repeat: number;
  hyperParams: HyperParams;
  rssSource: RssSource;
  trainMs: number;
  trainPeakRssKb: number;
  /** Whitespace tokens of train.txt × epochs / train wall seconds / threads. */
  tokensPerSecPerThread: number;
  modelBytes: number;
  /** Scored by the benchmark from the predict output, the same way for both tools. */
  score: Score;
  /** What the tool itself reports (fastText `test`: N, P@1, R@1; Accrete `eval --json`: accuracy, macroF1, n). */
  toolEval: Record<string, number>;
  predictMs: number;
  predictPeakRssKb: number;
  predictDocs: number;
  /** predict over every text of the corpus (train and test), model load included. */
  predictAllMs: number;
  predictAllDocs: number;
  /** predict on an empty input: process start-up plus model loading. */
  loadMs: number;
  /** 1-minute load average just before the run: other work on a shared machine skews its timings. */
  loadAverage: number;
  /** Extra output from the tool's training (Accrete's --json training report). */
  trainReport?: unknown;
}

/**
 * Times of predict on the test texts and on the empty input: the median of this many back-to-back
 * runs (within each repeat). They last 0.1-0.3 s, where one busy moment of a shared machine moves a
 * single run by 10-20%.
 */
export const PREDICT_RUNS = 5;

/** The runs' median wall time and largest peak RSS. */
function summarise(runs: readonly Measured[]): { wallMs: number; peakRssKb: number } {
  const walls = runs.map((m) => m.wallMs).sort((a, b) => a - b);
  return { wallMs: walls[walls.length >> 1], peakRssKb: Math.max(...runs.map((m) => m.peakRssKb)) };
}

async function exec(cmd: Command, scratchDir: string, stdoutFile?: string): Promise<Measured> {
  const m = await runMeasured(cmd.command, cmd.args, { stdinFile: cmd.stdinFile, stdoutFile, scratchDir });
  if (m.exitCode !== 0) {
    throw new Error(`${cmd.command} ${cmd.args.join(' ')} exited with ${m.exitCode}:\n${m.stderr.slice(-2000)}`);
  }
  return m;
}

/** Runs train, evaluate, predict and load-only for one tool and thread count; cleans the model up after. */
export async function benchRun(tool: Tool, files: CorpusFiles, hp: HyperParams, thread: number, repeat: number): Promise<RunRecord> {
  const loadAverage = Math.round(loadavg()[0] * 100) / 100;
  const runDir = join(files.dir, 'runs', `${tool.name}-t${thread}`);
  await rm(runDir, { recursive: true, force: true });
  await mkdir(runDir, { recursive: true });
  const model = join(runDir, 'model');
  const train = await exec(tool.train(files, hp, thread, model), runDir);
  const modelBytes = diskBytes(tool.modelPath(model));
  const evaluation = await exec(tool.evaluate(model, files), runDir);
  const predictions = join(runDir, 'predictions.txt');
  const allOut = join(runDir, 'all-predictions.txt');
  const predictAll = await exec(tool.predict(model, files.allTexts), runDir, allOut);
  const predictAllDocs = countLines(await readFile(allOut, 'utf8'));
  const empty = join(runDir, 'empty.txt');
  await writeFile(empty, '');
  // Test texts and empty input in turn, so that a busy stretch of the machine touches both alike.
  const predictRuns: Measured[] = [];
  const loadRuns: Measured[] = [];
  for (let i = 0; i < PREDICT_RUNS; i++) {
    predictRuns.push(await exec(tool.predict(model, files.texts), runDir, predictions));
    loadRuns.push(await exec(tool.predict(model, empty), runDir, join(runDir, 'empty-out.txt')));
  }
  const predict = summarise(predictRuns);
  const load = summarise(loadRuns);
  const gold = goldLabels(await readFile(files.test, 'utf8'));
  const output = await readFile(predictions, 'utf8');
  const lines = output === '' ? [] : output.replace(/\n$/, '').split('\n');
  const score = scorePredictions(gold, lines.map(tool.parsePrediction));
  await rm(runDir, { recursive: true, force: true });
  return {
    corpus: files.corpus,
    tool: tool.name,
    thread,
    repeat,
    hyperParams: hp,
    rssSource: train.rssSource,
    trainMs: train.wallMs,
    trainPeakRssKb: train.peakRssKb,
    tokensPerSecPerThread: (files.trainTokens * hp.epoch) / (train.wallMs / 1000) / thread,
    modelBytes,
    score,
    toolEval: tool.parseEvaluation(evaluation.stdout),
    predictMs: predict.wallMs,
    predictPeakRssKb: predict.peakRssKb,
    predictDocs: lines.length,
    predictAllMs: predictAll.wallMs,
    predictAllDocs,
    loadMs: load.wallMs,
    loadAverage,
    trainReport: train.stdout.trim() === '' ? undefined : safeJson(train.stdout),
  };
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 2000);
  }
}
