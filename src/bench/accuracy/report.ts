/** Shared by the accuracy benchmarks: where results go and how numbers are written. */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function resultsPath(name: string): { md: string; json: string } {
  const dir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return { md: `${dir}${name}.md`, json: `${dir}${name}.json` };
}

export const pct = (x: number) => (x * 100).toFixed(2);
/** a / b as a ratio with 3 decimals ("1.012"). */
export const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : (a / b).toFixed(3));
