/**
 * `npm run bench:defaults`: `accrete train` with no flags (defaults fitted to the data) against
 * `fasttext supervised` with no flags, and `accrete train --fasttext-defaults`, on a held-out 20%
 * per seed; tuning runs (the data the fitted rules were chosen on) and checking runs reported
 * apart. Also the model directory's bytes against the training data's (issue 17: at most 10x).
 *   node dist/bench/accuracy/defaults.js [--only c1,c2] [--seeds 1,2,3] [--out NAME]
 */
import { parseArgs } from 'node:util';
import { median } from '../table.js';
import { benchCorpora, runsOf, type Run } from './corpora.js';
import { accrete, fastText, fastTextMissing, mapRuns, type ArmResult } from './run.js';
import { pct, ratio, writeResults } from './report.js';

const ARMS = {
  fastText: (f: Parameters<typeof fastText>[0]) => fastText(f, 'ft', []),
  accrete: (f: Parameters<typeof accrete>[0]) => accrete(f, 'fitted', []),
  'accrete --fasttext-defaults': (f: Parameters<typeof accrete>[0]) => accrete(f, 'ftdefaults', ['--fasttext-defaults']),
} as const;
type Arm = keyof typeof ARMS;

interface Row {
  corpus: string;
  seed: number;
  role: Run['role'];
  trainExamples: number;
  trainBytes: number;
  arms: Record<string, ArmResult>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, seeds: { type: 'string', default: '1,2,3' }, out: { type: 'string', default: 'defaults' } } });
  const missing = fastTextMissing();
  if (missing) throw new Error(missing);
  const { corpora, notes } = await benchCorpora(values.only?.split(','));
  const runs = runsOf(corpora, values.seeds!.split(',').map(Number));
  const rows: Row[] = mapRuns('defaults', runs, (run, files) => {
    const arms: Record<string, ArmResult> = {};
    for (const arm of Object.keys(ARMS) as Arm[]) {
      arms[arm] = ARMS[arm](files);
      process.stderr.write(`${run.corpus} seed ${run.seed} ${arm}: ${pct(arms[arm].accuracy)}% in ${arms[arm].seconds.toFixed(1)}s, ${arms[arm].modelBytes} bytes\n`);
    }
    return { corpus: run.corpus, seed: run.seed, role: run.role, trainExamples: run.train.length, trainBytes: files.trainBytes, arms };
  });
  writeResults(values.out!, { notes, rows }, render(rows, notes));
}

function render(rows: readonly Row[], notes: readonly string[]): string {
  const lines = [
    '# Defaults: `accrete train` with no flags vs `fasttext supervised` with no flags',
    '',
    'Accuracy on a stratified 20% test split per seed. "accrete" fits its defaults to the data',
    '(src/learn/dataDefaults.ts; rules chosen on the **tuning** runs only: SpamAssassin and WordNet,',
    'seed 1); **checking** runs are every other corpus and seed. Size: the model directory (with its',
    'replay memory and guard) over the training data as a fastText file; the issue bounds it at 10x.',
    '',
    ...notes.map((n) => `Note: ${n}`),
    '',
    '| run | corpus | seed | train | fastText | accrete (fitted) | ratio | accrete --fasttext-defaults | accrete dir / data | fitted |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of [...rows].sort((a, b) => (a.role === b.role ? 0 : a.role === 'tuning' ? -1 : 1))) {
    const a = r.arms;
    lines.push(`| ${r.role} | ${r.corpus} | ${r.seed} | ${r.trainExamples} | ${pct(a.fastText.accuracy)} | ${pct(a.accrete.accuracy)} | ${ratio(a.accrete.accuracy, a.fastText.accuracy)} | ${pct(a['accrete --fasttext-defaults'].accuracy)} | ${(a.accrete.modelBytes / r.trainBytes).toFixed(2)}x | ${fmt(a.accrete.chose)} |`);
  }
  lines.push('', '## Medians over seeds (checking runs only, and tuning runs apart)', '', '| corpus | role | runs | fastText | accrete | ratio | --fasttext-defaults | largest dir / data |', '|---|---|---:|---:|---:|---:|---:|---:|');
  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(`${r.corpus}\u0000${r.role}`, [...(groups.get(`${r.corpus}\u0000${r.role}`) ?? []), r]);
  for (const [key, rs] of groups) {
    const [corpus, role] = key.split('\u0000');
    const m = (arm: string) => median(rs.map((r) => r.arms[arm].accuracy));
    lines.push(`| ${corpus} | ${role} | ${rs.length} | ${pct(m('fastText'))} | ${pct(m('accrete'))} | ${ratio(m('accrete'), m('fastText'))} | ${pct(m('accrete --fasttext-defaults'))} | ${Math.max(...rs.map((r) => r.arms.accrete.modelBytes / r.trainBytes)).toFixed(2)}x |`);
  }
  return lines.join('\n') + '\n';
}

const fmt = (o: Record<string, unknown> | undefined) => (o ? Object.entries(o).map(([k, v]) => `${k} ${String(v)}`).join(', ') : '');

await main();
