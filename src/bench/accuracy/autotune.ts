/**
 * `npm run bench:autotune` (issue 17, "Done when"): at the same duration and threads, Accrete's
 * `train --autotune-validation` against `fasttext supervised -autotune-validation`, and, when
 * python3-sklearn is installed, the hinge-loss linear model the issue names, all scored on a held-out
 * 20% test split the searches never see (the search's validation file is 10% of the rest).
 *   node dist/bench/accuracy/autotune.js [--only c1,c2] [--seeds 1,2,3] [--duration 60] [--thread 2] [--limit 3] [--out NAME]
 *   node dist/bench/accuracy/autotune.js --merge NAME1,NAME2 [--out NAME]   (one table from parts run apart, e.g. per corpus)
 *
 * Both tools get `--thread` threads and are timed from start to saved model: fastText's autotune
 * trains a final model with the best settings after its search, and that training is not bounded
 * by -autotune-duration, nor is the search itself (fasttextAutotune.ts). A tool still running at
 * `limit` x the duration is stopped: fastText's search is then ended by the bench and its best
 * finished trial retrained (noted in its cell); an Accrete run stopped so says "overran".
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { splitTrainTest } from '../../datasets/split.js';
import { median } from '../table.js';
import { benchCorpora, runsOf, type Run } from './corpora.js';
import { pct, ratio, resultsPath } from './report.js';
import { fastTextAutotune } from './fasttextAutotune.js';
import { accrete, fastTextMissing, OverranError, writeRun, type ArmResult } from './run.js';
import { pythonWithSklearn, sklearn } from './sklearn.js';

interface Row {
  corpus: string;
  seed: number;
  role: Run['role'];
  train: number;
  validation: number;
  /** The 1-minute load average before and after the row's runs (2 cores: above 2, the tools wait for CPU). */
  load: [number, number];
  /** Seconds after which a tool was stopped. */
  limit: number;
  arms: Record<string, ArmResult>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, seeds: { type: 'string', default: '1,2,3' }, duration: { type: 'string', default: '60' }, thread: { type: 'string', default: '2' }, limit: { type: 'string', default: '2' }, out: { type: 'string', default: 'autotune' }, merge: { type: 'string' } } });
  if (values.merge) return merge(values.merge.split(','), values.out!);
  const missing = fastTextMissing();
  if (missing) throw new Error(missing);
  const python = pythonWithSklearn();
  const { corpora, notes } = await benchCorpora(values.only?.split(','));
  if (!python) notes.push('python3-sklearn is not installed: the hinge model was not run (apt-get install python3-sklearn)');
  const duration = values.duration!;
  const thread = values.thread!;
  const limitMs = Number(duration) * Number(values.limit) * 1000;
  const root = mkdtempSync(join(tmpdir(), 'accrete-autotune-'));
  const rows: Row[] = [];
  try {
    for (const run of runsOf(corpora, values.seeds!.split(',').map(Number))) {
      // The search's validation file: 10% of the training split (the test split is never seen).
      const { train, test: validation } = splitTrainTest(run.train, 0.1, run.seed);
      const files = writeRun(root, { ...run, train });
      const valid = writeRun(join(root, 'valid'), { ...run, train: validation, test: [] });
      // A tool that fails (fastText's autotune was once killed 18 minutes into a 60 s search) is
      // recorded as failed, with its error, and the run goes on.
      const attempt = (f: () => ArmResult): ArmResult => {
        try {
          return f();
        } catch (err) {
          if (err instanceof OverranError) return { accuracy: NaN, seconds: err.seconds, modelBytes: 0, overran: true, error: err.message };
          return { accuracy: NaN, seconds: NaN, modelBytes: 0, error: (err as Error).message.slice(0, 300) };
        }
      };
      const loadBefore = loadavg()[0];
      const arms: Record<string, ArmResult> = {
        'fastText autotune': attempt(() => fastTextAutotune(files, valid.trainFt, duration, thread, limitMs)),
        'accrete autotune': attempt(() => accrete(files, 'tuned', ['--autotune-validation', valid.trainJsonl, '--autotune-duration', duration, '--thread', thread, '--seed', String(run.seed)], limitMs)),
      };
      if (python) arms['sklearn hinge'] = sklearn(python, files.trainJsonl, files.testJsonl, run.seed);
      const load: [number, number] = [loadBefore, loadavg()[0]];
      for (const [arm, r] of Object.entries(arms)) process.stderr.write(`${run.corpus} seed ${run.seed} ${arm}: ${cell(r)} (load ${load.map((l) => l.toFixed(1)).join(' -> ')})${r.error && !r.overran ? ` ${r.error}` : ''}\n`);
      rows.push({ corpus: run.corpus, seed: run.seed, role: run.role, train: train.length, validation: validation.length, load, limit: limitMs / 1000, arms });
      // Written after every row: a run stopped part-way still leaves its rows.
      write(rows, notes, duration, thread, values.out!);
      rmSync(files.dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  process.stderr.write(`wrote ${resultsPath(values.out!).md}\n`);
}

function write(rows: readonly Row[], notes: readonly string[], duration: string, thread: string, out: string): void {
  const { md, json } = resultsPath(out);
  writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), duration: Number(duration), thread: Number(thread), notes, rows }, null, 1) + '\n');
  writeFileSync(md, render(rows, notes, duration, thread));
}

/** Writes `out` from the rows (and notes) of results run apart; they must share the duration and threads. */
function merge(parts: readonly string[], out: string): void {
  const read = parts.map((p) => JSON.parse(readFileSync(resultsPath(p).json, 'utf8')) as { duration: number; thread: number; notes: string[]; rows: Row[] });
  const [first] = read;
  if (read.some((r) => r.duration !== first.duration || r.thread !== first.thread)) throw new Error(`--merge: ${parts.join(', ')} differ in duration or threads`);
  write(read.flatMap((r) => r.rows), [...new Set(read.flatMap((r) => r.notes))], String(first.duration), String(first.thread), out);
  process.stderr.write(`wrote ${resultsPath(out).md} from ${parts.join(', ')}\n`);
}

/** An arm's accuracy and wall time, or how it failed. */
function cell(r: ArmResult): string {
  if (r.overran) return `overran (stopped at ${r.seconds.toFixed(0)} s)`;
  if (Number.isNaN(r.accuracy)) return 'failed';
  return `${pct(r.accuracy)} (${r.seconds.toFixed(1)} s${r.error ? '\\*' : ''})`;
}

const limitOf = (rows: readonly Row[]) => (rows[0] ? `${rows[0].limit} s` : 'none');

const settings = (chose: Record<string, unknown> | undefined) => (chose ? Object.entries(chose).map(([k, v]) => `${k} ${String(v)}`).join(', ') : '');

function render(rows: readonly Row[], notes: readonly string[], duration: string, thread: string): string {
  const arms = [...new Set(rows.flatMap((r) => Object.keys(r.arms)))];
  const lines = [
    `# Autotune: Accrete vs fastText at ${duration} s and ${thread} threads each`,
    '',
    'Accuracy (%) on a stratified 20% test split per seed that neither search sees, and wall time from',
    'start to saved model; each search scores its trials on a validation file of 10% of the rest and',
    'trains on the other 90%. The hinge model (scikit-learn, no search) trains on the same 90%. Load:',
    'the 1-minute load average before and after the row (2 cores; other work shared the machine).',
    '',
    ...notes.map((n) => `Note: ${n}`),
    '',
    `\\* fastText's search had not ended at the time limit (${limitOf(rows)}): the bench stopped it and trained its best finished trial again (src/bench/accuracy/fasttextAutotune.ts); the time counts both.`,
    '',
    `| corpus | seed | train | load | ${arms.join(' | ')} | accrete / fastText |`,
    `|---|---:|---:|---:|${arms.map(() => '---:|').join('')}---:|`,
  ];
  for (const r of rows) {
    const ratioCell = ratio(r.arms['accrete autotune'].accuracy, r.arms['fastText autotune'].accuracy);
    lines.push(`| ${r.corpus} | ${r.seed} | ${r.train} | ${r.load.map((l) => l.toFixed(1)).join('-')} | ${arms.map((a) => (r.arms[a] ? cell(r.arms[a]) : '')).join(' | ')} | ${ratioCell === 'NaN' ? '' : ratioCell} |`);
  }
  lines.push('', '## Medians over seeds', '', `| corpus | runs | ${arms.join(' | ')} | accrete / fastText |`, `|---|---:|${arms.map(() => '---:|').join('')}---:|`);
  for (const corpus of [...new Set(rows.map((r) => r.corpus))]) {
    const rs = rows.filter((r) => r.corpus === corpus);
    const m = (arm: string) => median(rs.filter((r) => r.arms[arm] && !Number.isNaN(r.arms[arm].accuracy)).map((r) => r.arms[arm].accuracy));
    lines.push(`| ${corpus} | ${rs.length} | ${arms.map((a) => pct(m(a))).join(' | ')} | ${ratio(m('accrete autotune'), m('fastText autotune'))} |`);
  }
  lines.push('', '## Settings each search kept', '', '| corpus | seed | fastText | accrete |', '|---|---:|---|---|');
  for (const r of rows) lines.push(`| ${r.corpus} | ${r.seed} | ${settings(r.arms['fastText autotune'].chose)} | ${settings(r.arms['accrete autotune'].chose)} |`);
  return lines.join('\n') + '\n';
}

await main();
