/**
 * Page-Hinkley test for a rise in the mean of a stream [^1][^2], run on the live error stream
 * (1 = the serving model was wrong about a piece of feedback, 0 = right): it accumulates how far
 * each value sits above the running mean (less a tolerance `delta`) and fires when that sum climbs
 * more than `threshold` above its lowest point. With delta 0.005 and threshold 20, a jump of the
 * error rate from 10% to 50% is caught after about 50 events, and a steady rate never fires.
 *
 * [^1]: E. S. Page (1954). Continuous inspection schemes. Biometrika 41(1/2), 100-115.
 * [^2]: J. Gama, R. Sebastiao, P. P. Rodrigues (2013). On evaluating stream learning algorithms.
 *       Machine Learning 90, 317-346 (the fading factor `alpha`). River's PageHinkley uses the same names.
 */
export interface PageHinkleyOptions {
  /** Tolerated rise of the mean (default 0.005). */
  delta: number;
  /** How far the cumulative sum may climb above its minimum before drift is signalled (default 20). */
  threshold: number;
  /** Fading factor of the cumulative sum (default 0.9999). */
  alpha: number;
  /** No signal before this many values (default 30). */
  minInstances: number;
}

export const PAGE_HINKLEY_DEFAULTS: PageHinkleyOptions = { delta: 0.005, threshold: 20, alpha: 0.9999, minInstances: 30 };

export interface DriftState {
  detector: 'page-hinkley';
  n: number;
  mean: number;
  /** The test statistic (cumulative sum above its minimum) and the level at which it fires. */
  statistic: number;
  threshold: number;
  drift: boolean;
}

export class PageHinkley {
  private n = 0;
  private mean = 0;
  private sum = 0;
  private min = 0;
  private drifted = false;
  readonly options: PageHinkleyOptions;

  constructor(options: Partial<PageHinkleyOptions> = {}) {
    this.options = { ...PAGE_HINKLEY_DEFAULTS, ...options };
  }

  /** Adds one value; true when this value makes the test fire (it stays in drift until reset). */
  update(x: number): boolean {
    const { delta, alpha, threshold, minInstances } = this.options;
    this.n++;
    this.mean += (x - this.mean) / this.n;
    this.sum = alpha * this.sum + (x - this.mean - delta);
    this.min = Math.min(this.min, this.sum);
    const fired = !this.drifted && this.n >= minInstances && this.sum - this.min > threshold;
    if (fired) this.drifted = true;
    return fired;
  }

  /**
   * Feeds values seen before a restart, so the test goes on where it was rather than from zero (from
   * zero, a stream that is already all errors sets the mean to 1 and never fires). Replayed values
   * count towards the warm-up but signal nothing: whatever they showed was acted on before the restart.
   */
  replay(values: Iterable<number>): void {
    for (const x of values) this.update(x);
  }

  /** Starts over (after the model changed, the old error stream says nothing about the new one). */
  reset(): void {
    this.n = this.mean = this.sum = this.min = 0;
    this.drifted = false;
  }

  state(): DriftState {
    return { detector: 'page-hinkley', n: this.n, mean: this.mean, statistic: this.sum - this.min, threshold: this.options.threshold, drift: this.drifted };
  }
}

/**
 * The trailing run of `recent` outcomes (oldest first) of the version serving now: the detector is
 * reset when a version is swapped in, so only those belong in its state after a restart.
 */
export function servedSinceSwap(recent: readonly { error: number; version: string | null }[], version: string): number[] {
  let start = recent.length;
  while (start > 0 && recent[start - 1].version === version) start--;
  return recent.slice(start).map((e) => e.error);
}
