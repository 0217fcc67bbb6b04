/** The guard held out of training: its size rule, and a split that is stratified, disjoint and repeatable. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Example } from '../data/example.js';
import { growGuard, guardSize, holdOutGuard, MAX_GUARD, MIN_GUARD } from './guard.js';

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

const examplesOf = (label: string, n: number, tag = ''): Example[] => Array.from({ length: n }, (_, i) => ({ text: `${label} ${tag}${i}`, labels: [label] }));
const countBy = (examples: Example[]) => Object.fromEntries([...new Set(examples.map((e) => e.labels[0]))].map((l) => [l, examples.filter((e) => e.labels[0] === l).length]));

test('growGuard: new labels get an equal share, the old guard gives up room for them, nothing is lost', () => {
  const guard = [...examplesOf('a', 200), ...examplesOf('b', 100)];
  const candidates = [...examplesOf('c', 150), ...examplesOf('d', 10)];
  const grown = growGuard(guard, candidates, 300);
  assert.equal(grown.guard.length, 300);
  assert.deepEqual(countBy(grown.guard), { a: 97, b: 97, c: 96, d: 10 });
  assert.equal(grown.guard.length + grown.leftOut.length, guard.length + candidates.length, 'every example is in one part');
  const inGuard = new Set(grown.guard);
  assert.ok(grown.leftOut.every((e) => !inGuard.has(e)));
  // Examples already in the guard stay before offered ones of their label.
  assert.deepEqual(grown.guard.filter((e) => e.labels[0] === 'a'), guard.slice(0, 97));
});

test('growGuard: below the cap everything is kept; an update of known labels keeps the guard as it was', () => {
  const small = growGuard(examplesOf('a', 20), examplesOf('b', 30), 300);
  assert.equal(small.guard.length, 50);
  assert.deepEqual(small.leftOut, []);
  const guard = [...examplesOf('a', 150), ...examplesOf('b', 150)];
  const same = growGuard(guard, [...examplesOf('a', 40, 'new '), ...examplesOf('b', 40, 'new ')], 300);
  assert.deepEqual(same.guard, guard);
  assert.equal(same.leftOut.length, 80);
});
