/** The model-size bound of autotune: what a trial's input matrix takes, and settings shrunk to fit. */
import type { Config } from '../../config.js';
import { ConfigError } from '../../errors.js';
import { inputRowsOf } from '../../features/featurizer.js';
import { BUCKETS, DIMS, type TrialSettings } from './space.js';

export const DEFAULT_MODEL_SIZE = 1 << 30;
const MIN_BUCKET = BUCKETS[0];

/** The model's input-matrix bytes for these settings and a vocabulary of `words` words. */
export function modelBytes(s: Pick<Config, 'dim' | 'bucket' | 'wordNgrams' | 'minn' | 'maxn' | 'hashing'>, words: number): number {
  return inputRowsOf(s, words) * s.dim * 4;
}

/**
 * The settings shrunk to fit `limit` bytes: the bucket first (along its grid, down to 10,000), then the dimension,
 * then the n-grams. Throws a ConfigError when even the words alone at dimension 1 do not fit.
 */
export function fitModelSize(s: TrialSettings, hashing: Config['hashing'], words: number, limit: number): TrialSettings {
  const out = { ...s };
  const bytes = () => modelBytes({ ...out, hashing }, words);
  const buckets = () => out.wordNgrams > 1 || out.maxn > 0;
  while (bytes() > limit) {
    if (buckets() && out.bucket > MIN_BUCKET) {
      // The largest grid value that fits (so that trials keep sharing featurised data), else 10,000.
      const fits = Math.floor(limit / (4 * out.dim)) - words;
      out.bucket = [...BUCKETS].reverse().find((b) => b <= fits && b < out.bucket) ?? MIN_BUCKET;
    } else if (out.dim > 1) {
      const rows = inputRowsOf({ ...out, hashing }, words);
      const lower = [...DIMS].reverse().find((d) => d < out.dim && rows * d * 4 <= limit);
      out.dim = lower ?? Math.max(1, Math.min(out.dim - 1, Math.floor(limit / (4 * rows))));
    } else if (buckets()) {
      out.wordNgrams = 1;
      out.minn = 0;
      out.maxn = 0;
    } else {
      throw new ConfigError([`autotune modelSize ${limit} is too small: the ${words} words alone take ${words * 4} bytes at dimension 1`]);
    }
  }
  return out;
}
