/** A small, fast, seedable PRNG (mulberry32): same seed, same sequence, on every platform. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = (seed ^ 0x9e3779b9) >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /**
   * k distinct items of `items` (all of them when k >= their number), uniformly, in random order:
   * a Fisher-Yates shuffle stopped after k steps, whose swaps are kept in a Map, so it costs O(k)
   * however long the list (a replay memory of 50,000 for one piece of feedback).
   */
  sample<T>(items: readonly T[], k: number): T[] {
    const n = items.length;
    const take = Math.min(k, n);
    const moved = new Map<number, number>();
    const out: T[] = new Array(take);
    for (let i = 0; i < take; i++) {
      const j = i + this.int(n - i);
      out[i] = items[moved.get(j) ?? j];
      moved.set(j, moved.get(i) ?? i);
    }
    return out;
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }
}
