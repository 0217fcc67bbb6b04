/**
 * The HTML report of `accrete compare` on both built-in streams (small seeded samples, tiny models):
 * it ranks the paradigms by ACC and by cost, and it opens in headless Chromium (Debian's chromium,
 * driven by playwright-core) at 390x844 and 1280x800 with no console error and no request leaving
 * the file, every chart drawn and non-empty, no horizontal overflow (the summary table fits at
 * 1280), every chart named and its axes titled, accuracy in %, one y-range across the paradigms'
 * task charts and a colour legend on each heat map; in the dark colour scheme the page and the
 * charts' panels are dark with readable text. Screenshots go to the directory the tests print
 * (src/testing/browser.ts). Without Chromium the browser tests skip with a message, and fail under CI.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Comparison } from '../compare/compare.js';
import { assertNamed, assertNoOverflow, audit, chartFacts, chromiumOrSkip, contrast, launch, luminance, pageBackground, screenshot, VIEWPORTS, watchErrors, type Viewport } from '../testing/browser.js';
import { escapeHtml } from './html.js';

const MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const MODEL = ['--dim', '8', '--bucket', '2000', '--epoch', '3', '--lr', '0.5', '--wordNgrams', '1', '--seed', '1', '--quiet'];

const dir = mkdtempSync(join(tmpdir(), 'accrete-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  name: string;
  args: string[];
  html: string;
  json: Comparison;
}
const runs: Run[] = [];

before(() => {
  const specs: [string, string[]][] = [
    ['spam-assassin', ['--dataset', 'spam-assassin', '--split', 'time:3', '--sample', '450', '--prequential', '--limit', '30']],
    ['wordnet', ['--dataset', 'wordnet', '--split', 'classes:3', '--sample', '900', '--paradigms', 'retrain,fresh,decay,incremental,incremental+no-gate']],
  ];
  for (const [name, args] of specs) {
    const html = join(dir, `${name}.html`);
    const json = join(dir, `${name}.json`);
    const r = spawnSync(process.execPath, [MAIN, 'compare', ...args, ...MODEL, '--json', json, '--report', html], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `compare on ${name} exited ${r.status}:\n${r.stderr}`);
    runs.push({ name, args, html: readFileSync(html, 'utf8'), json: JSON.parse(readFileSync(json, 'utf8')) as Comparison });
  }
});

test('on both built-in streams the report ranks the paradigms by ACC and by cost', () => {
  for (const { name, html, json } of runs) {
    const byAcc = [...json.paradigms].sort((a, b) => b.metrics.acc - a.metrics.acc || a.cost.meanMs - b.cost.meanMs).map((p) => p.paradigm);
    const byCost = [...json.paradigms].sort((a, b) => a.cost.meanMs - b.cost.meanMs || a.cost.meanExamples - b.cost.meanExamples).map((p) => p.paradigm);
    assert.deepEqual(json.rankings.acc, byAcc, name);
    assert.deepEqual(json.rankings.cost, byCost, name);
    for (const [id, order] of [['rank-acc', byAcc], ['rank-cost', byCost]] as const) {
      const line = new RegExp(`<p id="${id}">(.*?)</p>`).exec(html)?.[1] ?? '';
      const names = [...line.matchAll(/\d+\. <b>(.*?)<\/b>/g)].map((m) => m[1]);
      assert.deepEqual(names, order.map(escapeHtml), `${name}: ${id}`);
    }
    assert.match(html, /<ul class="verdict" id="verdict"><li>Most accurate after the last task: /, name);
  }
  assert.equal(runs[0].json.stream.tasks.length, 3);
  assert.ok(runs[0].json.prequential, 'spam-assassin ran --prequential');
  assert.equal(runs[1].json.stream.tasks.length, 3);
});

test('the report is one self-contained file: no external reference, a policy that forbids fetching', () => {
  for (const { html } of runs) {
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+rel="stylesheet"|@import|url\(http/i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.match(html, /Chart\.js v4/);
    assert.match(html, /Permission is hereby granted, free of charge/, 'the MIT notices travel with the inlined code');
  }
});

interface Probe {
  reported: number;
  canvases: { id: string; width: number; height: number; hasChart: boolean; points: number; coloured: number }[];
  heat: { min: number; max: number };
  summary: { table: number; box: number };
  legends: { chart: string; text: string; gradient: string }[];
}

/**
 * Runs in the page (a string: this file is compiled without the DOM's types). Per canvas: its Chart,
 * the data points it holds, and its coloured pixels (the data: axes, grid lines and text are grey);
 * the widths of the summary table and its box; the heat maps' colour legends.
 */
const PROBE = `(() => ({
  reported: window.accreteReport.charts,
  canvases: [...document.querySelectorAll('canvas')].map((c) => {
    const chart = Chart.getChart(c);
    const points = chart ? chart.data.datasets.reduce((s, d) => s + d.data.filter((v) => v !== null && v !== undefined).length, 0) : 0;
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let coloured = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 128 && Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 60) coloured++;
    }
    return { id: c.id, width: c.width, height: c.height, hasChart: chart !== undefined, points, coloured };
  }),
  heat: JSON.parse(document.getElementById('report-data').textContent).heat,
  summary: { table: document.getElementById('summary').getBoundingClientRect().width, box: document.getElementById('summary').parentElement.clientWidth },
  legends: [...document.querySelectorAll('canvas[id^="heat-"]')].map((c) => {
    const l = c.closest('figure') && c.closest('figure').querySelector('.heat-legend');
    const bar = l && l.querySelector('.heat-bar');
    return { chart: c.id, text: l ? l.textContent : '', gradient: bar ? getComputedStyle(bar).backgroundImage : '' };
  }),
}))()`;

/** Axes that show a share (accuracy): their ticks end in %. */
const SHARE_AXES: [RegExp, string][] = [[/^lines-/, 'y'], [/^prequential$/, 'y'], [/^trade-off$/, 'y']];

async function openInChromium(t: TestContext, chromium: string, run: Run, viewport: Viewport, scheme: 'light' | 'dark' = 'light'): Promise<void> {
  const what = `${run.name} at ${viewport.width}x${viewport.height}${scheme === 'dark' ? ', dark' : ''}`;
  const profile = mkdtempSync(join(tmpdir(), 'accrete-chromium-'));
  const context = await launch(chromium, profile, viewport, scheme);
  try {
    const outside: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const problems = watchErrors(page);
    const file = join(dir, `${run.name}.html`);
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction('window.accreteReport && window.accreteReport.ready === true', null, { timeout: 15_000 });
    const shot = await screenshot(t, page, `report-${run.name}-${viewport.width}x${viewport.height}${scheme === 'dark' ? '-dark' : ''}`);
    const probe = (await page.evaluate(PROBE)) as Probe;
    const facts = await chartFacts(page);
    const a = await audit(page);

    if (scheme === 'dark') {
      await t.test(`${what}: a dark page, charts on dark panels with readable text`, async () => {
        const bg = await pageBackground(page);
        assert.ok(luminance(bg) < 0.1, `${what}: the page's background is not dark: ${bg}`);
        for (const c of facts) {
          assert.ok(luminance(c.background) < 0.1, `${what}: ${c.id} sits on a light background: ${c.background}`);
          for (const sc of c.scales) assert.ok(contrast(sc.tickColor, c.background) >= 4.5, `${what}: ${c.id} axis ${sc.id}: ticks ${sc.tickColor} on ${c.background}`);
        }
      });
      return;
    }
    await t.test(`${what}: no console error, no request, every chart drawn`, () => {
      assert.deepEqual(problems, [], `${what}: console errors`);
      assert.deepEqual(outside, [], `${what}: requests that left the file`);
      const paradigms = run.json.paradigms.length;
      const expected = 2 * paradigms + 4 + (run.json.prequential ? 1 : 0); // heat maps, task lines, 3 cost charts, trade-off, prequential
      assert.equal(probe.canvases.length, expected, `${what}: canvases`);
      assert.equal(probe.reported, expected, `${what}: charts made`);
      for (const c of probe.canvases) {
        assert.ok(c.hasChart && c.width > 100 && c.height > 100, `${what}: ${c.id} is not a drawn chart (${c.width}x${c.height})`);
        assert.ok(c.points > 0, `${what}: ${c.id} has no data`);
        assert.ok(c.coloured > 200, `${what}: ${c.id} is blank (${c.coloured} coloured pixels)`);
      }
      assert.ok(existsSync(shot));
    });
    await t.test(`${what}: no horizontal overflow of the page; the summary table ${viewport.width >= 1280 ? 'fits its box' : 'scrolls in its box'}`, () => {
      assertNoOverflow(a, what);
      if (viewport.width >= 1280) assert.ok(probe.summary.table <= probe.summary.box, `${what}: the summary table is ${probe.summary.table} px in a ${probe.summary.box} px box`);
      // Every chart fits the screen: none is cut off at the right.
      for (const c of probe.canvases) assert.ok(c.width <= viewport.width, `${what}: ${c.id} is ${c.width} px wide`);
    });
    await t.test(`${what}: every chart has a describing accessible name`, () => {
      assertNamed(a, what);
      for (const c of facts) assert.ok(c.role === 'img' && c.label.length > 20 && c.label !== c.id, `${what}: ${c.id} has no describing name: "${c.label}"`);
    });
    await t.test(`${what}: every axis has a title`, () => {
      for (const c of facts) for (const sc of c.scales) assert.ok(sc.title !== '', `${what}: ${c.id} axis ${sc.id} has no title`);
    });
    await t.test(`${what}: accuracy axes in %`, () => {
      for (const c of facts) {
        for (const [pattern, axis] of SHARE_AXES) {
          if (!pattern.test(c.id)) continue;
          const sc = c.scales.find((x) => x.id === axis)!;
          assert.ok(sc.ticks.length > 1 && sc.ticks.every((l) => /^\d+(\.\d+)?%$/.test(l)), `${what}: ${c.id} axis ${axis} ticks are not percentages: ${sc.ticks.join(', ')}`);
        }
      }
    });
    await t.test(`${what}: one y-range across the paradigms' task-accuracy charts`, () => {
      const ranges = facts.filter((c) => c.id.startsWith('lines-')).map((c) => c.scales.find((x) => x.id === 'y')!).map((y) => `${y.min}..${y.max}`);
      assert.equal(ranges.length, run.json.paradigms.length);
      assert.equal(new Set(ranges).size, 1, `${what}: y-ranges ${ranges.join(', ')}`);
    });
    await t.test(`${what}: each heat map has a colour legend from the lowest to the highest accuracy in %`, () => {
      assert.equal(probe.legends.length, run.json.paradigms.length);
      const pts = (x: number) => `${(x * 100).toFixed(1)}%`;
      for (const l of probe.legends) {
        assert.match(l.gradient, /linear-gradient/, `${what}: ${l.chart} has no colour bar`);
        assert.ok(l.text.includes(pts(probe.heat.min)) && l.text.includes(pts(probe.heat.max)), `${what}: ${l.chart} legend "${l.text}" does not span ${pts(probe.heat.min)}..${pts(probe.heat.max)}`);
      }
    });
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

for (const viewport of VIEWPORTS) {
  test(`the report in headless Chromium at ${viewport.width}x${viewport.height}: no console error, no request, no overflow, every chart drawn, named and titled; screenshots kept`, { timeout: 120_000 }, async (t) => {
    const chromium = chromiumOrSkip(t);
    if (!chromium) return;
    for (const run of runs) await openInChromium(t, chromium, run, viewport);
  });
}

test('the report in the dark colour scheme (390x844): dark page, readable charts', { timeout: 60_000 }, async (t) => {
  const chromium = chromiumOrSkip(t);
  if (!chromium) return;
  await openInChromium(t, chromium, runs[0], VIEWPORTS[0], 'dark');
});
