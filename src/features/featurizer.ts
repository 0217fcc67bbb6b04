/**
 * Turns tokens into rows of the input matrix: vocabulary words, hashed word n-grams and hashed char
 * n-grams (fastText's scheme). Row layout: hashed rows first, [0, bucket), then one row per word at
 * bucket + wordId, so new words append rows at the end and nothing is ever renumbered.
 */
import type { ModelConfig, TextConfig } from '../config.js';
import { fasttextCharNgramBuckets, fasttextHash, fasttextWordNgramBuckets } from '../text/fasttext.js';
import { charNgramHashes } from '../text/charNgrams.js';
import { fnv1a32, fnv1a32Range, NGRAM_MULTIPLIER } from '../text/hash.js';
import { isNoSpaceWord, isRunToken, scanToken, scanTokens, tokenize, type TokenSink } from '../text/tokenize.js';
import type { IntBuffer } from '../util/intBuffer.js';
import type { Vocab } from '../vocab/vocab.js';
import { AsciiKernel, kernelCovers } from './asciiKernel.js';
import type { TokenTable } from './tokenTable.js';

/**
 * Characters of text a featurizer takes through JavaScript before it builds its wasm kernel: the
 * kernel indexes the whole vocabulary first (5-10 ms for 100k words), which a few texts (one
 * piece of feedback, a single request) do not pay back, and a file to predict does many times over.
 */
const KERNEL_AFTER = 1 << 16;

/** End-of-text token added to every example, as fastText does: it acts as a learned bias row. */
export const EOS = '</s>';
const EOS_HASH = fnv1a32(EOS);

export type FeatureSpec = Pick<ModelConfig, 'bucket' | 'wordNgrams' | 'minn' | 'maxn' | 'hashing'> & Pick<TextConfig, 'cjkRuns'>;

/** Whether a config needs hashed rows at all (fastText drops the buckets when it does not). */
export function usesBuckets(spec: FeatureSpec): boolean {
  return spec.wordNgrams > 1 || spec.maxn > 0;
}

/** Number of input-matrix rows for a config and a vocabulary of `words` words. */
export function inputRowsOf(spec: FeatureSpec, words: number): number {
  return (usesBuckets(spec) ? spec.bucket : 0) + words;
}

/** Per-token lookups for one TokenTable (see Featurizer.internedCache). */
export interface InternedCache {
  vocabId(token: number): number;
  hash(token: number): number;
  subwords(token: number): Int32Array;
}

export class Featurizer {
  readonly bucket: number;
  /** Char n-gram rows of vocabulary words, computed once per word. */
  private readonly subwordCache: (Int32Array | undefined)[] = [];
  private readonly hashes: number[] = [];
  private readonly ngramScratch: number[] = [];
  private readonly sink = new RowSink(this);

  /** fastText's hashing (signed bytes, 64-bit word n-grams) instead of FNV-1a. */
  private readonly fasttext: boolean;
  /** Hash of a token for word n-grams. */
  private readonly wordHash: (token: string) => number;
  /**
   * The wasm fast path (made once KERNEL_AFTER characters of text have come through featurizeText),
   * or null when it does not cover the spec or is turned off.
   */
  private kernel: AsciiKernel | null | undefined;
  private textSeen = 0;

  /**
   * `options.asciiKernel`: false turns off the wasm fast path, true uses it from the first text
   * (for tests that compare the two).
   */
  constructor(
    readonly vocab: Vocab,
    readonly spec: FeatureSpec,
    options: { asciiKernel?: boolean } = {},
  ) {
    this.bucket = usesBuckets(spec) ? spec.bucket : 0;
    this.fasttext = spec.hashing === 'fasttext';
    this.wordHash = this.fasttext ? fasttextHash : fnv1a32;
    if (options.asciiKernel === false || !kernelCovers(spec)) this.kernel = null;
    else if (options.asciiKernel === true) this.expectMany();
  }

  /**
   * Tells the featurizer that many texts are coming (a file to predict, a test set): it builds its
   * wasm kernel at the next text instead of after the first KERNEL_AFTER characters.
   */
  expectMany(): void {
    if (this.kernel === undefined) this.textSeen = KERNEL_AFTER;
  }

  /** Number of input-matrix rows the current vocabulary needs. */
  get inputRows(): number {
    return inputRowsOf(this.spec, this.vocab.wordCount);
  }

  /** Drops cached subwords of word ids >= `wordId` (after a rejected update removed those words). */
  forgetFrom(wordId: number): void {
    this.subwordCache.length = Math.min(this.subwordCache.length, wordId);
  }

  /**
   * Appends the input rows of example `i` of `table` (plus the end-of-text token): the same rows
   * as featurize() on its tokens, with per-token work done once per distinct token.
   */
  featurizeInterned(table: TokenTable, i: number, cache: InternedCache, out: IntBuffer): void {
    const { bucket, spec } = this;
    const ids = table.ids.view();
    const hashes = this.hashes;
    hashes.length = 0;
    const start = table.offsets[i];
    const end = table.offsets[i + 1];
    for (let k = start; k < end; k++) {
      const t = ids[k];
      if (spec.cjkRuns && isRunToken(table.tokens[t])) {
        if (spec.maxn > 0) {
          const rows = cache.subwords(t);
          for (let j = 0; j < rows.length; j++) out.push(rows[j]);
        }
        continue;
      }
      const id = cache.vocabId(t);
      if (id >= 0) out.push(bucket + id);
      if (spec.maxn > 0) {
        const rows = cache.subwords(t);
        for (let j = 0; j < rows.length; j++) out.push(rows[j]);
      }
      if (spec.wordNgrams > 1) hashes.push(cache.hash(t));
    }
    const eos = this.vocab.idOf(EOS);
    if (eos >= 0) out.push(bucket + eos);
    if (spec.wordNgrams > 1) {
      hashes.push(this.wordHash(EOS));
      this.pushWordNgrams(out);
    }
  }

  /** How many rows featurizeInterned will append for example `i` (to size the output exactly). */
  countInterned(table: TokenTable, i: number, cache: InternedCache): number {
    const ids = table.ids.view();
    const start = table.offsets[i];
    const end = table.offsets[i + 1];
    let n = this.vocab.idOf(EOS) >= 0 ? 1 : 0;
    let runs = 0;
    for (let k = start; k < end; k++) {
      if (this.spec.maxn > 0) n += cache.subwords(ids[k]).length;
      if (this.spec.cjkRuns && isRunToken(table.tokens[ids[k]])) runs++;
      else if (cache.vocabId(ids[k]) >= 0) n++;
    }
    const m = end - start - runs + 1;
    for (let j = 1; j < this.spec.wordNgrams; j++) n += Math.max(0, m - j);
    return n;
  }

  /** Per-token lookups for featurizeInterned, computed on first use. */
  internedCache(table: TokenTable): InternedCache {
    const n = table.tokens.length;
    const vocabIds = new Int32Array(n).fill(-2);
    const hashes = new Uint32Array(n);
    const hashed = new Uint8Array(n);
    const subwords: (Int32Array | undefined)[] = new Array(n);
    return {
      vocabId: (t) => (vocabIds[t] === -2 ? (vocabIds[t] = this.vocab.idOf(table.tokens[t])) : vocabIds[t]),
      hash: (t) => (hashed[t] ? hashes[t] : ((hashed[t] = 1), (hashes[t] = this.wordHash(table.tokens[t])))),
      subwords: (t) => (subwords[t] ??= Int32Array.from(this.computeSubwords(table.tokens[t]))),
    };
  }

  private pushWordNgrams(out: IntBuffer): void {
    const hashes = this.hashes;
    const { bucket, spec } = this;
    if (this.fasttext) return fasttextWordNgramBuckets(hashes, spec.wordNgrams, bucket, out);
    for (let i = 0; i < hashes.length; i++) {
      let h = hashes[i];
      for (let j = i + 1; j < hashes.length && j < i + spec.wordNgrams; j++) {
        h = (Math.imul(h, NGRAM_MULTIPLIER) + hashes[j]) >>> 0;
        out.push(h % bucket);
      }
    }
  }

  /** Appends the input rows of `tokens` (plus the end-of-text token) to `out`. */
  featurize(tokens: readonly string[], out: IntBuffer): void {
    this.hashes.length = 0;
    for (const token of tokens) {
      const h = fnv1a32(token);
      this.addToken(token, 0, token.length, h, this.vocab.idOfHashed(token, h), out);
    }
    this.finish(out);
  }

  /**
   * featurize(tokenize(text, cfg), out), without a string per token: the tokenizer hands over
   * ranges of the normalised text, which are hashed and looked up in place.
   */
  featurizeText(text: string, cfg: TextConfig, out: IntBuffer): void {
    if (cfg.tokenizer === 'fasttext') return this.featurize(tokenize(text, cfg), out);
    if (this.kernelFor(text)?.featurize(text, cfg, out)) return;
    this.hashes.length = 0;
    this.sink.out = out;
    scanTokens(text, cfg, this.sink);
    this.sink.out = null;
    this.finish(out);
  }

  /** The wasm kernel to featurise `text` with: made once KERNEL_AFTER characters have come; null before that, or when off. */
  private kernelFor(text: string): AsciiKernel | null {
    if (this.kernel === undefined) {
      this.textSeen += text.length;
      if (this.textSeen < KERNEL_AFTER) return null;
      this.kernel = new AsciiKernel(this.vocab, this.spec, this.bucket, EOS, scanToken);
    }
    return this.kernel;
  }

  /**
   * The rows of the token s[start, end) (hash h = its fnv1a32, id = its word id or -1): its word row
   * and char n-grams; its hash is kept for the word n-grams. (Public for RowSink only.)
   */
  addToken(s: string, start: number, end: number, h: number, id: number, out: IntBuffer): void {
    if (this.spec.cjkRuns && s.charCodeAt(start) === 0xfdd0) {
      if (this.spec.maxn > 0) this.pushSubwords(s.slice(start, end), -1, out);
      return;
    }
    if (id >= 0) out.push(this.bucket + id);
    if (this.spec.maxn > 0) {
      const token = id >= 0 ? this.vocab.words[id] : s.slice(start, end);
      if (token !== EOS) this.pushSubwords(token, id, out);
    }
    if (this.spec.wordNgrams > 1) this.hashes.push(this.fasttext ? fasttextHash(s.slice(start, end)) : h);
  }

  /** Ends a text: the end-of-text row, then the word n-grams over all its tokens. */
  private finish(out: IntBuffer): void {
    const id = this.vocab.idOfHashed(EOS, EOS_HASH);
    if (id >= 0) out.push(this.bucket + id);
    if (this.spec.wordNgrams > 1) {
      this.hashes.push(this.fasttext ? fasttextHash(EOS) : EOS_HASH);
      this.pushWordNgrams(out);
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
    if (this.spec.cjkRuns) {
      // A run's char n-grams are its whole-run token's; its words take none of their own.
      if (isNoSpaceWord(token)) return scratch;
      if (isRunToken(token)) token = token.slice(1);
    }
    if (this.fasttext) {
      fasttextCharNgramBuckets(token, this.spec.minn, this.spec.maxn, this.bucket, scratch);
      return scratch;
    }
    charNgramHashes(token, this.spec.minn, this.spec.maxn, scratch);
    for (let k = 0; k < scratch.length; k++) scratch[k] = scratch[k] % this.bucket;
    return scratch;
  }
}

/** Hands featurizeText's tokens to the featurizer as they are found. */
class RowSink implements TokenSink {
  out: IntBuffer | null = null;
  constructor(private readonly f: Featurizer) {}
  slice(s: string, start: number, end: number, hash: number): void {
    const h = hash >= 0 ? hash : fnv1a32Range(s, start, end);
    this.f.addToken(s, start, end, h, this.f.vocab.idOfRange(s, start, end, h), this.out!);
  }
  token(t: string): void {
    const h = fnv1a32(t);
    this.f.addToken(t, 0, t.length, h, this.f.vocab.idOfHashed(t, h), this.out!);
  }
}
