/**
 * Turns tokens into rows of the input matrix: vocabulary words, hashed word n-grams and hashed char
 * n-grams (fastText's scheme). Row layout: hashed rows first, [0, bucket), then one row per word at
 * bucket + wordId, so new words append rows at the end and nothing is ever renumbered.
 */
import type { ModelConfig } from '../config.js';
import { charNgramHashes } from '../text/charNgrams.js';
import { fnv1a32 } from '../text/hash.js';
import type { IntBuffer } from '../util/intBuffer.js';
import type { Vocab } from '../vocab/vocab.js';

/** End-of-text token added to every example, as fastText does: it acts as a learned bias row. */
export const EOS = '</s>';

/** fastText's multiplier for combining token hashes into a word n-gram hash. */
const NGRAM_MULTIPLIER = 116049371;

export type FeatureSpec = Pick<ModelConfig, 'bucket' | 'wordNgrams' | 'minn' | 'maxn'>;

/** Whether a config needs hashed rows at all (fastText drops the buckets when it does not). */
export function usesBuckets(spec: FeatureSpec): boolean {
  return spec.wordNgrams > 1 || spec.maxn > 0;
}

export class Featurizer {
  readonly bucket: number;
  /** Char n-gram rows of vocabulary words, computed once per word. */
  private readonly subwordCache: (Int32Array | undefined)[] = [];
  private readonly hashes: number[] = [];
  private readonly ngramScratch: number[] = [];

  constructor(
    readonly vocab: Vocab,
    readonly spec: FeatureSpec,
  ) {
    this.bucket = usesBuckets(spec) ? spec.bucket : 0;
  }

  /** Number of input-matrix rows the current vocabulary needs. */
  get inputRows(): number {
    return this.bucket + this.vocab.wordCount;
  }

  /** Drops cached subwords of word ids >= `wordId` (after a rejected update removed those words). */
  forgetFrom(wordId: number): void {
    this.subwordCache.length = Math.min(this.subwordCache.length, wordId);
  }

  /** Appends the input rows of `tokens` (plus the end-of-text token) to `out`. */
  featurize(tokens: readonly string[], out: IntBuffer): void {
    const { vocab, bucket, spec } = this;
    const hashes = this.hashes;
    hashes.length = 0;
    const n = tokens.length;
    for (let i = 0; i <= n; i++) {
      const token = i < n ? tokens[i] : EOS;
      const id = vocab.idOf(token);
      if (id >= 0) out.push(bucket + id);
      if (spec.maxn > 0 && token !== EOS) this.pushSubwords(token, id, out);
      if (spec.wordNgrams > 1) hashes.push(fnv1a32(token));
    }
    if (spec.wordNgrams > 1) {
      for (let i = 0; i < hashes.length; i++) {
        let h = hashes[i];
        for (let j = i + 1; j < hashes.length && j < i + spec.wordNgrams; j++) {
          h = (Math.imul(h, NGRAM_MULTIPLIER) + hashes[j]) >>> 0;
          out.push(h % bucket);
        }
      }
    }
  }

  private pushSubwords(token: string, id: number, out: IntBuffer): void {
    if (id >= 0) {
      let rows = this.subwordCache[id];
      if (rows === undefined) {
        rows = Int32Array.from(this.computeSubwords(token));
        this.subwordCache[id] = rows;
      }
      for (let k = 0; k < rows.length; k++) out.push(rows[k]);
    } else {
      const rows = this.computeSubwords(token);
      for (let k = 0; k < rows.length; k++) out.push(rows[k]);
    }
  }

  private computeSubwords(token: string): number[] {
    const scratch = this.ngramScratch;
    scratch.length = 0;
    charNgramHashes(token, this.spec.minn, this.spec.maxn, scratch);
    for (let k = 0; k < scratch.length; k++) scratch[k] = scratch[k] % this.bucket;
    return scratch;
  }
}
