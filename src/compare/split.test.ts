import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Example } from '../data/example.js';
import { formatSplit, parseSplit, splitStream } from './split.js';
import { byTime } from './stream.js';

const ex = (i: number, label: string, time?: string): Example => ({ text: `text ${i}`, labels: [label], ...(time === undefined ? {} : { time }) });

/** Two periods like SpamAssassin's: 60 then 40 examples, each listing label a before label b. */
const periods: Example[] = [
  ...Array.from({ length: 60 }, (_, i) => ex(i, i < 40 ? 'a' : 'b', '1')),
  ...Array.from({ length: 40 }, (_, i) => ex(100 + i, i < 25 ? 'a' : 'b', '2')),
];

test('parseSplit: every form, and errors that name the expected syntax', () => {
  assert.deepEqual(parseSplit('time'), { kind: 'time' });
  assert.deepEqual(parseSplit('time:4'), { kind: 'time', tasks: 4 });
  assert.deepEqual(parseSplit('classes:5'), { kind: 'classes', tasks: 5 });
  assert.deepEqual(parseSplit('chunks:10'), { kind: 'chunks', tasks: 10 });
  assert.equal(formatSplit(parseSplit('chunks:10')), 'chunks:10');
  assert.equal(formatSplit(parseSplit('time')), 'time');
  assert.throws(() => parseSplit('classes'), /--split classes needs a number of tasks >= 1, as in classes:4/);
  assert.throws(() => parseSplit('chunks:0'), /needs a number of tasks >= 1/);
  assert.throws(() => parseSplit('time:2.5'), /needs a number of tasks/);
  assert.throws(() => parseSplit('days:3'), /unknown --split "days:3"; expected time \| time:N \| classes:K \| chunks:N/);
});

test('byTime without a count: one task per time value, as before', () => {
  const s = byTime(periods, 0.2, 1);
  assert.deepEqual(s.map((t) => t.name), ['time 1', 'time 2']);
  assert.deepEqual(s.map((t) => t.train.length + t.test.length), [60, 40]);
});

test("byTime with N >= periods: tasks in proportion (D'Hondt), never mixing periods, each mixing labels", () => {
  const s = byTime(periods, 0.2, 1, 5);
  assert.deepEqual(s.map((t) => t.name), ['time 1 (1/3)', 'time 1 (2/3)', 'time 1 (3/3)', 'time 2 (1/2)', 'time 2 (2/2)']);
  assert.deepEqual(s.map((t) => t.train.length + t.test.length), [20, 20, 20, 20, 20]);
  for (const t of s) {
    const times = new Set([...t.train, ...t.test].map((e) => e.time));
    assert.equal(times.size, 1, `${t.name} mixes periods`);
    assert.equal(new Set(t.train.map((e) => e.labels[0])).size, 2, `${t.name}: the shuffle within a period mixes the labels`);
  }
  assert.equal(new Set(s.flatMap((t) => [...t.train, ...t.test])).size, 100, 'every example exactly once');
});

test('byTime with N: reproducible for a seed, different for another', () => {
  const texts = (seed: number) => byTime(periods, 0.2, seed, 4).map((t) => t.train.map((e) => e.text));
  assert.deepEqual(texts(3), texts(3));
  assert.notDeepEqual(texts(3), texts(4));
});

test('byTime with fewer tasks than time values: equal contiguous cuts in time order, named by their range', () => {
  const days = Array.from({ length: 40 }, (_, i) => ex(i, i % 2 ? 'a' : 'b', String(Math.floor(i / 10) + 1)));
  const s = byTime(days, 0.25, 1, 2);
  assert.deepEqual(s.map((t) => t.name), ['time 1..2', 'time 3..4']);
  assert.ok(s[0].train.every((e) => Number(e.time) <= 2) && s[1].train.every((e) => Number(e.time) >= 3));
});

test('splitStream: classes and chunks, and errors for impossible splits', () => {
  const five = Array.from({ length: 50 }, (_, i) => ex(i, `l${i % 5}`));
  const classes = splitStream(five, { kind: 'classes', tasks: 2 }, 1);
  assert.equal(classes.length, 2);
  const labelsOf = (k: number) => new Set(classes[k].train.map((e) => e.labels[0]));
  assert.equal(labelsOf(0).size + labelsOf(1).size, 5);
  assert.ok([...labelsOf(0)].every((l) => !labelsOf(1).has(l)), 'class groups are disjoint');
  assert.equal(splitStream(five, { kind: 'chunks', tasks: 5 }, 1).length, 5);
  assert.throws(() => splitStream(five, { kind: 'classes', tasks: 6 }, 1), /classes:6 needs at least 6 labels; the data has 5/);
  assert.throws(() => splitStream(five, { kind: 'time' }, 1), /--split time needs examples with a "time" field/);
  assert.throws(() => splitStream(five.slice(0, 3), { kind: 'chunks', tasks: 4 }, 1), /chunks:4 needs at least 4 examples/);
});
