/** The readable report of `accrete update`: the decision and its reasons, then what changed and what it cost. */
import type { SavedVersion as Saved } from '../update/saveVersion.js';
import { ROUND_GUARD, type RoundReport } from '../update/rounds.js';
import type { UpdateReport } from '../update/update.js';
import { pct, table } from '../util/table.js';

const pctOrDash = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${pct(x)}%`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const clip = (text: string, n = 70) => (text.length > n ? text.slice(0, n - 1) + '…' : text);

function rowsSelected(r: RoundReport): string {
  const parts = [`input ${r.selected.input}`, r.selected.hidden ? 'hidden' : '', `output ${r.selected.output}`];
  return parts.filter(Boolean).join(', ');
}

/** One line per round while the update runs (progress on stderr). */
export function formatRound(r: RoundReport): string {
  return `round ${r.round} ${r.selection}: new-data accuracy ${pctOrDash(r.freshAccuracy)}, guard accuracy (all labels) ${pctOrDash(r.guardAccuracy)}, score ${pctOrDash(r.score)} (${r.examples} examples, ${r.ms.toFixed(0)} ms)`;
}

function decision(r: UpdateReport, modelDir: string, out: string, saved: Saved | null): string[] {
  if (!r.accepted) return [`update REJECTED: ${modelDir} left unchanged`, 'reasons:', ...r.reasons.map((i) => `  - ${i.message} [${i.code}]`)];
  const how = saved === null ? '' : saved.as === 'patch' ? ` (a patch of ${formatBytes(saved.ref.bytes)}, patches/${saved.ref.name}; ${saved.patches} on the base)` : saved.compacted ? ` (${saved.why})` : '';
  return [`update ACCEPTED: ${out === modelDir ? `${out} updated in place${how}` : `new version written to ${out} (${modelDir} left unchanged)`}`];
}

function formatBytes(n: number): string {
  return n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function dataLine(r: UpdateReport): string[] {
  const d = r.data;
  const lines = [`data: ${d.new} new examples (${d.train} to train, ${d.valid} to validate), ${d.replayed} replayed, ${d.guard} in the guard set`];
  if (r.newLabels.length) lines.push(`new labels (${r.newLabels.length}): ${r.newLabels.join(', ')}`);
  if (r.newWords.count) lines.push(`new words (${r.newWords.count}): ${r.newWords.first.slice(0, 10).join(' ')}${r.newWords.count > 10 ? ' …' : ''}`);
  return lines;
}

function summaryTable(r: UpdateReport): string {
  const row = (name: string, pick: (m: UpdateReport['before']) => number | null | undefined) => [name, pctOrDash(pick(r.before)), pctOrDash(pick(r.after))];
  return table(
    ['', 'before', 'after'],
    [
      row('guard accuracy', (m) => m.guard?.accuracy),
      row('guard macro-F1', (m) => m.guard?.macroF1),
      row('new-data accuracy', (m) => m.fresh.accuracy),
      row('new-data macro-F1', (m) => m.fresh.macroF1),
    ],
  );
}

function perLabelTable(r: UpdateReport): string {
  const rows = r.perLabel.map((l) => [l.label, pctOrDash(l.guardF1Before), pctOrDash(l.guardF1After), pctOrDash(l.freshF1Before), pctOrDash(l.freshF1After)]);
  return table(['label', 'guard F1 before', 'after', 'new-data F1 before', 'after'], rows);
}

function changedLines(r: UpdateReport): string[] {
  const c = r.guardChanged;
  const lines = [`guard predictions changed: ${c.count} of ${r.data.guard}`];
  for (const e of c.examples.slice(0, 5)) lines.push(`  ${e.before} -> ${e.after} (gold ${e.gold.join(', ')}): "${clip(e.text)}"`);
  return lines;
}

function roundsTable(r: UpdateReport): string {
  const rows = r.rounds.map((x) => [`${x.round}${x.round === r.bestRound ? '*' : ''}`, x.selection, rowsSelected(x), x.examples, pctOrDash(x.freshAccuracy), pctOrDash(x.guardAccuracy), pctOrDash(x.score), x.ms.toFixed(0)]);
  return table(['round', 'selection', 'rows selected', 'examples', 'new-data acc', 'guard acc (all labels)', 'score', 'ms'], rows);
}

/**
 * What the rounds' columns measure: rounds score the guard with every label competing (on at most
 * ROUND_GUARD of its examples), while the before/after guard accuracy above counts only the parent's labels.
 */
const ROUNDS_LEGEND = [
  `guard acc (all labels): new labels compete, on up to ${ROUND_GUARD} guard examples; the guard accuracy above`,
  'counts only the labels the parent knew, on the whole guard. score: the mean of new-data and guard',
  'acc (new-data acc alone without a guard): the best (or a later round within its noise) is kept,',
  'and rounds without a rise count toward --patience.',
];

function paramsTable(r: UpdateReport): string {
  return table(['tensor', 'rows changed', 'values changed', 'rows grown'], r.paramsChanged.map((p) => [p.tensor, p.rows, p.values, p.grownRows]));
}

/** The whole report, for a terminal. */
export function formatUpdateReport(r: UpdateReport, where: { modelDir: string; out: string; wallMs: number; saved?: Saved | null }): string {
  const best = r.rounds.length === 0 ? 'no round ran (the time budget ran out before round 1)' : r.bestRound === 0 ? 'no round improved on the parent' : `kept round ${r.bestRound} (*)`;
  const shrunk = r.outputShrink < 1 ? `; every output row scaled by ${r.outputShrink} before the rounds (the parent was sure of its replay)` : '';
  const scaled = `${shrunk}${r.alignment < 1 ? `; new labels' output rows scaled by ${r.alignment.toFixed(3)} to the old ones' mean norm` : ''}`;
  return [
    ...decision(r, where.modelDir, where.out, where.saved ?? null),
    '',
    ...dataLine(r),
    '',
    summaryTable(r),
    '',
    perLabelTable(r),
    '',
    ...changedLines(r),
    '',
    `rounds (selection ${r.selection}; ${best}; ${r.examplesProcessed} examples processed${scaled}):`,
    roundsTable(r),
    ...ROUNDS_LEGEND,
    ...(r.table ? ['', `n-gram table: ${r.table.from === r.table.to ? `${r.table.from} rows, ` : `${r.table.from} -> ${r.table.to} rows${r.accepted ? '' : ' (put back)'}, `}${r.table.why}`] : []),
    '',
    r.accepted ? 'parameters changed:' : 'parameters the rejected candidate changed (all put back):',
    paramsTable(r),
    '',
    `wall time ${seconds(where.wallMs)} (update ${seconds(r.wallMs)})`,
  ].join('\n');
}
