/**
 * The dashboard in a real browser (Debian's chromium through playwright-core): it loads with no
 * request leaving the server, shows the versions and draws its charts, and its rollback button
 * (after asking for the token once) changes the active version.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { call, inProcess, plantTexts, TOKEN } from './testing.js';
import { tinyModel } from './testing.js';

const CHROMIUM = '/usr/bin/chromium';
/** The page's document, typed just enough (this project's TypeScript has no DOM types). */
type Doc = { document: { getElementById(id: string): { textContent: string } } };
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

const dir = mkdtempSync(join(tmpdir(), 'accrete-browser-'));
let s: Awaited<ReturnType<typeof inProcess>> | null = null;

before(async () => {
  await tinyModel(join(dir, 'base'));
  s = await inProcess({ registry: join(dir, 'reg', 'registry.db'), model: join(dir, 'base'), drift: false });
  await call(s.url, 'POST', '/v1/feedback', { text: plantTexts(2)[1], label: 'noun.plant' });
  const up = await call(s.url, 'POST', '/v1/update', {});
  assert.equal(up.json.version, 'v2', up.text);
});
after(async () => {
  await s?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('dashboard: versions and charts shown; rollback changes the active version', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} is not installed (apt-get install chromium)`, timeout: 60_000 }, async () => {
  const url = s!.url;
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 30_000 });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const foreign: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => void (r.url().startsWith(url) || foreign.push(r.url())));
    page.on('pageerror', (e) => errors.push(e.message));
    let prompts = 0;
    page.on('dialog', (d) => void (prompts++, d.accept(TOKEN)));

    await page.goto(url + '/');
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 });
    assert.equal(await page.textContent('#active'), 'v2');
    const rows = await page.$$eval('#versions tbody tr', (trs) => trs.map((tr) => tr.querySelector('td')!.textContent));
    assert.deepEqual(rows, ['v2 (active)', 'v1']);
    assert.match((await page.textContent('#updates tbody'))!, /accepted/);
    // Every chart exists and has data points; its canvas was drawn on.
    const charts = await page.evaluate(() => {
      const d = (globalThis as unknown as { accreteDashboard: { charts: Record<string, { data: { datasets: { data: unknown[] }[] }; canvas: { width: number } }> } }).accreteDashboard;
      return Object.entries(d.charts).map(([id, c]) => ({ id, points: c.data.datasets.reduce((n, ds) => n + ds.data.filter((x) => x !== null).length, 0), width: c.canvas.width }));
    });
    assert.deepEqual(charts.map((c) => c.id).sort(), ['chart-accuracy', 'chart-feedback', 'chart-labels']);
    for (const c of charts) assert.ok(c.points > 0 && c.width > 0, JSON.stringify(c));

    await page.click('#rollback');
    await page.waitForFunction((want) => (globalThis as unknown as Doc).document.getElementById('active').textContent === want, 'v1', { timeout: 15_000 });
    assert.match((await page.textContent('#message'))!, /now serving v1 \(was v2\)/);
    assert.equal(prompts, 1, 'the token was asked for once');
    assert.equal((await call(url, 'GET', '/v1/health', undefined, false)).json.version, 'v1');

    // Activate v2 again from its row: no second prompt.
    await page.click('button[data-version="v2"]');
    await page.waitForFunction((want) => (globalThis as unknown as Doc).document.getElementById('active').textContent === want, 'v2', { timeout: 15_000 });
    assert.equal(prompts, 1);
    assert.deepEqual(foreign, [], 'requests that left the server');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
