/**
 * What autotune searches: one entry per dimension in SPACE, each saying which Config keys it sets
 * and how it draws a value near the best trial's. Adding a dimension is one entry.
 *
 * The spreads are fastText's (autotune.cc): log2 steps of sigma 2.8 -> 2.5 for epoch, 1.9 -> 1.0
 * for lr; wordNgrams linear 4.3 -> 2.4; dim, bucket and the char n-gram range step along their grids
 * with spreads of about fastText's (1.4 -> 0.3 and 2.0 -> 1.5 in log2, 4.0 -> 1.4 in choices). The
 * hidden layer (which fastText lacks) steps along its grid, 0 (none) first.
 */
import type { Config, Loss } from '../../config.js';
import { LOSSES } from '../../config.js';
import type { Rng } from '../../util/rng.js';

/** The dimensions the search picks from. */
export const DIMS = [8, 16, 32, 50, 64, 100, 150, 200, 300] as const;
/** The char n-gram ranges the search picks from (minn, maxn); 0, 0 = none. */
export const CHAR_NGRAMS: readonly (readonly [number, number])[] = [
  [0, 0],
  [1, 2],
  [2, 4],
  [2, 5],
  [3, 5],
  [3, 6],
];
/**
 * The bucket counts the search picks from (10k to 10M, as fastText's range, on a log grid): a grid
 * rather than a continuum so that trials near the best share their feature settings, and with them
 * their featurised data (see FeatureCache).
 */
export const BUCKETS = [10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000] as const;
/** Hidden-layer widths the search picks from; 0 = none (fastText's architecture, and the start). */
export const HIDDENS = [0, 16, 32, 64, 128] as const;
/**
 * L2 weight decays the search picks from; 0 = none (the start). With bagNorm 'l2' and the hinge loss
 * it is what matched scikit-learn's linear SVM on long documents (docs/decisions.md).
 */
export const WEIGHT_DECAYS = [0, 1e-5, 1e-4, 1e-3] as const;

/** fastText's shrinking spread: `start` until t = 0.25, then linearly down to `end` at t = 0.75. */
export function sigma(start: number, end: number, t: number): number {
  return start - ((start - end) / 0.5) * Math.min(0.5, Math.max(t - 0.25, 0));
}

export function gauss(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** What a draw sees: the search's progress t in [0, 1], its random numbers, and whether the loss may change. */
export interface Draw {
  t: number;
  rng: Rng;
  /** False for multi-label data, where only one loss fits. */
  searchLoss: boolean;
}

type Near = (best: Readonly<Config>, d: Draw) => Partial<Config>;

/** A value stepped in log2 space by a Gaussian of spread sigma(start, end, t). */
const log2Step =
  (key: 'epoch' | 'lr', lo: number, hi: number, start: number, end: number, round: (x: number) => number): Near =>
  (best, d) => ({ [key]: round(clamp(best[key] * 2 ** (gauss(d.rng) * sigma(start, end, d.t)), lo, hi)) });

/** A value stepped along a grid by a Gaussian number of places. */
const gridStep =
  (key: 'dim' | 'bucket' | 'hidden' | 'weightDecay', grid: readonly number[], start: number, end: number): Near =>
  (best, d) => {
    const at = grid.findIndex((x) => x >= best[key]);
    const from = at < 0 ? grid.length - 1 : at;
    return { [key]: grid[clamp(Math.round(from + gauss(d.rng) * sigma(start, end, d.t)), 0, grid.length - 1)] };
  };

/**
 * The search space: the Config keys of each dimension (fixed together when the caller sets any of
 * them, as fastText keeps what it is given) and its draw near the best trial's settings. The draws
 * are made in this order for every trial whether or not a dimension is fixed, so fixing one does not
 * reshuffle the others.
 */
export const SPACE = [
  { keys: ['epoch'], near: log2Step('epoch', 1, 100, 2.8, 2.5, Math.round) },
  { keys: ['lr'], near: log2Step('lr', 0.01, 5, 1.9, 1.0, (x) => Number(x.toPrecision(3))) },
  { keys: ['dim'], near: gridStep('dim', DIMS, 1.6, 0.4) },
  { keys: ['wordNgrams'], near: (b, d) => ({ wordNgrams: Math.round(clamp(b.wordNgrams + gauss(d.rng) * sigma(4.3, 2.4, d.t), 1, 5)) }) },
  { keys: ['minn', 'maxn'], near: charNgramsNear },
  { keys: ['bucket'], near: gridStep('bucket', BUCKETS, 1.8, 1.4) },
  { keys: ['loss'], near: (b, d) => (d.rng.next() < 0.3 * (1 - d.t) && d.searchLoss ? { loss: otherLoss(b.loss) } : {}) },
  { keys: ['hidden'], near: gridStep('hidden', HIDDENS, 1.2, 0.6) },
  // Long documents: the bag divided by its L2 norm rather than averaged ('sqrt' diverges at the
  // high rates the search tries, so it is left out), and L2 regularisation.
  { keys: ['bagNorm'], near: (b, d) => (d.rng.next() < 0.3 * (1 - d.t) ? { bagNorm: b.bagNorm === 'l2' ? 'mean' : 'l2' } : {}) },
  { keys: ['weightDecay'], near: gridStep('weightDecay', WEIGHT_DECAYS, 1.0, 0.5) },
] as const satisfies readonly { keys: readonly (keyof Config)[]; near: Near }[];

/** The settings the search samples. */
export type Searched = (typeof SPACE)[number]['keys'][number];
export const SEARCHED: readonly Searched[] = SPACE.flatMap((d) => d.keys);
/** The settings of one trial. */
export type TrialSettings = Pick<Config, Searched>;

function charNgramsNear(best: Readonly<Config>, d: Draw): Partial<Config> {
  const at = Math.max(0, CHAR_NGRAMS.findIndex(([a, b]) => a === best.minn && b === best.maxn));
  const [minn, maxn] = CHAR_NGRAMS[clamp(Math.round(at + gauss(d.rng) * sigma(4.0, 1.4, d.t)), 0, CHAR_NGRAMS.length - 1)];
  return { minn, maxn };
}

/** The loss a flip of the search tries next: softmax and ova take turns; hinge (one-vs-all, for long documents) follows ova. */
function otherLoss(loss: Loss): Loss {
  const next: Record<Loss, Loss> = { softmax: 'ova', ova: 'hinge', hinge: 'softmax' };
  return LOSSES.includes(next[loss]) ? next[loss] : loss;
}

/** The searched settings of a config (only the `keys` given). */
export function settingsOf(cfg: Readonly<Config>, keys: Iterable<Searched> = SEARCHED): TrialSettings {
  return Object.fromEntries([...keys].map((k) => [k, cfg[k]])) as TrialSettings;
}

/**
 * Settings near `best`: the further the search has gone (t in [0, 1]), the nearer. `fixed`
 * settings keep best's value (and a dimension of several keys stays whole when any is fixed).
 */
export function sampleAround(best: TrialSettings, t: number, rng: Rng, searchLoss: boolean, fixed: ReadonlySet<Searched> = new Set()): TrialSettings {
  const out = { ...best };
  const from = best as unknown as Config;
  for (const dim of SPACE) {
    const drawn = dim.near(from, { t, rng, searchLoss });
    if (!dim.keys.some((k) => fixed.has(k))) Object.assign(out, drawn);
  }
  return out;
}
