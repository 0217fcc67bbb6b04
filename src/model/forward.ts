/**
 * The forward pass shared by training and prediction: the bag of input rows (by default their
 * mean) -> optional hidden layer -> output scores turned into probabilities (softmax, or one
 * sigmoid per label for ova and hinge).
 * Vector work runs in the arena's SIMD kernels; the few per-label steps stay in JavaScript.
 */
import type { BagNorm } from '../config.js';
import type { Arena } from './arena.js';
import type { LossFunction } from './loss/loss.js';
import type { Params } from './params.js';

/** Buffers in the model's arena, reused across examples so the hot loop never allocates. */
export interface Scratch {
  readonly arena: Arena;
  /** The example's input rows, copied where the kernels can read them. */
  ids: Int32Array;
  /** Mean of the example's input rows [dim]. */
  readonly embedding: Float32Array;
  /** Hidden pre-activations and activations [hidden] (empty without a hidden layer). */
  readonly preActivation: Float32Array;
  readonly activation: Float32Array;
  /** Inverted-dropout multipliers of the hidden units (1 when not dropping). */
  readonly dropMask: Float32Array;
  /** Probabilities per label [labels]. */
  probs: Float32Array;
  /** Gradient coefficients per label, dLoss/dScore [labels]. */
  coef: Float32Array;
  /** Gradients with respect to the output layer's input and the embedding. */
  readonly gradOut: Float32Array;
  readonly gradEmbedding: Float32Array;
}

const f32 = (arena: Arena, n: number) => arena.f32(arena.alloc(Math.max(1, n) * 4), n);

export function createScratch(p: Params): Scratch {
  const arena = p.arena;
  const dim = p.input.cols;
  const hidden = p.hidden ? p.hidden.weight.rows : 0;
  return {
    arena,
    ids: arena.i32(arena.alloc(1024 * 4), 1024),
    embedding: f32(arena, dim),
    preActivation: f32(arena, hidden),
    activation: f32(arena, hidden),
    dropMask: f32(arena, hidden).fill(1),
    probs: f32(arena, p.output.rows),
    coef: f32(arena, p.output.rows),
    gradOut: f32(arena, p.output.cols),
    gradEmbedding: f32(arena, dim),
  };
}

/** Whether `s` was made for parameters of `p`'s widths (label-sized buffers aside: see fitScratch). */
export function scratchFits(s: Scratch, p: Params): boolean {
  return s.embedding.length === p.input.cols && s.activation.length === (p.hidden?.weight.rows ?? 0);
}

const reusable = new WeakMap<Params, Scratch>();

/**
 * One scratch per parameter set for training runs made one after another on this thread (the
 * rounds of every update, Fisher estimates). Arena memory is never given back, so a scratch per
 * round leaked a few KB each time: tens of MB over a long-running service's pieces of feedback,
 * and a block after the input table stops it growing in place.
 */
export function reusableScratch(p: Params): Scratch {
  let s = reusable.get(p);
  if (!s || !scratchFits(s, p)) {
    s = createScratch(p);
    reusable.set(p, s);
  }
  return s;
}

/** Makes sure label-sized buffers match a grown output layer. */
export function fitScratch(s: Scratch, p: Params): void {
  if (s.probs.length !== p.output.rows) {
    s.probs = f32(s.arena, p.output.rows);
    s.coef = f32(s.arena, p.output.rows);
  }
}

/** Copies rows[start..end) into s.ids, growing it when needed; returns the count. */
export function loadIds(s: Scratch, rows: Int32Array, start: number, end: number): number {
  const n = end - start;
  if (n > s.ids.length) {
    const capacity = 2 ** Math.ceil(Math.log2(n));
    s.ids = s.arena.i32(s.arena.alloc(capacity * 4), capacity);
  }
  s.ids.set(rows.subarray(start, end));
  return n;
}

/**
 * s.embedding = the bag of the input rows in s.ids[0..n), weighed as `bag` says; returns the
 * weight each row got (1/n for the mean), which the training step scales each row's gradient by.
 * The kernel takes the mean; other weightings rescale its dim outputs, so the mean stays as fast.
 */
export function embed(p: Params, s: Scratch, n: number, bag: BagNorm = 'mean'): number {
  p.arena.kernels.embedMean(p.input.ptr, p.input.cols, s.ids.byteOffset, n, s.embedding.byteOffset);
  if (bag === 'mean' || n === 0) return 1 / n;
  const rowWeight = bag === 'sqrt' ? 1 / Math.sqrt(n) : 1 / Math.sqrt(sumOfSquaredCounts(s.ids, n));
  const e = s.embedding;
  const toBag = rowWeight * n;
  for (let j = 0; j < e.length; j++) e[j] *= toBag;
  return rowWeight;
}

/**
 * Sum over distinct ids of (occurrences)^2: the squared L2 norm of the bag's count vector. A row
 * that occurs c times adds c/||c|| to the bag, as in a linear model's L2-normalised term
 * frequencies. One pass with a count per row id (its c-th occurrence adds 2c+1), then one that
 * clears the counts: sorting a copy cost 4x the whole forward pass on e-mails of 700 rows.
 */
let rowCounts = new Int32Array(1024);
function sumOfSquaredCounts(ids: Int32Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const r = ids[i];
    if (r >= rowCounts.length) {
      const grown = new Int32Array(2 ** Math.ceil(Math.log2(r + 1)));
      grown.set(rowCounts);
      rowCounts = grown;
    }
    sum += 2 * rowCounts[r]++ + 1;
  }
  for (let i = 0; i < n; i++) rowCounts[ids[i]] = 0;
  return sum;
}

/** The vector the output layer reads: the embedding, or the hidden activations. */
export function outputInput(p: Params, s: Scratch): Float32Array {
  return p.hidden ? s.activation : s.embedding;
}

/** Runs the hidden layer on s.embedding; dropout multipliers must already be in s.dropMask. */
export function hiddenForward(p: Params, s: Scratch): void {
  if (!p.hidden) return;
  const { weight, bias } = p.hidden;
  p.arena.kernels.matVec(weight.ptr, weight.rows, weight.cols, s.embedding.byteOffset, s.preActivation.byteOffset);
  const pre = s.preActivation;
  for (let j = 0; j < weight.rows; j++) {
    const z = pre[j] + bias.data[j];
    pre[j] = z;
    s.activation[j] = z > 0 ? z * s.dropMask[j] : 0;
  }
}

/**
 * Scores for every label, turned into probabilities in s.probs. `offsets` (training only) are
 * added to the scores first: the logit-adjusted loss (Menon et al. 2021) that keeps a skewed
 * label mix in an update from biasing the model.
 */
export function outputForward(p: Params, s: Scratch, loss: LossFunction, offsets: Float32Array | null = null, tableSigmoid = false): void {
  const x = outputInput(p, s);
  const labels = p.output.rows;
  p.arena.kernels.matVec(p.output.ptr, labels, p.output.cols, x.byteOffset, s.probs.byteOffset);
  const probs = s.probs;
  if (offsets !== null) for (let i = 0; i < labels; i++) probs[i] += i < offsets.length ? offsets[i] : 0;
  loss.probabilities(probs, labels, tableSigmoid);
}

/**
 * Full inference forward pass (no dropout); returns s.probs. `tableSigmoid`: one-vs-all scores go
 * through fastText's sigmoid table, so models in fastText mode give `fasttext predict-prob`'s numbers.
 */
export function predictProbs(p: Params, loss: LossFunction, rows: Int32Array, start: number, end: number, s: Scratch, tableSigmoid = false, bag: BagNorm = 'mean'): Float32Array {
  fitScratch(s, p);
  embed(p, s, loadIds(s, rows, start, end), bag);
  hiddenForward(p, s);
  outputForward(p, s, loss, null, tableSigmoid);
  return s.probs;
}
