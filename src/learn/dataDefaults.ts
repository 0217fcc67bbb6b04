/**
 * Defaults fitted to the data (issue 17, item 2): what `accrete train` uses for the options the user
 * did not give, unless --fasttext-defaults asks for fastText's (DEFAULTS). fastText's defaults
 * (dim 100, lr 0.1, epoch 5, unigrams, a 2M-row table once n-grams are on) under-train small and
 * many-label corpora (WordNet's 45 labels: 13% for fastText itself) and size the model for no
 * particular data. Here every choice follows from a few statistics of the training data, and each
 * comes with its reason, which train prints. The rules and where their constants come from:
 * docs/tuning.md (tuned on SpamAssassin and WordNet seed 1; checked on other corpora and seeds).
 */
import type { Config, TextConfig } from '../config.js';
import { DEFAULTS } from '../config.js';
import { charNgrams } from '../text/charNgrams.js';
import { CharClass, classOf } from '../text/charClass.js';
import { isRunToken, tokenize } from '../text/tokenize.js';

export interface DataStats {
  examples: number;
  /** UTF-8 bytes of the data as a fastText file ("__label__L text" lines): the model's size is bounded by a multiple of it. */
  bytes: number;
  meanTokens: number;
  /** Share of the letters that belong to scripts written without spaces (Chinese, Japanese, Thai...). */
  noSpaceShare: number;
  words: number;
  /** Share of token occurrences whose word occurs once: how many words a test set will not have seen. */
  hapaxShare: number;
  /** Distinct word bigrams (the rows wordNgrams 2 would like to have). */
  bigrams: number;
  labels: number;
}

/** The statistics of `examples` that the fitted defaults depend on (one pass of tokenizing). */
export function dataStats(examples: readonly { text: string; labels: readonly string[] }[], text: TextConfig): DataStats {
  // Words are interned to ids as they come and pairs of ids go to an open-addressing set: a Set of
  // joined strings took 2.2 s of a 5.5 s SpamAssassin train.
  const ids = new Map<string, number>();
  let counts: Uint32Array = new Uint32Array(1024);
  const pairs = new PairSet();
  const labels = new Set<string>();
  let bytes = 0;
  let tokens = 0;
  let letters = 0;
  let noSpace = 0;
  for (const e of examples) {
    bytes += Buffer.byteLength(e.text) + 1;
    for (const l of e.labels) {
      labels.add(l);
      bytes += Buffer.byteLength(l) + 10;
    }
    // A cjkRuns whole-run token is no word (no vocabulary row, no pair): counting it would size the
    // table as if every line of Chinese were a new word (a 10-poet corpus got a 1,000-row table).
    let previous = -1;
    for (const t of tokenize(e.text, text)) {
      if (isRunToken(t)) continue;
      let id = ids.get(t);
      if (id === undefined) {
        ids.set(t, (id = ids.size));
        if (id === counts.length) counts = grown(counts);
      }
      counts[id]++;
      tokens++;
      if (previous >= 0) pairs.add(previous, id);
      previous = id;
    }
    const s = e.text;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      // ASCII: letters are Letter, nothing is written without spaces (the lookup below agrees).
      if (c < 0x80) {
        if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) letters++;
        continue;
      }
      const cp = s.codePointAt(i)!;
      if (cp > 0xffff) i++;
      const k = classOf(cp);
      if (k === CharClass.Letter) letters++;
      else if (k === CharClass.NoSpace) (letters++, noSpace++);
    }
  }
  let hapax = 0;
  for (let id = 0; id < ids.size; id++) if (counts[id] === 1) hapax++;
  const n = examples.length;
  return { examples: n, bytes, meanTokens: n ? tokens / n : 0, noSpaceShare: letters ? noSpace / letters : 0, words: ids.size, hapaxShare: tokens ? hapax / tokens : 0, bigrams: pairs.size, labels: labels.size };
}

/** A set of distinct (a, b) pairs of non-negative 32-bit ids, by open addressing (linear probing). */
class PairSet {
  /** Slot i holds (keys[2i], keys[2i + 1]); a first id of -1 marks it empty. */
  private keys = new Int32Array(2 * 4096).fill(-1);
  size = 0;

  add(a: number, b: number): void {
    if (2 * (this.size + 1) > this.keys.length / 2) this.rehash();
    if (this.insert(this.keys, a, b)) this.size++;
  }

  private insert(keys: Int32Array, a: number, b: number): boolean {
    const mask = keys.length / 2 - 1;
    for (let i = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) & mask; ; i = (i + 1) & mask) {
      const k = keys[2 * i];
      if (k === -1) return ((keys[2 * i] = a), (keys[2 * i + 1] = b), true);
      if (k === a && keys[2 * i + 1] === b) return false;
    }
  }

  private rehash(): void {
    const old = this.keys;
    this.keys = new Int32Array(old.length * 2).fill(-1);
    for (let i = 0; i < old.length; i += 2) if (old[i] !== -1) this.insert(this.keys, old[i], old[i + 1]);
  }
}

function grown(counts: Uint32Array): Uint32Array {
  const out = new Uint32Array(counts.length * 2);
  out.set(counts);
  return out;
}

/** The model directory may be at most this many times the training texts' bytes (issue 17). */
export const SIZE_FACTOR = 10;
/** Of that, the share the input matrix may take: the rest is the replay memory, the vocabulary and the output rows. */
const MATRIX_SHARE = 0.5;
/** Bucket counts the table is sized from (as autotune's grid). */
const BUCKET_GRID = [1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000] as const;
/** The largest table fitDefaults gives (an update never grows a table of this many rows or more). */
export const BUCKET_GRID_MAX = BUCKET_GRID[BUCKET_GRID.length - 1];
const DIMS = [50, 32, 16, 8] as const;
/** Examples a tiny corpus is trained on in all (epochs x examples), and the most epochs that buys (docs/tuning.md). */
const TINY_STEPS = 1_500;
const MAX_EPOCH = 200;

export type FittedKey = 'dim' | 'lr' | 'epoch' | 'wordNgrams' | 'minn' | 'maxn' | 'bucket';
/** Every setting fitDefaults may fit: when the caller gives them all, nothing is left to fit. */
export const FITTED_KEYS: readonly FittedKey[] = ['dim', 'lr', 'epoch', 'wordNgrams', 'minn', 'maxn', 'bucket'];
export interface FittedDefaults {
  /** The fitted settings, for the options the caller did not give. */
  settings: Partial<Pick<Config, FittedKey>>;
  /** One line per fitted setting: its value and why. */
  reasons: string[];
  stats: DataStats;
}

/** Distinct char n-grams (minn..maxn) of `words` distinct words, estimated as 3 per n per word, capped by the table. */
const charRowsWanted = (words: number, minn: number, maxn: number) => words * 3 * (maxn - minn + 1);

/**
 * The settings `accrete train` uses for what `given` leaves out, from the data's statistics.
 * @example fitDefaults(dataStats(examples, DEFAULTS), {}).settings // { dim: 50, lr: 0.5, epoch: 10, wordNgrams: 2, minn: 0, maxn: 0, bucket: 200000 }
 */
export function fitDefaults(stats: DataStats, given: Partial<Config> = {}): FittedDefaults {
  const reasons: string[] = [];
  const s: Partial<Pick<Config, FittedKey>> = {};
  const set = <K extends FittedKey>(key: K, value: Config[K], why: string) => {
    if (given[key] !== undefined) return;
    s[key] = value;
    reasons.push(`--${key} ${value}: ${why}`);
  };
  const n = stats.examples;
  // (Adam and a hidden layer want smaller steps: their rates stay as they are)
  if ((given.optimizer ?? 'sgd') === 'sgd' && !given.hidden) set('lr', 0.5, "fastText's 0.1 under-trains in 5 epochs, and updates inherit the rate");
  // Under 60 examples 25 passes are too few steps for anything to learn (12 examples: 0.50 for
  // both labels), so a tiny corpus gets passes enough for TINY_STEPS examples seen in all.
  const epoch = fittedEpochs(n);
  set('epoch', epoch, `${n} examples (fewer examples need more passes: 25 under 2,000 and at least ${TINY_STEPS} examples seen in all, up to ${MAX_EPOCH}; 10 under 20,000, else 5)`);
  // Texts in a script written without spaces are cut into words by a segmenter whose choices vary:
  // characters and their pairs carry the meaning (the Chinese corpus: 82.5% -> 98.9%).
  const noSpace = stats.noSpaceShare >= 0.3;
  // Many words seen once: the test set will be full of unseen words, which only their char n-grams can place.
  const subwords = !noSpace && stats.hapaxShare >= 0.2;
  const [minn, maxn] = noSpace ? [1, 2] : subwords ? [2, 5] : [0, 0];
  const why = noSpace
    ? `${pct(stats.noSpaceShare)}% of the letters are of scripts written without spaces: characters and their pairs`
    : subwords
      ? `${pct(stats.hapaxShare)}% of the words occur once: unseen words are placed by their char n-grams`
      : `${pct(stats.hapaxShare)}% of the words occur once, under 20%: words suffice`;
  set('minn', minn, why);
  set('maxn', maxn, why);
  const ngrams = given.wordNgrams ?? (stats.meanTokens >= 2 ? 2 : 1);
  set('wordNgrams', ngrams, stats.meanTokens >= 2 ? 'word pairs carry order and negation' : `texts of ${stats.meanTokens.toFixed(1)} tokens have no pairs`);
  const useMinn = given.minn ?? minn;
  const useMaxn = given.maxn ?? maxn;
  const wanted = ngramRowsWanted(stats.words, stats.bigrams, { wordNgrams: ngrams, minn: useMinn, maxn: useMaxn });
  const hashed = ngrams > 1 || useMaxn > 0;
  const budget = SIZE_FACTOR * MATRIX_SHARE * stats.bytes;
  // The table: the grid value above half the n-grams seen (half of them colliding at worst). The
  // dimension: 50 (fastText's 100 gained nothing on the tuning corpora at twice the size), else
  // the largest of 32, 16, 8 that fits. Within the bound the table shrinks before the dimension.
  const bucketWanted = gridAbove(wanted / 2);
  // (a table under 10,000 rows, where n-grams collide a lot, only at the smallest dimension)
  const fit = (dim: number, last: boolean): number | null => {
    const rows = bucketRowsAllowed(stats.bytes, stats.words, dim);
    if (!hashed) return rows >= 0 ? 0 : null;
    if (given.bucket !== undefined) return rows >= given.bucket ? given.bucket : null;
    const b = gridAtMost(Math.min(rows, bucketWanted));
    return b !== undefined && (last || b >= Math.min(bucketWanted, 10_000)) ? b : null;
  };
  const dims = given.dim !== undefined ? [given.dim] : DIMS.filter((d) => d <= 50);
  const dim = dims.find((d, i) => fit(d, i === dims.length - 1) !== null) ?? dims[dims.length - 1];
  const bucket = fit(dim, true) ?? BUCKET_GRID[0];
  set('dim', dim, `the largest of 50, 32, 16, 8 whose input matrix fits ${mb(budget)} (half of ${SIZE_FACTOR}x the ${mb(stats.bytes)} of data)`);
  if (hashed) set('bucket', bucket, `${wanted} n-grams seen (word pairs, char n-grams), within the size bound`);
  return { settings: s, reasons, stats };
}

/**
 * The passes fitDefaults gives `examples` training examples: 25 under 2,000 (at least TINY_STEPS
 * examples seen in all, up to MAX_EPOCH), 10 under 20,000, else 5. An update that grows the table
 * may re-fit the copied rows for as many passes over the examples its memory keeps
 * (src/update/rounds.ts, refitPlan).
 */
export function fittedEpochs(examples: number): number {
  return examples < 2_000 ? Math.max(25, Math.min(MAX_EPOCH, Math.ceil(TINY_STEPS / Math.max(1, examples)))) : examples < 20_000 ? 10 : 5;
}

/**
 * The n-gram rows fitDefaults wants for data of `words` distinct words and `bigrams` distinct word
 * pairs, at the given n-gram settings (word pairs when wordNgrams > 1, char n-grams when maxn > 0).
 */
export function ngramRowsWanted(words: number, bigrams: number, cfg: { wordNgrams: number; minn: number; maxn: number }): number {
  return (cfg.wordNgrams > 1 ? bigrams : 0) + (cfg.maxn > 0 ? charRowsWanted(words, cfg.minn, cfg.maxn) : 0);
}

/**
 * The input rows the size bound leaves the n-gram table of a model of dimension `dim` over data of
 * `bytes` bytes and `words` words (fitDefaults' bound: SIZE_FACTOR x the bytes, MATRIX_SHARE of it
 * for the input matrix, less the word rows). An update that grows the table keeps within it.
 */
export function bucketRowsAllowed(bytes: number, words: number, dim: number): number {
  return Math.floor((SIZE_FACTOR * MATRIX_SHARE * bytes) / (4 * dim)) - words;
}

/**
 * The table fitDefaults gives a model of dimension `dim` for `wanted` n-gram rows over data of
 * `bytes` bytes and `words` words: the grid value above half the n-grams, cut to the largest grid
 * value within the size bound (BUCKET_GRID[0] when none fits). What an update grows the table
 * towards once its data has outgrown the table (src/update/growTable.ts).
 */
export function fittedBucket(wanted: number, bytes: number, words: number, dim: number): number {
  return gridAtMost(Math.min(bucketRowsAllowed(bytes, words, dim), gridAbove(wanted / 2))) ?? BUCKET_GRID[0];
}

/** The smallest grid table of at least `rows` rows (the largest when none is). */
const gridAbove = (rows: number): number => BUCKET_GRID.find((b) => b >= rows) ?? BUCKET_GRID_MAX;

/** The largest grid table of at most `rows` rows, if any. */
const gridAtMost = (rows: number): number | undefined => [...BUCKET_GRID].reverse().find((b) => b <= rows);

const pct = (x: number) => (x * 100).toFixed(0);
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

/** fastText's defaults, as `--fasttext-defaults` gives them (the config's DEFAULTS). */
export const FASTTEXT_DEFAULTS: Readonly<Pick<Config, FittedKey>> = { dim: DEFAULTS.dim, lr: DEFAULTS.lr, epoch: DEFAULTS.epoch, wordNgrams: DEFAULTS.wordNgrams, minn: DEFAULTS.minn, maxn: DEFAULTS.maxn, bucket: DEFAULTS.bucket };
