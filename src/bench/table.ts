/** Medians of the runs, side by side per corpus, as the markdown table of bench/results/core.md. */
import type { CorpusFiles } from './corpus.js';
import type { Machine } from './machine.js';
import type { HyperParams } from './params.js';
import { PREDICT_RUNS, type RunRecord } from './run.js';
import type { ToolName } from './tools.js';

interface Row {
  metric: string;
  thread: number;
  value: (r: RunRecord) => number;
  digits: number;
}

const MIB = 1024 * 1024;

const ROWS: readonly Row[] = [
  { metric: 'test accuracy, 1 thread', thread: 1, value: (r) => r.score.accuracy, digits: 4 },
  { metric: 'test accuracy, 2 threads', thread: 2, value: (r) => r.score.accuracy, digits: 4 },
  { metric: 'test macro-F1, 1 thread', thread: 1, value: (r) => r.score.macroF1, digits: 4 },
  { metric: 'train wall time (s), 1 thread', thread: 1, value: (r) => r.trainMs / 1000, digits: 2 },
  { metric: 'train wall time (s), 2 threads', thread: 2, value: (r) => r.trainMs / 1000, digits: 2 },
  { metric: 'train tokens/s per thread, 1 thread', thread: 1, value: (r) => r.tokensPerSecPerThread, digits: 0 },
  { metric: 'train tokens/s per thread, 2 threads', thread: 2, value: (r) => r.tokensPerSecPerThread, digits: 0 },
  { metric: 'train peak RSS (MiB), 1 thread', thread: 1, value: (r) => (r.trainPeakRssKb * 1024) / MIB, digits: 0 },
  { metric: 'train peak RSS (MiB), 2 threads', thread: 2, value: (r) => (r.trainPeakRssKb * 1024) / MIB, digits: 0 },
  { metric: 'model size on disk (MiB)', thread: 1, value: (r) => r.modelBytes / MIB, digits: 1 },
  { metric: 'predict docs/s (model load included)', thread: 1, value: (r) => r.predictDocs / (r.predictMs / 1000), digits: 0 },
  { metric: 'predict on empty input: start + load (s)', thread: 1, value: (r) => r.loadMs / 1000, digits: 2 },
  { metric: 'predict docs/s, load excluded', thread: 1, value: (r) => r.predictDocs / (Math.max(1, r.predictMs - r.loadMs) / 1000), digits: 0 },
  { metric: 'predict docs/s, every text of the corpus (load included)', thread: 1, value: (r) => r.predictAllDocs / (r.predictAllMs / 1000), digits: 0 },
  { metric: 'predict peak RSS (MiB)', thread: 1, value: (r) => (r.predictPeakRssKb * 1024) / MIB, digits: 0 },
];

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function cell(runs: readonly RunRecord[], tool: ToolName, row: Row): number | undefined {
  const values = runs.filter((r) => r.tool === tool && r.thread === row.thread).map(row.value);
  return values.length > 0 ? median(values) : undefined;
}

const fmt = (v: number | undefined, digits: number) =>
  v === undefined || !Number.isFinite(v) ? '—' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function hyperParamText(hp: HyperParams): string {
  return Object.entries(hp)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** The table of one corpus: one row per metric, medians for fastText and Accrete, and their ratio. */
export function corpusTable(files: CorpusFiles, hp: HyperParams, runs: readonly RunRecord[], repeats: number): string {
  const mine = runs.filter((r) => r.corpus === files.corpus);
  const lines = [
    `### ${files.corpus}`,
    '',
    `train ${files.trainLines.toLocaleString('en-US')} lines (${files.trainTokens.toLocaleString('en-US')} tokens), ` +
      `test ${files.testLines.toLocaleString('en-US')} lines, ${files.labels} labels; ` +
      `${hyperParamText(hp)}, loss softmax, seed 1; medians of ${repeats} run${repeats === 1 ? '' : 's'}`,
    '',
    '| metric | fastText | Accrete | Accrete / fastText |',
    '|---|---:|---:|---:|',
  ];
  for (const row of ROWS) {
    const ft = cell(mine, 'fastText', row);
    const ac = cell(mine, 'Accrete', row);
    const ratio = ft !== undefined && ac !== undefined && ft !== 0 ? ac / ft : undefined;
    lines.push(`| ${row.metric} | ${fmt(ft, row.digits)} | ${fmt(ac, row.digits)} | ${fmt(ratio, 2)} |`);
  }
  return lines.join('\n');
}

/** The header: the machine and how each number was measured. */
export function header(machine: Machine, rssNote: string, notes: readonly string[]): string {
  return [
    '# Accrete vs fastText: core benchmark',
    '',
    `Machine: ${machine.nproc} CPUs (${machine.cpu}), ${machine.memoryGiB} GiB; Node ${machine.node}; fastText ${machine.fastText}; ` +
      `load average ${machine.loadAverage} at start; ${machine.date}.`,
    `Accrete: ${machine.accrete} (dist/ copied to bench/work/accrete-dist at start, so a rebuild cannot change it mid-run).`,
    `Node's own start-up here (\`node -e 0\`, median of 5): ${machine.nodeStartMs} ms` +
      (machine.nodeStartWithoutExtraCaMs === undefined ? '' : `; ${machine.nodeStartWithoutExtraCaMs} ms without the NODE_EXTRA_CA_CERTS this machine sets (Node reads that CA bundle at every start; the runs below keep it, as a user here would)`) +
      '. Every Accrete time includes it; fastText is a native binary.',
    '',
    'How to read it: both tools read the same fastText-format files (lower-cased, punctuation split off, train lines',
    'shuffled with seed 1) from a seeded, stratified 80/20 split, with the same hyperparameters. Wall times run from',
    'process start to exit: training includes reading the file and saving the model; predict includes loading the',
    'model (the "start + load" row is predict on an empty input). Predict on the test texts and on the empty input is',
    `timed ${PREDICT_RUNS} times back to back within each run, and each run keeps the median (they last 0.1-0.5 s).`,
    'Tokens = whitespace tokens of train.txt × epochs.',
    "Accuracy and macro-F1 are scored by the benchmark from each tool's predict output, the same way for both.",
    rssNote,
    'Ratio > 1 means Accrete is bigger: slower for times and sizes, faster for rates. Raw runs: core.json.',
    ...notes.map((n) => `\n${n}`),
  ].join('\n');
}
