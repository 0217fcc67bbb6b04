#!/usr/bin/env node
// Build step: writes dist/assets/charts.js, the charting code that every HTML report and the
// dashboard inline so that they open with no network: Chart.js (MIT) and its matrix chart type
// chartjs-chart-matrix (MIT), taken from their npm packages' browser (UMD) builds at build time.
// They are devDependencies: an install of accrete does not pull them in. The MIT licence asks that
// the copyright and permission notice travel with the code, so each package's LICENSE goes in front
// of it as a comment (Chart.js's build also bundles @kurkle/color, MIT, whose notice goes in too).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const OUT = new URL('../dist/assets/charts.js', import.meta.url);

const LIBRARIES = [
  { pkg: 'chart.js', file: 'chart.umd.min.js', bundles: ['@kurkle/color'] },
  { pkg: 'chartjs-chart-matrix', file: 'chartjs-chart-matrix.min.js' },
];

/** The directory of a package (found from its main file: the packages' `exports` hide package.json). */
function packageDir(pkg) {
  let dir = dirname(require.resolve(pkg));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function licenseOf(dir) {
  for (const name of ['LICENSE.md', 'LICENSE', 'LICENSE.txt']) {
    const path = join(dir, name);
    if (existsSync(path)) return readFileSync(path, 'utf8');
  }
  throw new Error(`bundle-charts: no licence file in ${dir}`);
}

/** A package's name, version and licence text; a bundled package that npm did not hoist gets its SPDX name. */
function notice(pkg) {
  let dir;
  try {
    dir = packageDir(pkg);
  } catch {
    return `${pkg}: MIT License (bundled in the build below)`;
  }
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return `${pkg} ${version}\n\n${licenseOf(dir).replace(/\*\//g, '* /')}`;
}

const parts = [];
for (const lib of LIBRARIES) {
  const code = readFileSync(join(dirname(require.resolve(lib.pkg)), lib.file), 'utf8');
  parts.push(`/*\n${[lib.pkg, ...(lib.bundles ?? [])].map(notice).join('\n\n')}\n*/`, code);
}
mkdirSync(new URL('.', OUT), { recursive: true });
writeFileSync(OUT, parts.join('\n'));
