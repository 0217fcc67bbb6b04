/** The guard held out of training: its size rule, and a split that is stratified, disjoint and repeatable. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Example } from '../data/example.js';
import { guardSize, holdOutGuard, MAX_GUARD, MIN_GUARD } from './guard.js';

test('guardSize: 2% of the data, at most MAX_GUARD, none when that is below MIN_GUARD', () => {
  assert.equal(guardSize(0), 0);
  assert.equal(guardSize(MIN_GUARD * 50 - 1), 0);
  assert.equal(guardSize(MIN_GUARD * 50), MIN_GUARD);
  assert.equal(guardSize(10_000), 200);
  assert.equal(guardSize(1_000_000), MAX_GUARD);
});

test('holdOutGuard: disjoint parts that add up to the input, every class represented, the same split for the same seed', () => {
  const examples: Example[] = Array.from({ length: 5000 }, (_, i) => ({ text: `text ${i}`, labels: [i % 10 < 7 ? 'common' : i % 10 < 9 ? 'middle' : 'rare'] }));
  const { train, guard } = holdOutGuard(examples, 1);
  assert.equal(guard.length, 100);
  assert.equal(train.length + guard.length, examples.length);
  const inGuard = new Set(guard);
  assert.ok(train.every((e) => !inGuard.has(e)), 'no example in both parts');
  const count = (label: string) => guard.filter((e) => e.labels[0] === label).length;
  assert.deepEqual([count('common'), count('middle'), count('rare')], [70, 20, 10]);
  assert.deepEqual(holdOutGuard(examples, 1).guard, guard);
  assert.notDeepEqual(holdOutGuard(examples, 2).guard, guard);
  const small = examples.slice(0, 100);
  assert.deepEqual(holdOutGuard(small, 1), { train: small, guard: [] });
});
