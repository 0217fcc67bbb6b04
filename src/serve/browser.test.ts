/**
 * The dashboard in a real browser (Debian's chromium through playwright-core): it loads with no
 * request leaving the server, shows the versions and draws its charts, and its rollback button
 * (after asking for the token once) changes the active version. At a phone's width (390x844) and a
 * laptop's (1280x800) the page does not overflow sideways, wide tables scroll in their own box,
 * every control and chart has an accessible name, every axis has a title and shares are in %; in
 * the dark colour scheme the page is dark and the charts' text stays readable. Screenshots of each
 * go to the directory printed (src/testing/browser.ts). Without Chromium the tests skip with a
 * message, and fail under CI.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertNamed, assertNoOverflow, audit, chartFacts, chromiumOrSkip, contrast, launch, luminance, pageBackground, screenshot, VIEWPORTS, watchErrors, type Viewport } from '../testing/browser.js';
import { call, inProcess, plantTexts, TOKEN } from './testing.js';
import { tinyModel } from './testing.js';

/** The page's document, typed just enough (this project's TypeScript has no DOM types). */
type Doc = { document: { getElementById(id: string): { textContent: string } } };

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

let profiles = 0;
/** Opens the dashboard at a viewport; the callback gets the page once its first refresh is drawn. */
async function withDashboard(chromium: string, viewport: Viewport, scheme: 'light' | 'dark', use: (page: import('playwright-core').Page, problems: string[], foreign: string[]) => Promise<void>): Promise<void> {
  const url = s!.url;
  const context = await launch(chromium, join(dir, `profile-${profiles++}`), viewport, scheme);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const foreign: string[] = [];
    page.on('request', (r) => void (r.url().startsWith(url) || foreign.push(r.url())));
    const problems = watchErrors(page);
    await page.goto(url + '/');
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 });
    await use(page, problems, foreign);
  } finally {
    await context.close();
  }
}

test('dashboard: versions and charts shown; rollback changes the active version', { timeout: 60_000 }, async (t) => {
  const chromium = chromiumOrSkip(t);
  if (!chromium) return;
  const url = s!.url;
  await withDashboard(chromium, VIEWPORTS[1], 'light', async (page, problems, foreign) => {
    let prompts = 0;
    page.on('dialog', (d) => void (prompts++, d.accept(TOKEN)));
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

    // Activate v2 again from its row (its button is named for it): no second prompt.
    assert.equal(await page.getAttribute('button[data-version="v2"]', 'aria-label'), 'Activate v2');
    await page.click('button[data-version="v2"]');
    await page.waitForFunction((want) => (globalThis as unknown as Doc).document.getElementById('active').textContent === want, 'v2', { timeout: 15_000 });
    assert.equal(prompts, 1);
    assert.deepEqual(foreign, [], 'requests that left the server');
    assert.deepEqual(problems, []);
  });
});

/** Axes that show a share (accuracy, F1, error rate): their ticks end in %. */
const SHARE_AXES: Record<string, string[]> = { 'chart-accuracy': ['y'], 'chart-labels': ['y'], 'chart-feedback': ['rate'] };

for (const viewport of VIEWPORTS) {
  const what = `dashboard at ${viewport.width}x${viewport.height}`;
  test(what, { timeout: 60_000 }, async (t) => {
    const chromium = chromiumOrSkip(t);
    if (!chromium) return;
    await withDashboard(chromium, viewport, 'light', async (page, problems, foreign) => {
      await screenshot(t, page, `dashboard-${viewport.width}x${viewport.height}`);
      const a = await audit(page);
      const charts = await chartFacts(page);
      await t.test('no horizontal overflow of the page; wide tables scroll in their own box; the actions on screen', async () => {
        assertNoOverflow(a, what);
        for (const sel of ['#run-update', '#rollback', '#label-version']) {
          const box = (await page.locator(sel).boundingBox())!;
          assert.ok(box.x >= 0 && box.x + box.width <= viewport.width, `${what}: ${sel} is off screen (${JSON.stringify(box)})`);
        }
      });
      await t.test('every control and chart has an accessible name (Activate buttons name their version)', async () => {
        assertNamed(a, what);
        for (const c of charts) assert.ok(c.role === 'img' && c.label.length > 20 && c.label !== c.id, `${what}: ${c.id} has no describing name: "${c.label}"`);
        assert.equal(await page.getAttribute('button[data-version="v1"]', 'aria-label'), 'Activate v1');
      });
      await t.test('every axis has a title', () => {
        assert.equal(charts.length, 3);
        for (const c of charts) for (const sc of c.scales) assert.ok(sc.title !== '', `${what}: ${c.id} axis ${sc.id} has no title`);
      });
      await t.test('accuracy, F1 and error rate in % as in the tables', () => {
        for (const c of charts) {
          for (const axis of SHARE_AXES[c.id]) {
            const sc = c.scales.find((x) => x.id === axis)!;
            assert.ok(sc.ticks.length > 1 && sc.ticks.every((l) => /^\d+(\.\d+)?%$/.test(l)), `${what}: ${c.id} axis ${axis} ticks are not percentages: ${sc.ticks.join(', ')}`);
          }
        }
      });
      await t.test('no console error, no request leaving the server', () => {
        assert.deepEqual(problems, [], `${what}: console errors`);
        assert.deepEqual(foreign, [], `${what}: requests that left the server`);
      });
    });
  });
}

test('dashboard in the dark colour scheme (390x844): dark page, charts whose text reads on it', { timeout: 60_000 }, async (t) => {
  const chromium = chromiumOrSkip(t);
  if (!chromium) return;
  await withDashboard(chromium, VIEWPORTS[0], 'dark', async (page, problems) => {
    await screenshot(t, page, 'dashboard-390x844-dark');
    const bg = await pageBackground(page);
    assert.ok(luminance(bg) < 0.1, `the page's background is not dark: ${bg}`);
    for (const c of await chartFacts(page)) {
      assert.ok(luminance(c.background) < 0.1, `${c.id} sits on a light background: ${c.background}`);
      for (const sc of c.scales) assert.ok(contrast(sc.tickColor, c.background) >= 4.5, `${c.id} axis ${sc.id}: ticks ${sc.tickColor} on ${c.background}`);
    }
    assert.deepEqual(problems, []);
  });
});
