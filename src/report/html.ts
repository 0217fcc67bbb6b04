/**
 * The comparison report: ONE self-contained HTML file (Chart.js and the data inlined, a Content
 * Security Policy that forbids every fetch), with the verdict, the table, both rankings, the
 * accuracy-matrix heat maps side by side, accuracy on each task over time per paradigm, cost per
 * update, ACC against cost and, with --prequential, test-then-train accuracy over time.
 */
import type { Comparison } from '../compare/compare.js';
import { DECAY_FACTOR } from '../compare/paradigms.js';
import { accuracyCells, costCells } from '../compare/terminal.js';
import { libraryScript, scriptSafe } from './assets.js';
import { CLIENT_JS } from './client.js';
import { REPORT_CSS } from './style.js';

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const pts = (x: number) => (x * 100).toFixed(2);
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** What the browser code draws (rounded: the JSON file keeps full precision). */
export function chartData(c: Comparison) {
  const all = c.paradigms.flatMap((p) => p.R.flat());
  return {
    tasks: c.stream.tasks.map((t) => t.name),
    heat: { min: Math.min(...all), max: Math.max(...all) },
    /** One y-range (in %) for every paradigm's task-accuracy chart. */
    lines: taskRange(c),
    paradigms: c.paradigms.map((p) => ({
      name: p.paradigm,
      R: p.R.map((row) => row.map(r4)),
      acc: p.metrics.acc,
      meanMs: p.cost.meanMs,
      costs: p.costs.map((s) => ({ ms: Math.round(s.ms * 10) / 10, examples: s.examples, paramsChanged: s.paramsChanged })),
    })),
    prequential: c.prequential && {
      examples: c.prequential.examples,
      window: c.prequential.window,
      taskStarts: c.prequential.taskStarts,
      runs: c.prequential.runs.map((r) => ({ name: r.name, accuracy: r.accuracy.map(r4), windowAccuracy: r.windowAccuracy.map(r4) })),
    },
  };
}

function summaryTable(c: Comparison): string {
  const rank = (list: string[], name: string) => list.indexOf(name) + 1;
  const head = ['paradigm', 'ACC', 'BWT', 'forgetting', 'FWT', 'learning acc.', 'ms / update', 'examples / update', 'params changed / update', 'bytes written / update', 'accepted', 'model size', 'rank ACC', 'rank cost'];
  const rows = c.paradigms.map((p) =>
    [
      escapeHtml(p.paradigm),
      ...accuracyCells(p),
      pts(p.metrics.learningAccuracy),
      ...costCells(p),
      String(rank(c.rankings.acc, p.paradigm)),
      String(rank(c.rankings.cost, p.paradigm)),
    ]
      .map((v) => `<td>${v}</td>`)
      .join(''),
  );
  return `<div class="scroll"><table id="summary"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r}</tr>`).join('')}</tbody></table></div>`;
}

function rankings(c: Comparison): string {
  const byName = new Map(c.paradigms.map((p) => [p.paradigm, p]));
  const list = (names: string[], value: (n: string) => string) => names.map((n, i) => `<span class="rank">${i + 1}. <b>${escapeHtml(n)}</b> ${value(n)}</span>`).join('');
  return (
    `<p id="rank-acc">By ACC: ${list(c.rankings.acc, (n) => `${pts(byName.get(n)!.metrics.acc)}%`)}</p>` +
    `<p id="rank-cost">By cost per update: ${list(c.rankings.cost, (n) => `${byName.get(n)!.cost.meanMs.toFixed(0)} ms`)}</p>`
  );
}

/** A chart's canvas: an image to assistive technology, named by what it shows. */
const canvas = (id: string, label: string, tall = false) => `<div class="chart${tall ? ' tall' : ''}"><canvas id="${id}" role="img" aria-label="${escapeHtml(label)}"></canvas></div>`;

const pct1 = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The accuracies the task-line charts show (each task from the moment it is learned): one y-range for all paradigms. */
export function taskRange(c: Comparison): { min: number; max: number } {
  const seen = c.paradigms.flatMap((p) => p.R.flatMap((row, i) => row.filter((_, j) => j <= i)));
  const lo = Math.min(...seen) * 100;
  const hi = Math.max(...seen) * 100;
  const min = Math.max(0, Math.floor(lo / 5) * 5);
  const max = Math.min(100, Math.ceil(hi / 5) * 5);
  return max > min ? { min, max } : { min: Math.max(0, min - 5), max: Math.min(100, max + 5) };
}

function charts(c: Comparison): string {
  const data = chartData(c);
  const T = c.stream.tasks.length;
  const range = taskRange(c);
  const legend = `<figcaption class="heat-legend"><span>${pct1(data.heat.min)}</span><span class="heat-bar" aria-hidden="true"></span><span>${pct1(data.heat.max)}</span></figcaption>`;
  const heat = c.paradigms
    .map((p, k) => `<figure>${canvas(`heat-${k}`, `Heat map of ${p.paradigm}'s accuracy matrix: accuracy (%) on each of ${T} tasks (columns) after learning each task (rows), coloured from ${pct1(data.heat.min)} (light) to ${pct1(data.heat.max)} (dark); ACC ${pct1(p.metrics.acc)}`)}${legend}</figure>`)
    .join('');
  const lines = c.paradigms
    .map((p, k) => {
      const last = p.R[p.R.length - 1] ?? [];
      const final = c.stream.tasks.map((t, j) => `${t.name} ${pct1(last[j] ?? 0)}`).join(', ');
      return canvas(`lines-${k}`, `Line chart for ${p.paradigm}: accuracy (%) on each task after learning each later task, y-axis ${range.min}% to ${range.max}% as for every paradigm; at the end: ${final}`);
    })
    .join('');
  const names = c.paradigms.map((p) => p.paradigm).join(', ');
  return `
<h2>Accuracy matrices</h2>
<p class="note">Row i, column j: accuracy on task j's test part after learning tasks 1..i. Below the diagonal is memory (does the paradigm keep old tasks?), the diagonal is learning, above it is transfer to tasks not yet seen. One colour scale for all maps (the bar under each): ${pts(data.heat.min)}% (light) to ${pts(data.heat.max)}% (dark).</p>
<div class="grid">${heat}</div>
<h2>Accuracy on each task over time</h2>
<p class="note">One chart per paradigm, one line per task, from the moment the task is learned. A line that falls is forgetting. Every chart has the same y-axis (${range.min}% to ${range.max}%), so they compare by eye.</p>
<div class="grid">${lines}</div>
<h2>Cost per update</h2>
<p class="note">Each step of the stream: the first trains a model for every paradigm; later ones are the updates. Log scales: paradigms differ by orders of magnitude.</p>
<div class="grid wide">${canvas('cost-ms', `Bar chart, log scale: wall time in ms of each of the ${T} steps of the stream, one bar per paradigm (${names})`, true)}${canvas('cost-examples', `Bar chart, log scale: examples processed in each of the ${T} steps, one bar per paradigm (${names})`, true)}${canvas('cost-params', `Bar chart, log scale: parameters changed in each of the ${T} steps, one bar per paradigm (${names})`, true)}${canvas('trade-off', `Scatter plot: ACC (%) against mean ms per update (log scale), one point per paradigm: ${c.paradigms.map((p) => `${p.paradigm} ${pct1(p.metrics.acc)} at ${p.cost.meanMs.toFixed(0)} ms`).join(', ')}`, true)}</div>
${c.prequential ? prequentialSection(c) : ''}`;
}

function prequentialSection(c: Comparison): string {
  const p = c.prequential!;
  return `
<h2>Prequential: feedback one example at a time</h2>
<p class="note">A model trained on ${escapeHtml(p.warmup.task)} (${p.warmup.examples} examples) predicts each of ${p.examples} later examples (an even sample of ${p.available}, in stream order), is scored, then learns it with a one-example update: with the gate, without it, or not at all (frozen). Solid: running accuracy; dashed: the last ${p.window} examples.</p>
<div class="grid wide">${canvas('prequential', `Line chart: test-then-train accuracy (%) over ${p.examples} examples, running and over the last ${p.window}, for ${p.runs.map((r) => `${r.name} (final ${pct1(r.accuracy[r.accuracy.length - 1] ?? 0)})`).join(', ')}`, true)}</div>`;
}

const HOW_TO_READ = `
<h2>How to read this report</h2>
<dl>
<dt>ACC</dt><dd>average accuracy over all tasks after the last one: what the final model is worth on everything seen.</dd>
<dt>BWT</dt><dd>backward transfer: mean change of accuracy on earlier tasks between learning them and the end; negative is forgetting.</dd>
<dt>forgetting</dt><dd>mean over earlier tasks of (best accuracy ever on the task − final accuracy on it).</dd>
<dt>FWT</dt><dd>forward transfer: accuracy on each task just before learning it, above chance among the labels known by then.</dd>
<dt>learning acc.</dt><dd>mean accuracy on each task right after learning it (plasticity).</dd>
<dt>cost</dt><dd>means over the updates (tasks 2..T): wall time, examples processed (epochs and rounds included, replay too), parameters changed.</dd>
<dt>accepted</dt><dd>updates the gate let through; a rejected update leaves the model as it was.</dd>
</dl>
<p class="note">Paradigms: <code>retrain</code> trains from scratch on all data so far; <code>fresh</code> from scratch on the new task only; <code>decay</code> keeps the model and trains every parameter on the new task, the learning rate multiplied by ${DECAY_FACTOR} at each task; <code>incremental</code> updates in rounds with replay and a gate (variants change one option).</p>`;

/**
 * The whole report page.
 * @example writeFileSync('report.html', renderReport(await compareParadigms(stream, options)))
 */
export function renderReport(c: Comparison): string {
  // In JSON, \u003c is '<': no "</script" or "<!--" can end the data block.
  const json = JSON.stringify(chartData(c)).replace(/</g, '\\u003c');
  const cfg = c.config;
  const settings = `dim ${cfg.dim}, epoch ${cfg.epoch}, lr ${cfg.lr}, wordNgrams ${cfg.wordNgrams}, bucket ${cfg.bucket}, minn/maxn ${cfg.minn}/${cfg.maxn}, loss ${cfg.loss}, hidden ${cfg.hidden}, optimizer ${cfg.optimizer}, seed ${cfg.seed}`;
  const tasks = c.stream.tasks.map((t) => `${escapeHtml(t.name)} (${t.train}/${t.test}, ${t.labels} labels)`).join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Accrete compare: ${escapeHtml(c.stream.source)}</title>
<style>${REPORT_CSS}</style></head>
<body><main>
<h1>Paradigm comparison</h1>
<p class="meta">${escapeHtml(c.stream.source)}${c.stream.split ? `, split <code>${escapeHtml(c.stream.split)}</code>` : ''}: ${c.stream.tasks.length} tasks (train/test): ${tasks}</p>
<p class="meta">Same hyperparameters and seed for every paradigm: ${escapeHtml(settings)}. Run ${escapeHtml(c.createdAt)}, ${(c.wallMs / 1000).toFixed(1)} s.</p>
<h2>Verdict</h2>
<ul class="verdict" id="verdict">${c.verdict.map((v) => `<li>${escapeHtml(v)}</li>`).join('')}</ul>
<h2>Summary</h2>
<p class="note">Accuracy measures in points. Costs are means per update.</p>
${summaryTable(c)}
${rankings(c)}
${charts(c)}
${HOW_TO_READ}
<p class="note">Charts drawn with Chart.js and chartjs-chart-matrix (MIT licences, included in the page source).</p>
</main>
<script type="application/json" id="report-data">${json}</script>
<script>${libraryScript()}</script>
<script>${scriptSafe(CLIENT_JS)}</script>
</body></html>
`;
}
