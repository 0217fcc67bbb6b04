/**
 * A pre-featurised dataset: every example's input rows and label ids in flat typed arrays, built
 * once, so training epochs never tokenize or allocate. Can live in shared memory for workers.
 */
import type { TextConfig } from '../config.js';
import type { Example } from '../data/example.js';
import { IntBuffer } from '../util/intBuffer.js';
import type { Featurizer } from './featurizer.js';
import type { TokenTable } from './tokenTable.js';

export interface FeaturizedData {
  readonly count: number;
  /** Input rows of example i are rows[offsets[i] .. offsets[i+1]). */
  readonly rows: Int32Array;
  readonly offsets: Int32Array;
  /** Label ids of example i are labels[labelOffsets[i] .. labelOffsets[i+1]). */
  readonly labels: Int32Array;
  readonly labelOffsets: Int32Array;
  /** Per-example weights, or null when all are 1. */
  readonly weights: Float32Array | null;
  /** Total number of tokens (for the learning-rate schedule and tokens/s). */
  readonly tokens: number;
}

function typed<T extends Int32Array | Float32Array>(Ctor: { new (b: ArrayBufferLike): T; BYTES_PER_ELEMENT: number }, values: ArrayLike<number>, shared: boolean): T {
  const bytes = values.length * Ctor.BYTES_PER_ELEMENT;
  const arr = new Ctor(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  (arr as Int32Array).set(values);
  return arr;
}

/** Featurises the examples of a token table (training data): see Featurizer.featurizeInterned. */
export function featurizeTable(table: TokenTable, examples: readonly Example[], featurizer: Featurizer, options: { shared?: boolean } = {}): FeaturizedData {
  const cache = featurizer.internedCache(table);
  // Sized exactly up front: a growing buffer would hold up to twice the rows, plus a copy.
  let size = 0;
  for (let i = 0; i < examples.length; i++) size += featurizer.countInterned(table, i, cache);
  const rows = new IntBuffer(size, options.shared ?? false);
  return build(examples, options.shared ?? false, table.ids.length + examples.length, (i, out) => featurizer.featurizeInterned(table, i, cache, out), featurizer, rows);
}

/**
 * Featurises tokenized examples. Labels are looked up with `labelId`; an example whose labels are all
 * unknown to it gets none (it then only contributes to features, never to the loss).
 */
export function featurizeAll(
  tokenized: readonly (readonly string[])[],
  examples: readonly Example[],
  featurizer: Featurizer,
  options: { shared?: boolean } = {},
): FeaturizedData {
  const tokens = tokenized.reduce((sum, t) => sum + t.length + 1, 0);
  return build(examples, options.shared ?? false, tokens, (i, out) => featurizer.featurize(tokenized[i], out), featurizer);
}

/**
 * Featurises examples straight from their texts (Featurizer.featurizeText, which the wasm kernel
 * speeds up), for data that is not trained on for epochs: no token table, and `tokens` counts the
 * input rows instead. The rows are those of featurizeTable. `many`: tell the featurizer to build
 * its kernel now (Featurizer.expectMany), for thousands of texts.
 */
export function featurizeTexts(examples: readonly Example[], featurizer: Featurizer, cfg: TextConfig, { many = false } = {}): FeaturizedData {
  if (many) featurizer.expectMany();
  const data = build(examples, false, 0, (i, out) => featurizer.featurizeText(examples[i].text, cfg, out), featurizer);
  return { ...data, tokens: data.rows.length };
}

/** Label ids of each example (unknown labels left out, each id once), as FeaturizedData holds them. */
function labelIdsOf(examples: readonly Example[], vocab: Featurizer['vocab']): { labels: number[]; labelOffsets: Int32Array } {
  const labels: number[] = [];
  const labelOffsets = new Int32Array(examples.length + 1);
  for (let i = 0; i < examples.length; i++) {
    for (const label of examples[i].labels) {
      const id = vocab.labelId(label);
      if (id >= 0 && labels.indexOf(id, labelOffsets[i]) < 0) labels.push(id);
    }
    labelOffsets[i + 1] = labels.length;
  }
  return { labels, labelOffsets };
}

/**
 * `data` (featurised from `examples`) with its label ids looked up again, its rows kept: for labels
 * added to the vocabulary since, which change no input row.
 */
export function relabel(data: FeaturizedData, examples: readonly Example[], featurizer: Featurizer): FeaturizedData {
  const { labels, labelOffsets } = labelIdsOf(examples, featurizer.vocab);
  return { ...data, labels: Int32Array.from(labels), labelOffsets };
}

/** The examples of `a` followed by those of `b`, as one data set (neither is changed). */
export function concatData(a: FeaturizedData, b: FeaturizedData): FeaturizedData {
  if (b.count === 0) return a;
  if (a.count === 0) return b;
  const join = (x: Int32Array, y: Int32Array) => {
    const out = new Int32Array(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  /** Offsets of both, the second's shifted past the first's last entry. */
  const joinOffsets = (x: Int32Array, y: Int32Array) => {
    const out = new Int32Array(x.length + y.length - 1);
    out.set(x);
    const base = x[x.length - 1];
    for (let i = 1; i < y.length; i++) out[x.length - 1 + i] = base + y[i];
    return out;
  };
  let weights: Float32Array | null = null;
  if (a.weights || b.weights) {
    weights = new Float32Array(a.count + b.count).fill(1);
    if (a.weights) weights.set(a.weights);
    if (b.weights) weights.set(b.weights, a.count);
  }
  return {
    count: a.count + b.count,
    rows: join(a.rows, b.rows),
    offsets: joinOffsets(a.offsets, b.offsets),
    labels: join(a.labels, b.labels),
    labelOffsets: joinOffsets(a.labelOffsets, b.labelOffsets),
    weights,
    tokens: a.tokens + b.tokens,
  };
}

function build(
  examples: readonly Example[],
  shared: boolean,
  tokens: number,
  featurizeOne: (i: number, out: IntBuffer) => void,
  featurizer: Featurizer,
  rows = new IntBuffer(1 << 16),
): FeaturizedData {
  const offsets = new Int32Array(examples.length + 1);
  let weights: Float32Array | null = null;
  for (let i = 0; i < examples.length; i++) {
    featurizeOne(i, rows);
    offsets[i + 1] = rows.length;
    const w = examples[i].weight;
    if (w !== undefined && w !== 1) {
      weights ??= new Float32Array(examples.length).fill(1);
      weights[i] = w;
    }
  }
  const { labels, labelOffsets } = labelIdsOf(examples, featurizer.vocab);
  return {
    count: examples.length,
    rows: rows.toArray(shared),
    offsets: shared ? typed(Int32Array, offsets, true) : offsets,
    labels: typed(Int32Array, labels, shared),
    labelOffsets: shared ? typed(Int32Array, labelOffsets, true) : labelOffsets,
    weights: weights && shared ? typed(Float32Array, weights, true) : weights,
    tokens,
  };
}
