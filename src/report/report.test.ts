/**
 * The HTML report of `accrete compare` on both built-in streams (small seeded samples, tiny models):
 * it ranks the paradigms by ACC and by cost, and it opens in headless Chromium (Debian's chromium,
 * driven by playwright-core) with no console error and no request leaving the file, every chart
 * drawn and non-empty. Screenshots are kept in out/test-screenshots/ at the repository root.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Comparison } from '../compare/compare.js';
import { escapeHtml } from './html.js';

const MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOTS = join(ROOT, 'out', 'test-screenshots');
const CHROMIUM = '/usr/bin/chromium';
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
}

/**
 * Runs in the page (a string: this file is compiled without the DOM's types). Per canvas: its Chart,
 * the data points it holds, and its coloured pixels (the data: axes, grid lines and text are grey).
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
}))()`;

async function openInChromium(t: TestContext, run: Run): Promise<void> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'accrete-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1300, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  try {
    const problems: string[] = [];
    const outside: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    const file = join(dir, `${run.name}.html`);
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction('window.accreteReport && window.accreteReport.ready === true', null, { timeout: 15_000 });
    const charts = (await page.evaluate(PROBE)) as Probe;
    mkdirSync(SCREENSHOTS, { recursive: true });
    const shot = join(SCREENSHOTS, `compare-report-${run.name}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`screenshot: ${shot}`);

    assert.deepEqual(problems, [], `${run.name}: console errors`);
    assert.deepEqual(outside, [], `${run.name}: requests that left the file`);
    const paradigms = run.json.paradigms.length;
    const expected = 2 * paradigms + 4 + (run.json.prequential ? 1 : 0); // heat maps, task lines, 3 cost charts, trade-off, prequential
    assert.equal(charts.canvases.length, expected, `${run.name}: canvases`);
    assert.equal(charts.reported, expected, `${run.name}: charts made`);
    for (const c of charts.canvases) {
      assert.ok(c.hasChart && c.width > 100 && c.height > 100, `${run.name}: ${c.id} is not a drawn chart (${c.width}x${c.height})`);
      assert.ok(c.points > 0, `${run.name}: ${c.id} has no data`);
      assert.ok(c.coloured > 200, `${run.name}: ${c.id} is blank (${c.coloured} coloured pixels)`);
    }
    assert.ok(existsSync(shot));
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

test('the report opens in headless Chromium: no console error, no request, every chart drawn; screenshots kept', async (t) => {
  if (!existsSync(CHROMIUM)) {
    // CI installs Debian's chromium (.ci/run); elsewhere say how to get it rather than fail.
    if (process.env.CI) assert.fail(`${CHROMIUM} is missing: apt-get install -y chromium`);
    t.skip(`${CHROMIUM} is missing: apt-get install -y chromium`);
    return;
  }
  for (const run of runs) await openInChromium(t, run);
});
