/**
 * `npm run bench:autotune` (issue 17, "Done when"): at the same duration and threads, Accrete's
 * `train --autotune-validation` against `fasttext supervised -autotune-validation`, and, when
 * python3-sklearn is installed, the hinge-loss linear model the issue names, all scored on a held-out
 * 20% test split the searches never see (the search's validation file is 10% of the rest).
 *   node dist/bench/accuracy/autotune.js [--only c1,c2] [--seeds 1,2,3] [--duration 60] [--thread 2] [--out NAME]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { splitTrainTest } from '../../datasets/split.js';
import { median } from '../table.js';
import { benchCorpora, runsOf, type Run } from './corpora.js';
import { pct, ratio, resultsPath } from './report.js';
import { accrete, fastText, fastTextMissing, writeRun, type ArmResult } from './run.js';
import { pythonWithSklearn, sklearn } from './sklearn.js';

interface Row {
  corpus: string;
  seed: number;
  role: Run['role'];
  train: number;
  validation: number;
  arms: Record<string, ArmResult>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, seeds: { type: 'string', default: '1,2,3' }, duration: { type: 'string', default: '60' }, thread: { type: 'string', default: '2' }, out: { type: 'string', default: 'autotune' } } });
  const missing = fastTextMissing();
  if (missing) throw new Error(missing);
  const python = pythonWithSklearn();
  const { corpora, notes } = await benchCorpora(values.only?.split(','));
  if (!python) notes.push('python3-sklearn is not installed: the hinge model was not run (apt-get install python3-sklearn)');
  const duration = values.duration!;
  const thread = values.thread!;
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
          return { accuracy: NaN, seconds: NaN, modelBytes: 0, error: (err as Error).message.slice(0, 300) };
        }
      };
      const arms: Record<string, ArmResult> = {
        'fastText autotune': attempt(() => fastText(files, 'ft', ['-autotune-validation', valid.trainFt, '-autotune-duration', duration, '-thread', thread], Number(duration) * 10_000)),
        'accrete autotune': attempt(() => accrete(files, 'tuned', ['--autotune-validation', valid.trainJsonl, '--autotune-duration', duration, '--thread', thread, '--seed', String(run.seed)], Number(duration) * 10_000)),
      };
      if (python) arms['sklearn hinge'] = sklearn(python, files.trainJsonl, files.testJsonl, run.seed);
      for (const [arm, r] of Object.entries(arms)) process.stderr.write(`${run.corpus} seed ${run.seed} ${arm}: ${pct(r.accuracy)}% in ${r.seconds.toFixed(1)}s\n`);
      rows.push({ corpus: run.corpus, seed: run.seed, role: run.role, train: train.length, validation: validation.length, arms });
      rmSync(files.dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const { md, json } = resultsPath(values.out!);
  writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), duration: Number(duration), thread: Number(thread), notes, rows }, null, 1) + '\n');
  writeFileSync(md, render(rows, notes, duration, thread));
  process.stderr.write(`wrote ${md} and ${json}\n`);
}

function render(rows: readonly Row[], notes: readonly string[], duration: string, thread: string): string {
  const arms = [...new Set(rows.flatMap((r) => Object.keys(r.arms)))];
  const lines = [
    `# Autotune: Accrete vs fastText at ${duration} s and ${thread} threads each`,
    '',
    'Accuracy on a stratified 20% test split per seed that neither search sees; each search scores',
    'its trials on a validation file of 10% of the rest and trains on the other 90%. The hinge model',
    '(scikit-learn, no search) trains on the same 90%.',
    '',
    ...notes.map((n) => `Note: ${n}`),
    '',
    `| corpus | seed | train | ${arms.join(' | ')} | accrete / fastText | accrete trials' best settings |`,
    `|---|---:|---:|${arms.map(() => '---:|').join('')}---:|---|`,
  ];
  for (const r of rows) {
    const chose = r.arms['accrete autotune'].chose;
    lines.push(`| ${r.corpus} | ${r.seed} | ${r.train} | ${arms.map((a) => (r.arms[a] ? pct(r.arms[a].accuracy) : '')).join(' | ')} | ${ratio(r.arms['accrete autotune'].accuracy, r.arms['fastText autotune'].accuracy)} | ${chose ? Object.entries(chose).map(([k, v]) => `${k} ${String(v)}`).join(', ') : ''} |`);
  }
  lines.push('', '## Medians over seeds', '', `| corpus | runs | ${arms.join(' | ')} | accrete / fastText |`, `|---|---:|${arms.map(() => '---:|').join('')}---:|`);
  for (const corpus of [...new Set(rows.map((r) => r.corpus))]) {
    const rs = rows.filter((r) => r.corpus === corpus);
    const m = (arm: string) => median(rs.filter((r) => r.arms[arm] && !Number.isNaN(r.arms[arm].accuracy)).map((r) => r.arms[arm].accuracy));
    lines.push(`| ${corpus} | ${rs.length} | ${arms.map((a) => pct(m(a))).join(' | ')} | ${ratio(m('accrete autotune'), m('fastText autotune'))} |`);
  }
  return lines.join('\n') + '\n';
}

await main();
