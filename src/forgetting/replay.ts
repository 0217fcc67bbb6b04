/**
 * A class-balanced reservoir replay buffer: a bounded, uniform memory of past examples per class,
 * mixed into later updates so the model keeps seeing every class it has learned (Avalanche's
 * `ClassBalancedBuffer` idea, without its plugin machinery).
 *
 * Each class seen so far gets an equal share `floor(capacity / classes)` of the capacity (the remainder
 * goes to the classes seen first). Within a class, Algorithm R keeps a uniform sample of every example
 * of that class ever offered, so each is kept with probability `share / seen`.
 *
 * References:
 * - J. S. Vitter, "Random sampling with a reservoir", ACM TOMS 11(1), 1985 (Algorithm R).
 * - Avalanche (ContinualAI), `ClassBalancedBuffer` / `ReservoirSamplingBuffer`.
 */
import type { Example } from '../data/example.js';
import { Rng } from '../util/rng.js';
import { checkCapacity, checkSeed, copyExample, readReplayState, type ReplayState, type StateClass } from './replayState.js';

export type { ReplayState } from './replayState.js';

/**
 * A class-balanced reservoir replay buffer (Vitter 1985, Algorithm R, per class).
 * @example
 * const buf = new ReplayBuffer(4, 7);
 * buf.addAll([{ text: 'a1', labels: ['a'] }, { text: 'a2', labels: ['a'] }, { text: 'a3', labels: ['a'] }, { text: 'b1', labels: ['b'] }]);
 * buf.stats(); // [{ label: 'a', kept: 2, seen: 3 }, { label: 'b', kept: 1, seen: 1 }]
 */
export class ReplayBuffer {
  private cap: number;
  private readonly seed: number;
  private readonly rng: Rng;
  private draws = 0;
  /** In first-seen order; `kept` is oldest first (a replaced member is removed and the newcomer appended). */
  private readonly classes: StateClass[] = [];
  /** Label to index in `classes`. */
  private readonly byLabel = new Map<string, number>();

  /** `capacity` is a non-negative integer (0 keeps nothing); `seed` (default 0) fixes every random choice. */
  constructor(capacity: number, seed = 0) {
    checkCapacity(capacity);
    checkSeed(seed);
    this.cap = capacity;
    this.seed = seed;
    this.rng = new Rng(seed);
  }

  /**
   * Restores a buffer saved with `toState()`; throws a RangeError naming the first inconsistency.
   * @example
   * ReplayBuffer.fromState(JSON.parse(JSON.stringify(buf.toState()))).stats(); // same as buf.stats()
   */
  static fromState(s: ReplayState): ReplayBuffer {
    const r = readReplayState(s);
    const buf = new ReplayBuffer(r.capacity, r.seed);
    for (let i = 0; i < r.draws; i++) buf.rng.next();
    buf.draws = r.draws;
    for (const c of r.classes) buf.addClass(c.label, c.seen, c.kept);
    const tooMany = buf.classes.findIndex((c, k) => c.kept.length > buf.share(k));
    if (tooMany >= 0) {
      const c = buf.classes[tooMany];
      throw new RangeError(`replay state: class "${c.label}" keeps ${c.kept.length}, more than its share ${buf.share(tooMany)}`);
    }
    return buf;
  }

  /**
   * The buffer as plain JSON-serializable data (a deep copy).
   * @example
   * new ReplayBuffer(2, 1).toState(); // { capacity: 2, seed: 1, draws: 0, seen: {}, examples: [], classes: [] }
   */
  toState(): ReplayState {
    return {
      capacity: this.cap,
      seed: this.seed,
      draws: this.draws,
      seen: Object.fromEntries(this.classes.map((c) => [c.label, c.seen])),
      examples: this.examples().map(copyExample),
      classes: this.classes.map((c) => c.label),
    };
  }

  get capacity(): number {
    return this.cap;
  }

  get size(): number {
    return this.classes.reduce((n, c) => n + c.kept.length, 0);
  }

  /**
   * Offers one example; returns whether it was kept. Its class is its first label; no label: not kept.
   * @example
   * new ReplayBuffer(1).add({ text: 'hi', labels: ['greet'] }); // true
   */
  add(example: Example): boolean {
    const label = example.labels[0];
    if (label === undefined) return false;
    let k = this.byLabel.get(label);
    if (k === undefined) {
      k = this.classes.length;
      this.addClass(label, 0, []);
      this.rebalance();
    }
    const c = this.classes[k];
    c.seen++;
    const share = this.share(k);
    if (c.kept.length < share) {
      c.kept.push(copyExample(example));
      return true;
    }
    if (share === 0) return false;
    // Algorithm R: the i-th example of a class replaces a uniform member with probability share / i.
    const j = this.draw(c.seen);
    if (j >= share) return false;
    c.kept.splice(j, 1);
    c.kept.push(copyExample(example));
    return true;
  }

  /**
   * Offers each example in turn.
   * @example
   * const b = new ReplayBuffer(3); b.addAll([{ text: 'x', labels: ['a'] }, { text: 'y', labels: [] }]); b.size; // 1
   */
  addAll(examples: Iterable<Example>): void {
    for (const e of examples) this.add(e);
  }

  /**
   * All kept examples (a new array; the examples themselves are shared, do not mutate them), per class in first-seen order, oldest first.
   * @example
   * buf.examples().map((e) => e.text); // ['a1', 'a2', 'b1'] for the class example above
   */
  examples(): Example[] {
    return this.classes.flatMap((c) => c.kept);
  }

  /**
   * n examples drawn without replacement, in random order (all of them, shuffled, when n >= size).
   * Uses and advances the buffer's rng unless an `rng` is given, which leaves the buffer untouched.
   * @example
   * buf.sample(2).length; // 2
   */
  sample(n: number, rng?: Rng): Example[] {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`sample size must be a non-negative integer, got ${n}`);
    const all = this.examples();
    const k = Math.min(n, all.length);
    for (let i = 0; i < k; i++) {
      const j = i + (rng ? rng.int(all.length - i) : this.draw(all.length - i));
      const tmp = all[i];
      all[i] = all[j];
      all[j] = tmp;
    }
    all.length = k;
    return all;
  }

  /**
   * Per-class counts of kept examples and of examples ever offered, in first-seen order.
   * @example
   * buf.stats(); // [{ label: 'a', kept: 2, seen: 3 }, { label: 'b', kept: 1, seen: 1 }]
   */
  stats(): { label: string; kept: number; seen: number }[] {
    return this.classes.map((c) => ({ label: c.label, kept: c.kept.length, seen: c.seen }));
  }

  /**
   * Splits the kept examples into a held-out part (about `fraction` of each class, at least 1 of any
   * class with >= 2 kept, never all of it) and the rest: the gate's guard set when the user gives none.
   * Deterministic for the buffer's state, and does not change what the buffer keeps later.
   * @example
   * buf.split(0.5).heldOut.map((e) => e.labels[0]); // ['a'] (class b has a single example, so it stays in rest)
   */
  split(fraction: number): { heldOut: Example[]; rest: Example[] } {
    if (!(fraction > 0 && fraction < 1)) throw new RangeError(`split fraction must be in (0, 1), got ${fraction}`);
    // A separate rng: calling split must not change which examples later adds keep.
    const rng = new Rng((Math.imul(this.seed, 0x85ebca6b) ^ this.draws) >>> 0);
    const heldOut: Example[] = [];
    const rest: Example[] = [];
    for (const c of this.classes) {
      const m = c.kept.length;
      const h = m < 2 ? 0 : Math.min(m - 1, Math.max(1, Math.round(fraction * m)));
      // O(h) random draws: a memory of 50,000 is split for every update that has no saved guard.
      const out = new Set(rng.sample(c.kept, h));
      for (const e of c.kept) (out.has(e) ? heldOut : rest).push(e);
    }
    return { heldOut, rest };
  }

  /**
   * Changes the capacity. Shrinking drops uniform random members (the sample stays uniform); growing gives
   * the new room to later arrivals (examples dropped earlier are gone, so it is no longer uniform over the whole stream).
   * @example
   * buf.resize(2); buf.size; // 2
   */
  resize(capacity: number): void {
    checkCapacity(capacity);
    this.cap = capacity;
    this.rebalance();
  }

  /** Class k's share: floor(capacity / classes), plus one for the first (capacity mod classes) classes. */
  private share(k: number): number {
    const n = this.classes.length;
    return Math.floor(this.cap / n) + (k < this.cap % n ? 1 : 0);
  }

  /** Drops uniform random members of each class over its share (a uniform subset stays uniform). */
  private rebalance(): void {
    this.classes.forEach((c, k) => {
      const share = this.share(k);
      while (c.kept.length > share) c.kept.splice(this.draw(c.kept.length), 1);
    });
  }

  private addClass(label: string, seen: number, kept: Example[]): void {
    this.byLabel.set(label, this.classes.length);
    this.classes.push({ label, seen, kept });
  }

  /** Uniform integer in [0, n) from the buffer's rng, counted so that `toState` can save the position. */
  private draw(n: number): number {
    this.draws++;
    return this.rng.int(n);
  }
}
