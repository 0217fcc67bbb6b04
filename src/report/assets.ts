/**
 * The charting library, inlined into every report and the dashboard so they open with no network:
 * Chart.js and chartjs-chart-matrix (MIT), with their licence notices, bundled at build time into
 * dist/assets/charts.js by scripts/bundle-charts.mjs. Shipping the bundle instead of depending on
 * the packages keeps them out of a library user's install.
 */
import { readFileSync } from 'node:fs';
import { AccreteError } from '../errors.js';

const BUNDLE = new URL('../assets/charts.js', import.meta.url);

/** Code as the content of a <script> element: no "</script" or "<!--" can end or confuse it. */
export function scriptSafe(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

let cached: string | null = null;

/**
 * The libraries' code, licences first, ready to put inside one <script> element.
 * @example libraryScript().startsWith('/*') // true
 */
export function libraryScript(): string {
  if (cached !== null) return cached;
  let code: string;
  try {
    code = readFileSync(BUNDLE, 'utf8');
  } catch (cause) {
    throw new AccreteError('UNAVAILABLE', `the chart bundle ${BUNDLE.pathname} is missing: this copy of accrete was not built with npm run build`, { cause });
  }
  cached = scriptSafe(code);
  return cached;
}
