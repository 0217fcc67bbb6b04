/**
 * An update that grows the hashed n-gram table once the data has outgrown it (issue 17: defaults
 * that fit the data, a model small for small data that still leaves room for updates). `accrete
 * train` fits the table to the training data within a size bound (fitDefaults); an update that
 * brings as much data again would, retrained, get a larger table, and without one the n-grams of
 * new names or words pile into rows old ones already use.
 *
 * Growth preserves the function: a hashed row is h mod B for a non-negative integer h (char and
 * word n-grams, both hashing modes, the wasm kernels), and (h mod kB) mod B = h mod B, so a table
 * of kB rows whose row j is a copy of old row j mod B, with the word rows moved from B + id to
 * kB + id, predicts bit for bit as before. Training afterwards separates the n-grams that shared a
 * row; where the texts are mostly char n-grams, the update's rounds first draw the copied rows
 * afresh and re-fit them (rounds.ts, refitPlan), since each copy starts with the
 * sum of every n-gram the small table put in its row. Everything laid out per input row is laid
 * out again alike: the input matrix, Adam's moments of it, the memory's seen record and Fisher
 * estimate; the featurizer is made anew for the new bucket (and with it the feature cache, which
 * is keyed by it).
 */
import type { Example } from '../data/example.js';
import { EOS, usesBuckets } from '../features/featurizer.js';
import type { RowFisher } from '../forgetting/fisher.js';
import { BUCKET_GRID_MAX, bucketRowsAllowed, fittedBucket, ngramRowsWanted, SIZE_FACTOR } from '../learn/dataDefaults.js';
import type { TextClassifier } from '../model/classifier.js';
import type { Matrix } from '../model/matrix.js';
import { fnv1a32, NGRAM_MULTIPLIER } from '../text/hash.js';
import { isRunToken } from '../text/tokenize.js';
import type { ContinualMemory } from './memory.js';

/** What an update does with the n-gram table, and why (report.table). */
export interface TablePlan {
  /** The table's rows (the bucket) before the update. */
  from: number;
  /** Its rows after (equal to `from` when it does not grow). */
  to: number;
  why: string;
}

/** The data a model has seen, as estimated from its replay memory and the update's examples (see dataSeen). */
export interface DataSeen {
  examples: number;
  bytes: number;
}

/** UTF-8 bytes of an example as a fastText line, as dataStats counts them (the size bound is a multiple of them). */
export function exampleBytes(e: Example): number {
  let n = byteCache.get(e);
  if (n !== undefined) return n;
  n = Buffer.byteLength(e.text) + 1;
  for (const l of e.labels) n += Buffer.byteLength(l) + 10;
  byteCache.set(e, n);
  return n;
}

/** Bytes of the examples counted before (a replay memory keeps its example objects from one update to the next, and never changes one). */
const byteCache = new WeakMap<Example, number>();

/**
 * The data the model has seen, with `examples` (the update's): the replay memory keeps, per label,
 * a uniform sample of every example it was ever offered and counts them (ReplayBuffer.stats), so
 * the bytes of a label's data are estimated as the mean bytes of its kept examples times the
 * examples offered; the guard's examples (held out of training data) count as they are. Exact when
 * the memory holds everything, as it does for the small data whose tables grow.
 */
export function dataSeen(memory: ContinualMemory, examples: readonly Example[]): DataSeen {
  return withExamples(memorySeen(memory), examples);
}

/** dataSeen of the memory alone, its bytes not rounded. */
function memorySeen(memory: ContinualMemory): DataSeen {
  const byLabel = new Map<string, { bytes: number; n: number }>();
  let keptBytes = 0;
  let kept = 0;
  for (const e of memory.replay.examples()) {
    const b = exampleBytes(e);
    const l = byLabel.get(e.labels[0]) ?? { bytes: 0, n: 0 };
    byLabel.set(e.labels[0], { bytes: l.bytes + b, n: l.n + 1 });
    keptBytes += b;
    kept++;
  }
  const meanKept = kept > 0 ? keptBytes / kept : 0;
  let bytes = 0;
  let n = 0;
  for (const s of memory.replay.stats()) {
    const l = byLabel.get(s.label);
    bytes += s.seen * (l && l.n > 0 ? l.bytes / l.n : meanKept);
    n += s.seen;
  }
  for (const e of memory.guard ?? []) (bytes += exampleBytes(e)), n++;
  return { examples: n, bytes };
}

/** `seen` and `examples` besides (rounded to whole bytes). */
function withExamples(seen: DataSeen, examples: readonly Example[]): DataSeen {
  let bytes = seen.bytes;
  for (const e of examples) bytes += exampleBytes(e);
  return { examples: seen.examples + examples.length, bytes: Math.round(bytes) };
}

const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;

/**
 * Whether an update of `model` on `examples` grows its n-gram table, and to how many rows: when the
 * table fitDefaults would give the data seen so far (dataSeen) is larger, to the smallest multiple
 * of the bucket that reaches it, within the size bound for that data; never smaller. A table that
 * could already have grown to the fit of the data seen before the update (a --bucket given smaller
 * than the fit) is a choice, kept until the update's data raises that fit. Null when the model
 * hashes no n-grams; `enabled` false (the growTable option) keeps the table as it is.
 */
export function planTable(model: TextClassifier, memory: ContinualMemory | null, examples: readonly Example[], enabled: boolean): TablePlan | null {
  const cfg = model.config;
  if (!usesBuckets(cfg)) return null;
  const from = cfg.bucket;
  const keep = (why: string): TablePlan => ({ from, to: from, why });
  if (!enabled) return keep('kept: growTable is off');
  if (from >= BUCKET_GRID_MAX) return keep(`kept: ${from} rows, the largest table train fits`);
  if (!memory || memory.replay.size === 0) return keep('kept: without a replay memory the data seen so far is unknown, and with it the size bound');
  // (the data seen before this update, and with its examples)
  const seenBefore = memorySeen(memory);
  const seen = withExamples(seenBefore, examples);
  const vocabWords = model.vocab.wordCount - (model.vocab.idOf(EOS) >= 0 ? 1 : 0);
  const bound = `the size bound (${SIZE_FACTOR}x the ~${mb(seen.bytes)} of ~${seen.examples} examples seen)`;
  // Cheap first: with the words known now, can the bound hold twice the table at all?
  if (Math.floor(bucketRowsAllowed(seen.bytes, vocabWords, cfg.dim) / from) < 2) return keep(`kept: ${bound} has no room for twice ${from} rows`);
  const counted = countData(model, memory, examples);
  const words = vocabWords + counted.newWords;
  const allowed = bucketRowsAllowed(seen.bytes, words, cfg.dim);
  const wanted = ngramRowsWanted(words, counted.bigrams, cfg);
  const target = fittedBucket(wanted, seen.bytes, words, cfg.dim);
  if (target <= from) return keep(`kept: ~${wanted} n-grams seen; a model trained on the data seen would get ${target} rows`);
  // A table that could have grown to the fit of the data seen before this update was made smaller
  // by choice (a given --bucket, growTable off): it grows only when this update raises that fit.
  const before = withExamples(seenBefore, []);
  const targetBefore = fittedBucket(ngramRowsWanted(vocabWords, counted.bigramsBefore, cfg), before.bytes, vocabWords, cfg.dim);
  const kBefore = Math.min(Math.ceil(targetBefore / from), Math.floor(bucketRowsAllowed(before.bytes, vocabWords, cfg.dim) / from));
  if (kBefore >= 2 && target <= targetBefore) return keep(`kept: the table was made smaller than the ${targetBefore} rows fitted to the data seen before, and this update's data leaves that fit as it was`);
  const k = Math.min(Math.ceil(target / from), Math.floor(allowed / from));
  if (k < 2) return keep(`kept: ${bound} has no room for twice ${from} rows`);
  return { from, to: k * from, why: `grown: ~${wanted} n-grams seen in ~${seen.examples} examples; a model trained on them would get ${target} rows (within ${bound})` };
}

/**
 * Words of `examples` the vocabulary lacks, and distinct word pairs of the data seen without and
 * with `examples` (only when the model hashes word pairs): of the memory's examples and the guard,
 * scaled up by the examples offered to the memory over those it kept, and of `examples`.
 */
function countData(model: TextClassifier, memory: ContinualMemory, examples: readonly Example[]): { newWords: number; bigrams: number; bigramsBefore: number } {
  const fresh = new Set<string>();
  for (const e of examples) for (const t of model.tokenize(e.text)) if (!isRunToken(t) && model.vocab.idOf(t) < 0) fresh.add(t);
  if (model.config.wordNgrams <= 1) return { newWords: fresh.size, bigrams: 0, bigramsBefore: 0 };
  // Pairs as 32-bit hashes (as word n-grams are hashed): a few of 10^6 pairs collide, and a set of
  // numbers costs a fraction of one of strings (a 900-e-mail SpamAssassin update planned in 2.1 s).
  const pairs = new Set<number>();
  const addPairs = (e: Example) => {
    for (const h of pairHashes(model, e)) pairs.add(h);
  };
  const kept = memory.replay.examples();
  for (const e of [...kept, ...(memory.guard ?? [])]) addPairs(e);
  const offered = memory.replay.stats().reduce((n, s) => n + s.seen, 0);
  const scale = kept.length > 0 ? Math.max(1, offered / kept.length) : 1;
  const old = pairs.size;
  for (const e of examples) addPairs(e);
  return { newWords: fresh.size, bigrams: Math.round(old * scale) + pairs.size - old, bigramsBefore: Math.round(old * scale) };
}

/**
 * The distinct word-pair hashes of `e` as `model` tokenizes it, kept per example and tokenizer
 * settings: a server or library updating one model again and again would otherwise tokenize its
 * whole replay memory at every update (planning a 900-e-mail SpamAssassin update on a 20,000-row table: 1.0 s, then 0.23 s once cached; load 9).
 */
function pairHashes(model: TextClassifier, e: Example): Uint32Array {
  const key = tokenizerKey(model);
  let byKey = pairCache.get(e);
  const cached = byKey?.get(key);
  if (cached) return cached;
  const out = new Set<number>();
  let prev = -1;
  for (const t of model.tokenize(e.text)) {
    if (isRunToken(t)) continue;
    const h = fnv1a32(t);
    if (prev >= 0) out.add((Math.imul(prev, NGRAM_MULTIPLIER) + h) >>> 0);
    prev = h;
  }
  const hashes = Uint32Array.from(out);
  if (!byKey) pairCache.set(e, (byKey = new Map()));
  byKey.set(key, hashes);
  return hashes;
}

/** Examples are never changed once made (replay memories keep theirs from one update to the next). */
const pairCache = new WeakMap<Example, Map<string, Uint32Array>>();

const tokenizerKey = ({ config: c }: TextClassifier) => `${c.tokenizer ?? 'accrete'}|${c.lowercase}|${c.punctuation}|${c.maskUrls}|${c.cjkRuns ?? false}`;

/** A grown table, with what puts the parent's back. */
export interface TableGrowth {
  from: number;
  to: number;
  /** A Fisher estimate of the parent's layout, laid out as the grown table (the memory's own when it is the memory's). */
  relayFisher(f: RowFisher | null): RowFisher | null;
  /** Puts the table, its moments, the memory's records, the config and the featurizer back as they were (after the journal has put the rows back). */
  undo(): void;
}

/**
 * Grows the n-gram table of `model` from its bucket to `to` rows (a multiple of it), keeping every
 * prediction bit for bit (see the file's comment); `memory`'s seen record and Fisher estimate are
 * laid out alike. The model must hash n-grams and `to` be a multiple of its bucket above it.
 */
export function growTable(model: TextClassifier, memory: ContinualMemory | null, to: number): TableGrowth {
  const config = model.config;
  const featurizer = model.featurizer;
  const from = config.bucket;
  if (!usesBuckets(config) || to <= from || to % from !== 0) throw new RangeError(`cannot grow a table of ${from} rows to ${to}: a larger multiple of it is needed`);
  const matrices = [model.params.input, ...[...(model.optimizerState?.first ?? []), ...(model.optimizerState?.second ?? [])].filter((m, i) => m !== null && i % 4 === 0)] as Matrix[];
  for (const m of matrices) widen(m, from, to);
  const was = memory ? { seen: memory.seen, fisher: memory.fisher, staleFisher: memory.staleFisher } : null;
  const relayFisher = (f: RowFisher | null): RowFisher | null => (f ? { ...f, input: relaid(f.input, from, to) } : null);
  if (memory) {
    if (memory.seen) memory.seen = relaid(memory.seen, from, to);
    memory.fisher = relayFisher(memory.fisher);
    // (kept only for patches of the parent's base; a grown table is saved whole)
    memory.staleFisher = null;
  }
  model.relayout({ ...config, bucket: to });
  return {
    from,
    to,
    relayFisher: (f) => (f !== null && f === was?.fisher ? memory!.fisher : relayFisher(f)),
    undo() {
      for (const m of matrices) narrow(m, from, to);
      if (memory && was) Object.assign(memory, was);
      model.relayout(config, featurizer);
    },
  };
}

/** `m` (hashed rows [0, from), word rows after) grown to `to` hashed rows: row j a copy of row j mod from, word rows moved after them. */
function widen(m: Matrix, from: number, to: number): void {
  const c = m.cols;
  const words = m.rows - from;
  m.growRows(to - from);
  const d = m.data;
  d.copyWithin(to * c, from * c, (from + words) * c);
  for (let at = from; at < to; at += from) d.copyWithin(at * c, 0, from * c);
}

/** widen undone: the word rows moved back after the first `from` rows, the rest dropped. */
function narrow(m: Matrix, from: number, to: number): void {
  const c = m.cols;
  const words = m.rows - to;
  m.data.copyWithin(from * c, to * c, (to + words) * c);
  m.truncateRows(from + words);
}

/** A per-row vector (hashed rows, then word rows) laid out for a table of `to` rows, as widen lays out a matrix. */
export function relaid<T extends Uint8Array | Float32Array>(v: T, from: number, to: number): T {
  const words = Math.max(0, v.length - from);
  const out = new (v.constructor as new (n: number) => T)(to + words);
  for (let at = 0; at < to; at += from) out.set(v.subarray(0, Math.min(from, v.length)), at);
  out.set(v.subarray(from), to);
  return out;
}
