/**
 * The benchmark's hyperparameters: identical for both tools, chosen where fastText 0.9.2 does well
 * (one thread, seed 1, on the benchmark's own split; see bench/README.md for the grid tried).
 */
import type { Config } from '../config.js';
import type { DatasetName } from '../datasets/index.js';

/** The settings both tools are given (those of Config). */
export type HyperParams = Pick<Config, 'dim' | 'epoch' | 'lr' | 'wordNgrams' | 'minn' | 'maxn' | 'bucket'>;

export const HYPERPARAMS: Readonly<Record<DatasetName, HyperParams>> = {
  // Accuracy is flat across lr 0.2–1.0, epoch 5–10, dim 50–100 and bucket 0.5M–2M (0.980 for all);
  // a 500k bucket keeps the model at 112 MB instead of 412 MB for a 6k-message corpus.
  'spam-assassin': { dim: 50, epoch: 5, lr: 0.5, wordNgrams: 2, minn: 0, maxn: 0, bucket: 500_000 },
  // Character n-grams (minn 3, maxn 6) cost fastText 2.5 points here (0.743 vs 0.766) and triple
  // the training time; lr 1.0 for 5 epochs matches lr 0.5 for 10 epochs at half the time.
  wordnet: { dim: 100, epoch: 5, lr: 1.0, wordNgrams: 2, minn: 0, maxn: 0, bucket: 2_000_000 },
};

export const HYPERPARAM_KEYS: readonly (keyof HyperParams)[] = ['dim', 'epoch', 'lr', 'wordNgrams', 'minn', 'maxn', 'bucket'];

/** The flags of both command lines, in the same order: `-dim 50 ...` for fastText, `--dim 50 ...` for Accrete. */
export function hyperParamFlags(hp: HyperParams, dash: '-' | '--'): string[] {
  return HYPERPARAM_KEYS.flatMap((key) => [`${dash}${key}`, String(hp[key])]);
}
