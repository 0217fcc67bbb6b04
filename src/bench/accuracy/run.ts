/** Writing a run's files and driving the two command lines (Accrete's built CLI, fastText's). */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Example } from '../../data/example.js';
import { diskBytes } from '../tools.js';
import type { Run } from './corpora.js';

export const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

export interface RunFiles {
  dir: string;
  trainJsonl: string;
  testJsonl: string;
  trainFt: string;
  testFt: string;
  /** Bytes of the training data as a fastText file (the size bound's unit). */
  trainBytes: number;
}

const ftLine = (e: Example) => `${e.labels.map((l) => `__label__${l}`).join(' ')} ${e.text.replace(/\s+/g, ' ')}`;
const jsonLine = (e: Example) => JSON.stringify({ text: e.text, labels: e.labels });

export function writeRun(root: string, run: Run): RunFiles {
  const dir = join(root, `${run.corpus}.s${run.seed}`);
  mkdirSync(dir, { recursive: true });
  const f = (name: string, xs: readonly Example[], line: (e: Example) => string) => {
    const path = join(dir, name);
    writeFileSync(path, xs.map(line).join('\n') + '\n');
    return path;
  };
  const trainFt = f('train.txt', run.train, ftLine);
  return { dir, trainJsonl: f('train.jsonl', run.train, jsonLine), testJsonl: f('test.jsonl', run.test, jsonLine), trainFt, testFt: f('test.txt', run.test, ftLine), trainBytes: diskBytes(trainFt) };
}

/** A command that ran past its time limit and was stopped (SIGKILL): its row says "overran". */
export class OverranError extends Error {
  constructor(
    readonly command: string,
    readonly seconds: number,
    /** What it had printed (stdout, then stderr). */
    readonly output: string,
  ) {
    super(`${command} overran: stopped after ${seconds.toFixed(0)} s`);
  }
}

export function spawn(command: string, args: string[], timeoutMs: number): { stdout: string; seconds: number } {
  const t0 = performance.now();
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28, timeout: timeoutMs, killSignal: 'SIGKILL' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') throw new OverranError(command, (performance.now() - t0) / 1000, `${r.stdout ?? ''}\n${r.stderr ?? ''}`);
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.slice(-800)}`);
  return { stdout: r.stdout, seconds: (performance.now() - t0) / 1000 };
}

export interface ArmResult {
  accuracy: number;
  seconds: number;
  modelBytes: number;
  /** What the arm chose (fitted defaults, autotune's best settings), when it says. */
  chose?: Record<string, unknown>;
  /** Why the arm failed (accuracy NaN), when it did. */
  error?: string;
  /** True when the arm ran past its time limit and was stopped (accuracy NaN). */
  overran?: boolean;
}

/** `accrete train` with `flags`, then `accrete eval` on the test split. */
export function accrete(files: RunFiles, name: string, flags: string[], timeoutMs = 3_600_000): ArmResult {
  const out = join(files.dir, name);
  const t = spawn(process.execPath, [CLI, 'train', '--data', files.trainJsonl, '--out', out, '--quiet', '--json', ...flags], timeoutMs);
  const report = JSON.parse(t.stdout.trim().split('\n').pop()!) as { fitted?: Record<string, unknown>; autotune?: { best: number; trials: { trial: number; status: string; settings: Record<string, unknown> }[] } };
  const tune = report.autotune;
  // With autotune: the kept trial's settings and number, and how many trials ran and were stopped as hopeless.
  const best = tune && { ...tune.trials.find((x) => x.trial === tune.best)?.settings, kept: `trial ${tune.best}`, trials: tune.trials.length, pruned: tune.trials.filter((x) => x.status === 'pruned').length };
  const e = spawn(process.execPath, [CLI, 'eval', '--model', out, '--data', files.testJsonl, '--json'], timeoutMs);
  return { accuracy: (JSON.parse(e.stdout) as { accuracy: number }).accuracy, seconds: t.seconds, modelBytes: diskBytes(out), chose: best ?? report.fitted };
}

/** `fasttext supervised` with `flags`, then `fasttext test` (P@1 = accuracy for one label per line). */
export function fastText(files: RunFiles, name: string, flags: string[], timeoutMs = 3_600_000): ArmResult {
  const out = join(files.dir, name);
  const t = spawn('fasttext', ['supervised', '-input', files.trainFt, '-output', out, ...flags], timeoutMs);
  const e = spawn('fasttext', ['test', `${out}.bin`, files.testFt], timeoutMs);
  const p = /^P@1\s+(\S+)/m.exec(e.stdout);
  if (!p) throw new Error(`cannot read fasttext test: ${e.stdout.slice(0, 200)}`);
  const bytes = readFileSync(`${out}.bin`).length;
  return { accuracy: Number(p[1]), seconds: t.seconds, modelBytes: bytes, chose: fastTextArgs(`${out}.bin`) };
}

/** The settings a fastText model was trained with (`fasttext dump MODEL args`), those autotune searches. */
export function fastTextArgs(model: string): Record<string, unknown> | undefined {
  const r = spawnSync('fasttext', ['dump', model, 'args'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const all = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/) as [string, string]));
  const keep = ['dim', 'epoch', 'lr', 'wordNgrams', 'minn', 'maxn', 'bucket', 'loss'];
  return Object.fromEntries(keep.filter((k) => k in all).map((k) => [k, Number.isNaN(Number(all[k])) ? all[k] : Number(all[k])]));
}

export function fastTextMissing(): string | undefined {
  const r = spawnSync('fasttext', [], { encoding: 'utf8' });
  return r.error ? 'the fastText CLI is not installed (apt-get install fasttext)' : undefined;
}

/**
 * Calls `fn` for each run with its files written under a temporary directory (named after `name`),
 * removed after each run and at the end, also when a run throws; returns what `fn` returned.
 */
export function mapRuns<T>(name: string, runs: Iterable<Run>, fn: (run: Run, files: RunFiles) => T): T[] {
  const root = mkdtempSync(join(tmpdir(), `accrete-${name}-`));
  const out: T[] = [];
  try {
    for (const run of runs) {
      const files = writeRun(root, run);
      out.push(fn(run, files));
      rmSync(files.dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return out;
}
