/** A comparison as terminal text: the stream, the table, both rankings and the verdict. */
import { table } from '../util/table.js';
import type { Comparison, ParadigmResult } from './compare.js';

const pts = (x: number) => (x * 100).toFixed(2);

/** 1234567 -> '1.23M', 12345 -> '12.3k'. */
export function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

export function bytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

export function describeStream(c: Comparison): string {
  const tasks = c.stream.tasks.map((t) => `${t.name} (${t.train}/${t.test}, ${t.labels} labels)`).join(', ');
  return `${c.stream.source}${c.stream.split ? `, split ${c.stream.split}` : ''}: ${c.stream.tasks.length} tasks (train/test): ${tasks}`;
}

/** ACC, BWT, forgetting and FWT of a paradigm, in points (the terminal table and the HTML report). */
export function accuracyCells(p: ParadigmResult): string[] {
  return [pts(p.metrics.acc), pts(p.metrics.bwt), pts(p.metrics.forgetting), pts(p.metrics.fwt)];
}

/** A paradigm's mean costs per update (time, examples, parameters, bytes a save writes), accepted updates and model size. */
export function costCells(p: ParadigmResult): string[] {
  return [p.cost.meanMs.toFixed(0), compact(p.cost.meanExamples), compact(p.cost.meanParams), bytes(p.cost.meanBytes ?? 0), `${p.cost.accepted}/${p.cost.steps}`, bytes(p.cost.modelBytes)];
}

/** The main table: one row per paradigm, accuracy measures in points, costs per update (tasks 2..T). */
export function comparisonTable(c: Comparison): string {
  const header = ['paradigm', 'ACC', 'BWT', 'forgetting', 'FWT', 'ms/update', 'examples/update', 'params changed/update', 'bytes written/update', 'accepted', 'model size'];
  return table(header, c.paradigms.map((p) => [p.paradigm, ...accuracyCells(p), ...costCells(p)]));
}

export function formatRankings(c: Comparison): string {
  const byName = new Map(c.paradigms.map((p) => [p.paradigm, p]));
  const acc = c.rankings.acc.map((n, i) => `${i + 1}. ${n} (${pts(byName.get(n)!.metrics.acc)})`).join('  ');
  const cost = c.rankings.cost.map((n, i) => `${i + 1}. ${n} (${byName.get(n)!.cost.meanMs.toFixed(0)} ms)`).join('  ');
  return `ranking by ACC:  ${acc}\nranking by cost: ${cost}`;
}

export function formatPrequential(c: Comparison): string {
  const p = c.prequential;
  if (!p) return '';
  const rows = p.runs.map((r) => [r.name, pts(r.accuracy.at(-1) ?? 0), pts(r.windowAccuracy.at(-1) ?? 0), r.updates ? `${r.accepted}/${r.updates}` : '-', r.updates ? r.meanUpdateMs.toFixed(1) : '-']);
  return (
    `prequential (test-then-train): ${p.examples} of ${p.available} later examples, one at a time, after training on ${p.warmup.task}\n` +
    table(['mode', 'running accuracy', `last ${p.window}`, 'accepted', 'ms/update'], rows)
  );
}

/** Everything `accrete compare` prints on stdout. */
export function formatComparison(c: Comparison): string {
  const parts = [
    describeStream(c),
    '',
    'accuracy measures in points (ACC, BWT, forgetting, FWT); costs are means over the updates (tasks 2..T)',
    comparisonTable(c),
    '',
    formatRankings(c),
  ];
  if (c.prequential) parts.push('', formatPrequential(c));
  parts.push('', 'verdict:', ...c.verdict.map((s) => `  - ${s}`));
  return parts.join('\n');
}
