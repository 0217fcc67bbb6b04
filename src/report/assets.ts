/**
 * The charting library, inlined into every report so it opens with no network: Chart.js (MIT) and
 * its matrix chart type chartjs-chart-matrix (MIT), read from their npm packages' browser (UMD)
 * builds. The MIT licence asks that the copyright and permission notice travel with the code, so
 * each package's LICENSE goes in front of it as a comment (Chart.js's build also bundles
 * @kurkle/color, MIT, whose notice goes in too).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AccreteError } from '../errors.js';

const require = createRequire(import.meta.url);

interface Library {
  pkg: string;
  /** The browser build, relative to the directory of the package's main file. */
  file: string;
  /** Packages whose code the build bundles, for their licence notices. */
  bundles?: string[];
}

const LIBRARIES: readonly Library[] = [
  { pkg: 'chart.js', file: 'chart.umd.min.js', bundles: ['@kurkle/color'] },
  { pkg: 'chartjs-chart-matrix', file: 'chartjs-chart-matrix.min.js' },
];

/** The directory of a package (found from its main file: the packages' `exports` hide package.json). */
function packageDir(pkg: string): string {
  let dir: string;
  try {
    dir = dirname(require.resolve(pkg));
  } catch (cause) {
    throw new AccreteError('USAGE', `the report needs the npm package ${pkg}, which is not installed; run: npm install ${pkg}`, { cause });
  }
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function licenseOf(dir: string): string {
  for (const name of ['LICENSE.md', 'LICENSE', 'LICENSE.txt']) {
    const path = join(dir, name);
    if (existsSync(path)) return readFileSync(path, 'utf8');
  }
  return '';
}

/** Code as the content of a <script> element: no "</script" or "<!--" can end or confuse it. */
export function scriptSafe(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** A package's name, version and licence text; a bundled package that npm did not hoist gets its SPDX name. */
function notice(pkg: string, knownDir: string | null): string {
  let dir = knownDir;
  if (dir === null) {
    try {
      dir = packageDir(pkg);
    } catch {
      return `${pkg}: MIT License (bundled in the build below)`;
    }
  }
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  return `${pkg} ${version}\n\n${licenseOf(dir).replace(/\*\//g, '* /')}`;
}

let cached: string | null = null;

/**
 * The libraries' code, licences first, ready to put inside one <script> element.
 * @example libraryScript().startsWith('/*') // true
 */
export function libraryScript(): string {
  if (cached !== null) return cached;
  const parts: string[] = [];
  for (const lib of LIBRARIES) {
    const main = require.resolve(lib.pkg);
    const dir = packageDir(lib.pkg);
    const notices = [lib.pkg, ...(lib.bundles ?? [])].map((pkg) => notice(pkg, pkg === lib.pkg ? dir : null));
    parts.push(`/*\n${notices.join('\n\n')}\n*/`, readFileSync(join(dirname(main), lib.file), 'utf8'));
  }
  cached = scriptSafe(parts.join('\n'));
  return cached;
}
