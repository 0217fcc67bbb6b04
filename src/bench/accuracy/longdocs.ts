/**
 * `npm run bench:longdocs` (issue 17, item 3): on long documents (SpamAssassin e-mails), Accrete at
 * its fitted defaults, with the options that weigh the bag and the loss as a linear SVM does
 * (--bagNorm l2, --loss hinge, both, both with --weightDecay 1e-4 or 1e-3), and scikit-learn's hinge model,
 * on the same 80/20 splits.
 *   node dist/bench/accuracy/longdocs.js [--only c1,c2] [--seeds 1,2,3] [--out NAME]
 */
import { parseArgs } from 'node:util';
import { median } from '../table.js';
import { benchCorpora, runsOf, type Run } from './corpora.js';
import { pct, writeResults } from './report.js';
import { accrete, mapRuns, type ArmResult } from './run.js';
import { pythonWithSklearn, sklearn } from './sklearn.js';

const ARMS: Record<string, string[]> = {
  'accrete (fitted)': [],
  '--bagNorm l2': ['--bagNorm', 'l2'],
  '--loss hinge': ['--loss', 'hinge'],
  '--bagNorm l2 --loss hinge': ['--bagNorm', 'l2', '--loss', 'hinge'],
  '... --weightDecay 1e-4': ['--bagNorm', 'l2', '--loss', 'hinge', '--weightDecay', '1e-4'],
  '... --weightDecay 1e-3': ['--bagNorm', 'l2', '--loss', 'hinge', '--weightDecay', '1e-3'],
};

interface Row {
  corpus: string;
  seed: number;
  role: Run['role'];
  arms: Record<string, ArmResult>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string', default: 'spam-assassin' }, seeds: { type: 'string', default: '1,2,3' }, out: { type: 'string', default: 'longdocs' } } });
  const python = pythonWithSklearn();
  const { corpora, notes } = await benchCorpora(values.only!.split(','));
  if (!python) notes.push('python3-sklearn is not installed: the hinge model was not run (apt-get install python3-sklearn)');
  const rows: Row[] = mapRuns('longdocs', runsOf(corpora, values.seeds!.split(',').map(Number)), (run, files) => {
    const arms: Record<string, ArmResult> = {};
    for (const [arm, flags] of Object.entries(ARMS)) arms[arm] = accrete(files, arm.replace(/\W+/g, '_') || 'fitted', flags);
    if (python) arms['sklearn hinge'] = sklearn(python, files.trainJsonl, files.testJsonl, run.seed);
    for (const [arm, r] of Object.entries(arms)) process.stderr.write(`${run.corpus} seed ${run.seed} ${arm}: ${pct(r.accuracy)}%\n`);
    return { corpus: run.corpus, seed: run.seed, role: run.role, arms };
  });
  writeResults(values.out!, { notes, rows }, render(rows, notes));
}

function render(rows: readonly Row[], notes: readonly string[]): string {
  const arms = Object.keys(rows[0]?.arms ?? {});
  const lines = [
    '# Long documents: the bag and the loss of a linear SVM',
    '',
    'Accuracy on a stratified 20% test split per seed (the splits of bench:defaults). Accrete at its',
    'fitted defaults, with `--bagNorm l2`, `--loss hinge`, both, and both with `--weightDecay 1e-4` or `1e-3`',
    '("..."); scikit-learn\'s',
    '`SGDClassifier(loss="hinge", alpha=1e-4)` on `HashingVectorizer(ngram_range=(1, 2), n_features=2**20)`',
    '(L2-normalised rows).',
    '',
    ...notes.map((n) => `Note: ${n}`),
    '',
    `| corpus | seed | run | ${arms.join(' | ')} |`,
    `|---|---:|---|${arms.map(() => '---:').join('|')}|`,
    ...rows.map((r) => `| ${r.corpus} | ${r.seed} | ${r.role} | ${arms.map((a) => pct(r.arms[a].accuracy)).join(' | ')} |`),
  ];
  for (const corpus of new Set(rows.map((r) => r.corpus))) {
    const rs = rows.filter((r) => r.corpus === corpus);
    lines.push(`| ${corpus} | median | ${rs.length} seeds | ${arms.map((a) => pct(median(rs.map((r) => r.arms[a].accuracy)))).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

await main();
