/** Shared by the accuracy benchmarks: where results go and how numbers are written. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function resultsPath(name: string): { md: string; json: string } {
  const dir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return { md: `${dir}${name}.md`, json: `${dir}${name}.json` };
}

/** Writes bench/results/NAME.json (`data` with the date) and NAME.md, and says so on stderr. */
export function writeResults(name: string, data: object, md: string): void {
  const paths = resultsPath(name);
  writeFileSync(paths.json, JSON.stringify({ date: new Date().toISOString(), ...data }, null, 1) + '\n');
  writeFileSync(paths.md, md);
  process.stderr.write(`wrote ${paths.md} and ${paths.json}\n`);
}

export const pct = (x: number) => (x * 100).toFixed(2);
/** a / b as a ratio with 3 decimals ("1.012"). */
export const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : (a / b).toFixed(3));
