/** A seeded, stratified train/test split that keeps the examples' original order in both parts. */
import type { Example } from './types.js';
import { ConfigError } from '../errors.js';
import { Rng } from '../util/rng.js';

/**
 * Splits `examples` so that each class (by first label; no label counts as the class '') puts
 * `round(n * testFraction)` of its n examples in `test`. Which ones is decided by a Fisher-Yates
 * shuffle seeded with `seed`, classes taken in sorted order: the same inputs always give the same
 * split. Both parts keep the input order, so a time-ordered corpus stays time-ordered.
 * @example splitTrainTest(examples, 0.2, 1) // { train: [...80%], test: [...20%] }
 */
export function splitTrainTest(
  examples: readonly Example[],
  testFraction: number,
  seed: number,
): { train: Example[]; test: Example[] } {
  if (!(testFraction >= 0 && testFraction <= 1)) throw new ConfigError([`testFraction must be in [0, 1], got ${testFraction}`]);
  if (!Number.isInteger(seed)) throw new ConfigError([`seed must be an integer, got ${seed}`]);
  const byClass = new Map<string, number[]>();
  examples.forEach((ex, i) => {
    const key = ex.labels[0] ?? '';
    const list = byClass.get(key);
    if (list === undefined) byClass.set(key, [i]);
    else list.push(i);
  });
  const rng = new Rng(seed);
  const inTest = new Uint8Array(examples.length);
  for (const key of [...byClass.keys()].sort()) {
    const idx = rng.shuffle(byClass.get(key)!);
    const nTest = Math.round(idx.length * testFraction);
    for (let k = 0; k < nTest; k++) inTest[idx[k]] = 1;
  }
  const train: Example[] = [];
  const test: Example[] = [];
  examples.forEach((ex, i) => (inTest[i] === 1 ? test : train).push(ex));
  return { train, test };
}
