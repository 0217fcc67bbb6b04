/**
 * What the Chromium tests share: finding the browser (the same rule as `.ci/run`: `chromium` on
 * PATH, else /usr/bin/chromium), failing under CI when it is missing and skipping with a visible
 * message elsewhere, launching it, and the checks every page must pass at every viewport: no
 * horizontal overflow of the page and no control without an accessible name.
 */
import assert from 'node:assert/strict';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';

/** The two sizes every page is checked at: a phone and a laptop. */
export const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'laptop', width: 1280, height: 800 },
] as const;
export type Viewport = (typeof VIEWPORTS)[number];

/** Where screenshots go (printed by the tests); ACCRETE_SCREENSHOTS overrides. */
export const SCREENSHOTS = process.env.ACCRETE_SCREENSHOTS || join(tmpdir(), 'accrete-screenshots');

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** `chromium` on PATH (what `command -v chromium` finds in .ci/run), else /usr/bin/chromium; null when neither. */
export function findChromium(path = process.env.PATH ?? '', fallback = '/usr/bin/chromium'): string | null {
  for (const dir of path.split(delimiter)) {
    if (dir && executable(join(dir, 'chromium'))) return join(dir, 'chromium');
  }
  return executable(fallback) ? fallback : null;
}

/** Whether the CI variable's value `ci` (undefined: unset) says CI as most services set it (CI=true, CI=1); CI=false or CI=0 is not CI. */
export const underCi = (ci: string | undefined) => !!ci && !/^(false|0)$/i.test(ci);

/**
 * The browser for a test: its path, or (when missing) a failure under CI and a skip with a message
 * on stderr elsewhere, so a run without Chromium never looks like a run that checked the pages.
 */
export function chromiumOrSkip(t: Pick<TestContext, 'name' | 'skip'>, path = findChromium(), ci = underCi(process.env.CI), say = (line: string) => void process.stderr.write(line)): string | null {
  if (path) return path;
  const why = 'chromium is not on PATH nor at /usr/bin/chromium (apt-get install -y chromium)';
  if (ci) assert.fail(`${why}; under CI the browser tests must run`);
  say(`SKIPPED browser test "${t.name}": ${why}\n`);
  t.skip(why);
  return null;
}

export async function launch(executablePath: string, profile: string, viewport: Viewport, colorScheme: 'light' | 'dark' = 'light'): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(profile, { executablePath, headless: true, args: FLAGS, timeout: 30_000, viewport: { width: viewport.width, height: viewport.height }, colorScheme });
}

/** Collects console errors and uncaught exceptions of a page. */
export function watchErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)));
  page.on('pageerror', (e) => void problems.push(`page error: ${e.message}`));
  return problems;
}

export interface Audit {
  scrollWidth: number;
  innerWidth: number;
  /** Controls and charts with no accessible name, as `tag#id "text"`. */
  unnamed: string[];
  /** Tables wider than the viewport that are not inside a box that scrolls them. */
  unboxedTables: string[];
}

/**
 * Runs in the page (a string: the tests compile without the DOM's types). A control's name is its
 * aria-label, the text of its aria-labelledby elements, its <label> (for= or around it) or, for a
 * button, its text; a canvas must also have role="img".
 */
const AUDIT = `(() => {
  const text = (e) => (e && e.textContent || '').trim();
  const named = (e) => {
    if ((e.getAttribute('aria-label') || '').trim()) return true;
    const by = (e.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean).map((id) => document.getElementById(id));
    if (by.some((l) => text(l))) return true;
    if (e.tagName === 'CANVAS') return false;
    if (e.id && [...document.querySelectorAll('label')].some((l) => l.htmlFor === e.id && text(l))) return true;
    if (e.closest('label') && text(e.closest('label'))) return true;
    return e.tagName === 'BUTTON' && text(e) !== '';
  };
  const unnamed = [...document.querySelectorAll('button, select, input, textarea, canvas')]
    .filter((e) => !named(e) || (e.tagName === 'CANVAS' && e.getAttribute('role') !== 'img'))
    .map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' "' + text(e).slice(0, 30) + '"');
  const unboxedTables = [...document.querySelectorAll('table')].filter((t) => {
    if (t.getBoundingClientRect().width <= innerWidth) return false;
    for (let p = t.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if ((o === 'auto' || o === 'scroll') && p.getBoundingClientRect().right <= innerWidth + 0.5) return false;
    }
    return true;
  }).map((t) => 'table#' + t.id + ' ' + Math.round(t.getBoundingClientRect().width) + 'px');
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth, unnamed, unboxedTables };
})()`;

export const audit = async (page: Page) => (await page.evaluate(AUDIT)) as Audit;

export function assertNoOverflow(a: Audit, what: string): void {
  assert.ok(a.scrollWidth <= a.innerWidth, `${what}: the page overflows horizontally (scrollWidth ${a.scrollWidth} > innerWidth ${a.innerWidth})`);
  assert.deepEqual(a.unboxedTables, [], `${what}: tables wider than the screen outside a scroll box`);
}

export function assertNamed(a: Audit, what: string): void {
  assert.deepEqual(a.unnamed, [], `${what}: controls or charts without an accessible name`);
}

/** The first opaque background of the page (body, else the root element, else white). */
export const pageBackground = async (page: Page) =>
  (await page.evaluate(`[document.body, document.documentElement].map((e) => getComputedStyle(e).backgroundColor).find((b) => b !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(b)) || 'rgb(255, 255, 255)'`)) as string;

/** Saves a full-page screenshot under SCREENSHOTS and prints its path. */
export async function screenshot(t: TestContext, page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  t.diagnostic(`screenshot: ${path}`);
  return path;
}

/** Relative luminance (0 black .. 1 white) of a CSS colour as getComputedStyle returns it (rgb/rgba). */
export function luminance(css: string): number {
  const m = /rgba?\(([\d.]+)[, ]+([\d.]+)[, ]+([\d.]+)/.exec(css) ?? /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(css.trim());
  assert.ok(m, `not a colour: ${css}`);
  const hex = css.trim().startsWith('#');
  const [r, g, b] = [m[1], m[2], m[3]].map((v) => (hex ? parseInt(v, 16) : Number(v)) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export interface ChartScale {
  id: string;
  title: string;
  ticks: string[];
  tickColor: string;
  min: number;
  max: number;
}
export interface ChartFacts {
  id: string;
  label: string;
  role: string;
  points: number;
  scales: ChartScale[];
  /** The first opaque background behind the canvas. */
  background: string;
}

/** Every Chart.js chart of the page: its canvas's name, its drawn axes (title, tick labels and colour, range) and what is behind it. */
const CHARTS = `(() => [...document.querySelectorAll('canvas')].map((c) => {
  const chart = Chart.getChart(c);
  const resolve = (color) => { const probe = document.createElement('span'); probe.style.color = color; document.body.append(probe); const out = getComputedStyle(probe).color; probe.remove(); return out; };
  let background = 'rgb(255, 255, 255)';
  for (let e = c; e; e = e.parentElement) {
    const b = getComputedStyle(e).backgroundColor;
    if (b && b !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(b)) { background = b; break; }
  }
  return {
    id: c.id, label: c.getAttribute('aria-label') || '', role: c.getAttribute('role') || '', background,
    points: chart ? chart.data.datasets.reduce((s, d) => s + d.data.filter((v) => v !== null && v !== undefined).length, 0) : 0,
    scales: chart ? Object.values(chart.scales).filter((s) => s.options.display !== false).map((s) => ({
      id: s.id, title: s.options.title && s.options.title.display ? String(s.options.title.text) : '',
      ticks: s.ticks.map((t) => [].concat(t.label).join(' ')), tickColor: resolve(typeof s.options.ticks.color === 'string' ? s.options.ticks.color : Chart.defaults.color),
      min: s.min, max: s.max })) : [],
  };
}))()`;

export async function chartFacts(page: Page): Promise<ChartFacts[]> {
  return (await page.evaluate(CHARTS)) as ChartFacts[];
}

/** WCAG contrast ratio of two CSS colours. */
export const contrast = (a: string, b: string) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};
