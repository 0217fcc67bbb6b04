/** Argument checks and `ReplayState` validation for the replay buffer, kept apart so replay.ts reads as the algorithm. */
import type { Example } from '../data/example.js';

/** The buffer as plain JSON: `JSON.parse(JSON.stringify(s))` restores identical future behaviour. */
export interface ReplayState {
  capacity: number;
  seed: number;
  /** Number of rng draws made so far; replayed on load to restore the rng position. */
  draws: number;
  /** Examples ever offered, per class. */
  seen: Record<string, number>;
  /** Kept examples, grouped per class (in `classes` order). */
  examples: Example[];
  /**
   * Classes in first-seen order (among classes keeping as many, the first seen gives up an example first). Always written;
   * optional on load, where it defaults to the order of `examples`, then of `seen`'s keys. Needed because
   * JSON objects do not keep insertion order for integer-like keys such as "0" and "1".
   */
  classes?: string[];
}

/** A class as stored in a validated state. */
export interface StateClass {
  label: string;
  seen: number;
  kept: Example[];
}

/**
 * Throws a RangeError unless `capacity` is a non-negative integer.
 * @example
 * checkCapacity(-1); // RangeError: replay capacity must be a non-negative integer, got -1
 */
export function checkCapacity(capacity: number): void {
  if (!Number.isSafeInteger(capacity) || capacity < 0) {
    throw new RangeError(`replay capacity must be a non-negative integer, got ${capacity}`);
  }
}

/**
 * Throws a RangeError unless `seed` is an integer.
 * @example
 * checkSeed(0.5); // RangeError: replay seed must be an integer, got 0.5
 */
export function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`replay seed must be an integer, got ${seed}`);
}

/**
 * A copy with only the Example fields, and no `undefined` ones, so that a JSON round trip is exact.
 * @example
 * copyExample({ text: 'x', labels: ['a'], weight: undefined }); // { text: 'x', labels: ['a'] }
 */
export function copyExample(e: Example): Example {
  const out: Example = { text: e.text, labels: [...e.labels] };
  if (e.weight !== undefined) out.weight = e.weight;
  if (e.time !== undefined) out.time = e.time;
  return out;
}

function fail(problem: string): never {
  throw new RangeError(`replay state: ${problem}`);
}

function isExample(e: unknown): e is Example {
  if (typeof e !== 'object' || e === null) return false;
  const x = e as Record<string, unknown>;
  return (
    typeof x.text === 'string' &&
    Array.isArray(x.labels) &&
    x.labels.length > 0 &&
    x.labels.every((l) => typeof l === 'string') &&
    (x.weight === undefined || typeof x.weight === 'number') &&
    (x.time === undefined || typeof x.time === 'string')
  );
}

/**
 * Checks a saved state and returns its classes in first-seen order; throws a RangeError naming the first problem.
 * @example
 * readReplayState({ capacity: 2, seed: 0, draws: 0, seen: { a: 1 }, examples: [{ text: 'x', labels: ['a'] }] }).classes;
 * // [{ label: 'a', seen: 1, kept: [{ text: 'x', labels: ['a'] }] }]
 */
export function readReplayState(s: ReplayState): { capacity: number; seed: number; draws: number; classes: StateClass[] } {
  if (typeof s !== 'object' || s === null) fail('expected an object');
  checkCapacity(s.capacity);
  checkSeed(s.seed);
  if (!Number.isSafeInteger(s.draws) || s.draws < 0) fail(`draws must be a non-negative integer, got ${s.draws}`);
  if (typeof s.seen !== 'object' || s.seen === null || Array.isArray(s.seen)) fail('seen must be an object of counts');
  if (!Array.isArray(s.examples)) fail('examples must be an array');
  const seen = new Map(Object.entries(s.seen));
  for (const [label, n] of seen) {
    if (!Number.isSafeInteger(n) || n < 1) fail(`seen["${label}"] must be a positive integer, got ${n}`);
  }
  const order = s.classes ?? [...s.examples.map((e) => (isExample(e) ? e.labels[0] : '')), ...seen.keys()];
  if (!Array.isArray(order)) fail('classes must be an array of labels');
  const classes = new Map<string, StateClass>();
  for (const label of order) if (seen.has(label) && !classes.has(label)) classes.set(label, { label, seen: seen.get(label) ?? 0, kept: [] });
  if (s.classes !== undefined && (classes.size !== s.classes.length || classes.size !== seen.size)) {
    fail(`classes [${s.classes.join(', ')}] must list each label of seen [${[...seen.keys()].join(', ')}] once`);
  }
  s.examples.forEach((e, i) => {
    if (!isExample(e)) fail(`examples[${i}] is not an example with text and at least one label`);
    const c = classes.get(e.labels[0]);
    if (!c) fail(`examples[${i}] has class "${e.labels[0]}", which is not in seen`);
    c.kept.push(copyExample(e));
    if (c.kept.length > c.seen) fail(`class "${c.label}" keeps more examples than the ${c.seen} it has seen`);
  });
  return { capacity: s.capacity, seed: s.seed, draws: s.draws, classes: [...classes.values()] };
}
