import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Example } from '../data/example.js';
import { Rng } from '../util/rng.js';
import { ReplayBuffer, type ReplayState } from './replay.js';
import { checkCapacity, checkSeed, copyExample, readReplayState } from './replayState.js';

const ex = (text: string, label: string): Example => ({ text, labels: [label] });

/** A shuffled stream with `counts[label]` examples of each label; texts are unique ("label#i"). */
function stream(counts: Record<string, number>, seed: number): Example[] {
  const out: Example[] = [];
  for (const [label, n] of Object.entries(counts)) for (let i = 0; i < n; i++) out.push(ex(`${label}#${i}`, label));
  return new Rng(seed).shuffle(out);
}

/**
 * The buffer is as balanced as the data allows: every class that lost examples (kept < seen) keeps
 * at least as many as any other class, less one.
 */
function checkBalance(buf: ReplayBuffer): void {
  const stats = buf.stats();
  const most = Math.max(0, ...stats.map((s) => s.kept));
  for (const s of stats) if (s.kept < s.seen) assert.ok(s.kept >= most - 1, `${s.label} keeps ${s.kept} of ${s.seen}, another class ${most}`);
}

function checkInvariants(buf: ReplayBuffer): void {
  const stats = buf.stats();
  assert.ok(buf.size <= buf.capacity, `size ${buf.size} > capacity ${buf.capacity}`);
  assert.equal(buf.size, stats.reduce((n, s) => n + s.kept, 0));
  for (const s of stats) assert.ok(s.kept <= s.seen, `${s.label}: kept ${s.kept}, seen ${s.seen}`);
}

test('never exceeds capacity, also with more classes than room and after resizing', () => {
  const labels = Array.from({ length: 30 }, (_, i) => `c${i}`);
  const rng = new Rng(5);
  const buf = new ReplayBuffer(17, 3);
  for (let i = 0; i < 3000; i++) {
    buf.add(ex(`t${i}`, labels[Math.floor(rng.next() ** 2 * labels.length)]));
    checkInvariants(buf);
    // (growing leaves room that later arrivals fill unevenly, whoever they are)
    if (i < 2000) checkBalance(buf);
    if (i === 1000) buf.resize(7);
    if (i === 2000) buf.resize(40);
  }
  assert.equal(buf.size, 40);
});

test('class balance: a class keeps all it has seen up to a common level, the others are cut to it (within 1), and the buffer is full', () => {
  const counts = { A: 10_000, B: 50, C: 500, D: 5, E: 2_000 };
  // capacity 100: D keeps its 5, the other four about 95 / 4 each; 300: D 5, B its 50, A, C, E about 245 / 3.
  for (const [capacity, level] of [[100, 23.75], [103, 24.5], [300, 81.67]] as const) {
    const buf = new ReplayBuffer(capacity, 11);
    buf.addAll(stream(counts, 1));
    const stats = buf.stats();
    assert.equal(buf.size, capacity);
    for (const s of stats) {
      assert.equal(s.seen, counts[s.label as keyof typeof counts]);
      const want = Math.min(s.seen, level);
      assert.ok(Math.abs(s.kept - want) < 1, `${s.label} at capacity ${capacity}: kept ${s.kept}, want about ${want}`);
    }
    checkBalance(buf);
  }
});

/** Chi-square statistic of observed counts against one expected count. */
function chiSquare(counts: readonly number[], expected: number): number {
  return counts.reduce((x, c) => x + (c - expected) ** 2 / expected, 0);
}

test('uniformity: each example of a class is kept with probability kept / seen', () => {
  // 10,000 runs of 30 examples at capacity 10: an off-by-one in Algorithm R (keeping w.p. 10 / (seen + 1))
  // would favour the first ten by 10% and push the statistic above 200.
  const trials = 10_000;
  const n = 30;
  const counts = new Array<number>(n).fill(0);
  for (let seed = 0; seed < trials; seed++) {
    const buf = new ReplayBuffer(10, seed);
    for (let i = 0; i < n; i++) buf.add(ex(String(i), 'a'));
    for (const e of buf.examples()) counts[Number(e.text)]++;
  }
  const expected = (trials * 10) / n;
  // 29 degrees of freedom: the 99.9% point is 58.3.
  assert.ok(chiSquare(counts, expected) < 58.3, `chi-square ${chiSquare(counts, expected)}; counts ${counts}`);
});

test('uniformity survives shrinking when new classes arrive', () => {
  // A: 40, 12 kept; B arrives and takes one of A's; 20 more A; C takes another; 20 more A: each A kept w.p. 10/80.
  const trials = 4000;
  const counts = new Array<number>(80).fill(0);
  for (let seed = 0; seed < trials; seed++) {
    const buf = new ReplayBuffer(12, seed);
    let a = 0;
    const addA = (k: number): void => {
      for (let i = 0; i < k; i++) buf.add(ex(String(a++), 'A'));
    };
    addA(40);
    buf.add(ex('b', 'B'));
    addA(20);
    buf.add(ex('c', 'C'));
    addA(20);
    for (const e of buf.examples()) if (e.labels[0] === 'A') counts[Number(e.text)]++;
  }
  const expected = (trials * 10) / 80;
  assert.equal(counts.reduce((x, y) => x + y, 0), trials * 10);
  // 79 degrees of freedom: the 99.9% point is 117.3.
  assert.ok(chiSquare(counts, expected) < 117.3, `chi-square ${chiSquare(counts, expected)}; counts ${counts}`);
});

test('a newcomer to a full buffer takes the room of the largest class, which keeps a subset of what it kept', () => {
  const buf = new ReplayBuffer(10, 2);
  for (let i = 0; i < 20; i++) buf.add(ex(`a${i}`, 'A'));
  const before = new Set(buf.examples().map((e) => e.text));
  assert.equal(buf.size, 10);
  assert.equal(buf.add(ex('b0', 'B')), true);
  assert.deepEqual(buf.stats(), [
    { label: 'A', kept: 9, seen: 20 },
    { label: 'B', kept: 1, seen: 1 },
  ]);
  for (const e of buf.examples()) if (e.labels[0] === 'A') assert.ok(before.has(e.text));
  // B grows at A's expense up to A's size (5 each), then only replaces its own.
  for (let i = 1; i < 6; i++) buf.add(ex(`b${i}`, 'B'));
  assert.deepEqual(
    buf.stats().map((s) => s.kept),
    [5, 5],
  );
  // Between equals the first seen gives up its example.
  buf.add(ex('c0', 'C'));
  assert.deepEqual(
    buf.stats().map((s) => s.kept),
    [4, 5, 1],
  );
  // B is the largest: its next example only replaces one of its own, with probability 5 / 7.
  const kept = buf.add(ex('b6', 'B'));
  assert.deepEqual(
    buf.stats().map((s) => s.kept),
    [4, 5, 1],
  );
  assert.equal(buf.examples().some((e) => e.text === 'b6'), kept);
});

test('examples without labels are ignored; the class is the first label', () => {
  const buf = new ReplayBuffer(4);
  assert.equal(buf.add({ text: 'unlabelled', labels: [] }), false);
  assert.equal(buf.add({ text: 'multi', labels: ['x', 'y'] }), true);
  assert.deepEqual(buf.stats(), [{ label: 'x', kept: 1, seen: 1 }]);
});

test('JSON round trip: identical state and identical future behaviour, integer-like labels included', () => {
  const first = stream({ b: 300, '1': 40, '0': 7 }, 4);
  const later = [...stream({ b: 100, '10': 30, '0': 20 }, 5), ...stream({ z: 3 }, 6)];
  const buf = new ReplayBuffer(25, 9);
  buf.addAll(first);
  buf.sample(5);
  const state = buf.toState();
  const json = JSON.parse(JSON.stringify(state)) as ReplayState;
  assert.deepEqual(json, state);
  const copy = ReplayBuffer.fromState(json);
  assert.deepEqual(copy.toState(), state);
  buf.addAll(later);
  copy.addAll(later);
  assert.deepEqual(copy.sample(7), buf.sample(7));
  assert.deepEqual(copy.toState(), buf.toState());
  assert.deepEqual(copy.split(0.3), buf.split(0.3));
});

test('a state without `classes` loads, ordering classes by their examples', () => {
  const buf = new ReplayBuffer(6, 1);
  buf.addAll(stream({ x: 9, y: 9 }, 2));
  const { classes, ...rest } = buf.toState();
  assert.deepEqual(ReplayBuffer.fromState(rest).toState(), { ...rest, classes });
});

test('sample: deterministic, without duplicates, all when n >= size', () => {
  const make = (): ReplayBuffer => {
    const b = new ReplayBuffer(30, 21);
    b.addAll(stream({ p: 50, q: 20, r: 5 }, 3));
    return b;
  };
  const [a, b] = [make(), make()];
  const s1 = a.sample(12);
  assert.deepEqual(b.sample(12), s1);
  assert.equal(new Set(s1.map((e) => e.text)).size, 12);
  assert.notDeepEqual(a.sample(12), s1, 'the buffer rng advances');
  const all = a.sample(1000);
  assert.equal(all.length, a.size);
  assert.deepEqual(new Set(all.map((e) => e.text)), new Set(a.examples().map((e) => e.text)));
  assert.deepEqual(a.sample(0), []);
  assert.throws(() => a.sample(-1), RangeError);
  assert.throws(() => a.sample(1.5), RangeError);
  const before = a.toState();
  assert.deepEqual(a.sample(5, new Rng(1)), a.sample(5, new Rng(1)));
  assert.deepEqual(a.toState(), before, 'an outside rng leaves the buffer alone');
});

test('split: every class with >= 2 kept is held out, partition is exact, buffer unchanged', () => {
  const buf = new ReplayBuffer(40, 8);
  buf.addAll(stream({ a: 100, b: 3, c: 1, d: 2 }, 7));
  const before = buf.toState();
  const { heldOut, rest } = buf.split(0.2);
  assert.deepEqual(buf.split(0.2), { heldOut, rest });
  assert.deepEqual(buf.toState(), before);
  const held = (label: string): number => heldOut.filter((e) => e.labels[0] === label).length;
  assert.deepEqual(['a', 'b', 'c', 'd'].map(held), [7, 1, 0, 1]); // a keeps 34: round(0.2 * 34) = 7; b, d: at least 1; c has one: kept for training
  assert.deepEqual(
    new Set([...heldOut, ...rest].map((e) => e.text)),
    new Set(buf.examples().map((e) => e.text)),
  );
  assert.equal(heldOut.length + rest.length, buf.size);
  for (const label of ['a', 'b', 'd']) assert.ok(rest.some((e) => e.labels[0] === label), `${label} left in rest`);
  for (const f of [0, 1, -0.1, NaN]) assert.throws(() => buf.split(f), RangeError);
});

test('resize: shrinking cuts the largest classes, keeping a subset', () => {
  const buf = new ReplayBuffer(20, 4);
  buf.addAll(stream({ a: 50, b: 50, c: 2 }, 1));
  const before = new Set(buf.examples().map((e) => e.text));
  buf.resize(8);
  assert.deepEqual(
    buf.stats().map((s) => [s.label, s.kept]).sort(),
    [['a', 3], ['b', 3], ['c', 2]],
  );
  for (const e of buf.examples()) assert.ok(before.has(e.text));
  assert.throws(() => buf.resize(-1), RangeError);
  assert.throws(() => new ReplayBuffer(2.5), RangeError);
});

const badStates: Array<[string, (s: ReplayState) => unknown, RegExp]> = [
  ['negative draws', (s) => ({ ...s, draws: -1 }), /draws must be a non-negative integer/],
  ['unknown class', (s) => ({ ...s, examples: [...s.examples, ex('x', 'zz')] }), /class "zz", which is not in seen/],
  ['classes mismatch', (s) => ({ ...s, classes: ['a'] }), /must list each label of seen/],
  ['over capacity', (s) => ({ ...s, capacity: 3 }), /keeps 4 examples, more than its capacity 3/],
  ['kept > seen', (s) => ({ ...s, seen: { a: 1, b: 2 } }), /class "a" keeps more examples than the 1 it has seen/],
  ['bad seen', (s) => ({ ...s, seen: { a: 0, b: 2 } }), /seen\["a"\] must be a positive integer/],
  ['bad example', (s) => ({ ...s, examples: [{ text: 'x', labels: [] }] }), /examples\[0\] is not an example/],
  ['not an object', () => null, /expected an object/],
];
for (const [name, corrupt, message] of badStates) {
  test(`fromState rejects a bad state: ${name}`, () => {
    const buf = new ReplayBuffer(4, 0);
    buf.addAll([ex('a1', 'a'), ex('a2', 'a'), ex('b1', 'b'), ex('b2', 'b')]);
    assert.throws(() => ReplayBuffer.fromState(corrupt(buf.toState()) as ReplayState), message);
  });
}

// Mirrors of the TSDoc @example lines.
function classExample(): ReplayBuffer {
  const buf = new ReplayBuffer(3, 7);
  buf.addAll([ex('a1', 'a'), ex('a2', 'a'), ex('a3', 'a'), ex('b1', 'b')]);
  return buf;
}
test('example: ReplayBuffer, stats', () => {
  assert.deepEqual(classExample().stats(), [
    { label: 'a', kept: 2, seen: 3 },
    { label: 'b', kept: 1, seen: 1 },
  ]);
});
test('example: examples', () => assert.deepEqual(classExample().examples().map((e) => e.text), ['a1', 'a2', 'b1']));
test('example: fromState', () => {
  const buf = classExample();
  assert.deepEqual(ReplayBuffer.fromState(JSON.parse(JSON.stringify(buf.toState()))).stats(), buf.stats());
});
test('example: toState', () => {
  assert.deepEqual(new ReplayBuffer(2, 1).toState(), { capacity: 2, seed: 1, draws: 0, seen: {}, examples: [], classes: [] });
});
test('example: add, addAll, sample, split, resize', () => {
  assert.equal(new ReplayBuffer(1).add({ text: 'hi', labels: ['greet'] }), true);
  const b3 = new ReplayBuffer(3);
  b3.addAll([{ text: 'x', labels: ['a'] }, { text: 'y', labels: [] }]);
  assert.equal(b3.size, 1);
  const buf = classExample();
  assert.equal(buf.sample(2).length, 2);
  assert.deepEqual(buf.split(0.5).heldOut.map((e) => e.labels[0]), ['a']);
  buf.resize(2);
  assert.equal(buf.size, 2);
});
test('example: replayState helpers', () => {
  assert.throws(() => checkCapacity(-1), { message: 'replay capacity must be a non-negative integer, got -1' });
  assert.throws(() => checkSeed(0.5), { message: 'replay seed must be an integer, got 0.5' });
  assert.deepEqual(copyExample({ text: 'x', labels: ['a'], weight: undefined }), { text: 'x', labels: ['a'] });
  const s = { capacity: 2, seed: 0, draws: 0, seen: { a: 1 }, examples: [ex('x', 'a')] };
  assert.deepEqual(readReplayState(s).classes, [{ label: 'a', seen: 1, kept: [ex('x', 'a')] }]);
});

test('examples(): every kept example once, class by class in first-seen order, also past 1,024 classes', () => {
  const b = new ReplayBuffer(10_000, 1);
  for (let i = 0; i < 2 * 3000; i++) b.add({ text: `t${i}`, labels: [`c${i % 3000}`] });
  const all = b.examples();
  assert.equal(all.length, 6000);
  const expected = Array.from({ length: 3000 }, (_, c) => [`t${c}`, `t${c + 3000}`]).flat();
  assert.deepEqual(all.map((e) => e.text), expected);
});
