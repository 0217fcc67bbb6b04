/** Rng.sample: k distinct items, uniformly, the same for the same seed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from './rng.js';

test('sample: k distinct items of the list, all of them when k is larger, repeatable by seed', () => {
  const items = Array.from({ length: 1000 }, (_, i) => `x${i}`);
  const s = new Rng(5).sample(items, 50);
  assert.equal(s.length, 50);
  assert.equal(new Set(s).size, 50, 'distinct');
  assert.ok(s.every((x) => items.includes(x)));
  assert.deepEqual(new Rng(5).sample(items, 50), s);
  assert.notDeepEqual(new Rng(6).sample(items, 50), s);
  assert.deepEqual([...new Rng(1).sample(items.slice(0, 7), 10)].sort(), items.slice(0, 7).sort());
  assert.deepEqual(new Rng(1).sample([], 3), []);
});

test('sample: every item equally likely (chi-square over 20,000 draws of 3 of 10)', () => {
  const rng = new Rng(11);
  const counts = new Array(10).fill(0);
  const items = Array.from({ length: 10 }, (_, i) => i);
  for (let t = 0; t < 20_000; t++) for (const x of rng.sample(items, 3)) counts[x]++;
  const expected = (20_000 * 3) / 10;
  const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  // 9 degrees of freedom: chi-square above 27.9 has probability 0.001.
  assert.ok(chi2 < 27.9, `chi-square ${chi2.toFixed(1)}: ${counts.join(' ')}`);
});
