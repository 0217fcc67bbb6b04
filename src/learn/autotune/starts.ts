/**
 * Informed starts: the trials after trial 1 that the search runs before its random walk, chosen by
 * the data's shape (the mean number of tokens per text). Each is the start with a few settings
 * changed together, the settings that won on corpora of that shape but lie several steps of the walk
 * away from the start, where a one-minute search rarely gets (docs/decisions.md):
 * - long documents (SpamAssassin): the bag divided by its L2 norm, the hinge loss and L2
 *   regularisation, as scikit-learn's linear SVM, which beat the averaged bag and softmax there;
 * - texts of a word or two (first names): a wider table, more dimensions and many more passes than
 *   the data-fitted defaults give a small corpus (which keep its model under 10x its bytes),
 *   with char n-grams on, since only characters can place an unseen word;
 * - texts in between (WordNet glosses): none; no such change beat the start there.
 */
import type { Searched, TrialSettings } from './space.js';

/** Texts of at least this many tokens on average are long documents. */
export const LONG_TOKENS = 50;
/** Texts of fewer than this many tokens on average are short (a word or two). */
export const SHORT_TOKENS = 3;

export type DataShape = 'long' | 'short' | 'middle';

export function shapeOf(meanTokens: number): DataShape {
  return meanTokens >= LONG_TOKENS ? 'long' : meanTokens < SHORT_TOKENS ? 'short' : 'middle';
}

/** The changes to the start each informed start makes, in the order they run (trials 2, 3, ...). */
export const INFORMED_STARTS: Readonly<Record<DataShape, readonly Partial<TrialSettings>[]>> = {
  long: [
    { bagNorm: 'l2', loss: 'hinge', weightDecay: 1e-3, bucket: 1_000_000 },
    { bagNorm: 'l2', loss: 'hinge', weightDecay: 1e-4 },
  ],
  short: [
    { dim: 32, epoch: 50, bucket: 200_000 },
    { dim: 64, epoch: 100, lr: 0.2, bucket: 500_000 },
  ],
  middle: [],
};

/** Char n-grams a short-text start turns on when the start has none. */
const SHORT_CHARS = { minn: 2, maxn: 5 } as const;

/**
 * The informed starts for data of this shape: the start with each change applied, but for the fixed
 * settings (a dimension of several keys, minn/maxn, stays whole), and for the loss when it is not
 * searched (multi-label data). Starts that come out the same as the start or an earlier one are dropped.
 */
export function informedStarts(start: TrialSettings, shape: DataShape, searchLoss: boolean, fixed: ReadonlySet<Searched>): TrialSettings[] {
  const out: TrialSettings[] = [];
  const same = (a: TrialSettings, b: TrialSettings) => (Object.keys(a) as Searched[]).every((k) => a[k] === b[k]);
  for (const change of INFORMED_STARTS[shape]) {
    const s = { ...start };
    const chars = shape === 'short' && start.maxn === 0 ? SHORT_CHARS : {};
    for (const [k, v] of Object.entries({ ...change, ...chars }) as [Searched, never][]) {
      const keys: Searched[] = k === 'minn' || k === 'maxn' ? ['minn', 'maxn'] : [k];
      if (keys.some((x) => fixed.has(x)) || (k === 'loss' && !searchLoss)) continue;
      s[k] = v;
    }
    if (!same(s, start) && !out.some((o) => same(o, s))) out.push(s);
  }
  return out;
}
