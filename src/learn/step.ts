/**
 * One SGD/Adam step on one example: fastText's Model::update with an optional hidden layer, a
 * pluggable optimizer and a parameter selection. Returns the example's loss.
 */
import type { BagNorm } from '../config.js';
import { DivergenceError } from '../errors.js';
import { embed, fitScratch, hiddenForward, loadIds, outputForward, outputInput, type Scratch } from '../model/forward.js';
import type { LossFunction } from '../model/loss/loss.js';
import type { Params } from '../model/params.js';
import { Slot, type Optimizer } from '../optim/optimizer.js';
import { rowAllowed, type Selection } from '../optim/selection.js';
import { Sgd } from '../optim/sgd.js';
import type { Rng } from '../util/rng.js';

export interface StepContext {
  readonly params: Params;
  /** Resolved once per context (createLoss), not per example. */
  readonly loss: LossFunction;
  /** How the embedding bag weighs its rows (Config.bagNorm). */
  readonly bagNorm: BagNorm;
  /** Config.weightDecay: the touched rows shrink by (1 - lr x weightDecay) per step. */
  readonly weightDecay: number;
  readonly dropout: number;
  readonly optimizer: Optimizer;
  readonly selection: Selection;
  readonly scratch: Scratch;
  readonly rng: Rng;
  /**
   * Distillation (Hinton et al. 2015; LwF, Li & Hoiem 2017): the teacher's probabilities for the
   * current example (labels the teacher did not know count as 0), mixed into the target with
   * weight teacherWeight : 1. Set per example by the caller; null when not distilling.
   */
  teacher?: Float32Array | null;
  teacherWeight?: number;
  /** Per-label score offsets for the logit-adjusted loss (see outputForward); null = none. */
  logitOffsets?: Float32Array | null;
  /** Per-input-row learning-rate multipliers (rows past its end: 1); null = all 1. */
  inputRate?: Float32Array | null;
}

const LOG_FLOOR = 1e-7;

/**
 * Blends the label gradient with the distillation gradient and returns the blended loss. As in
 * LwF, the student's distribution over the teacher's labels only (renormalised) is pulled toward
 * the teacher's: labels the teacher never knew are left to the true labels to learn.
 */
function mixTeacher(s: Scratch, nLabels: number, teacher: Float32Array, lambda: number, labelLoss: number): number {
  const norm = 1 / (1 + lambda);
  const known = Math.min(teacher.length, nLabels);
  let mass = 0;
  for (let i = 0; i < known; i++) mass += s.probs[i];
  const inv = mass > 0 ? 1 / mass : 0;
  let kl = 0;
  for (let i = 0; i < nLabels; i++) {
    if (i >= known) {
      s.coef[i] *= norm;
      continue;
    }
    const q = teacher[i];
    const p = s.probs[i] * inv;
    s.coef[i] = (s.coef[i] + lambda * (p - q)) * norm;
    if (q > 0) kl += q * Math.log(q / Math.max(p, LOG_FLOOR));
  }
  return (labelLoss + lambda * kl) * norm;
}

function drawDropout(s: Scratch, rate: number, rng: Rng): void {
  const keep = 1 / (1 - rate);
  for (let j = 0; j < s.dropMask.length; j++) s.dropMask[j] = rng.next() < rate ? 0 : keep;
}

/**
 * Lazy L2 regularisation: only the rows this step touched shrink, so an update stays as sparse as
 * its gradient. An input row shrinks once per occurrence, so frequent rows are held in more.
 */
function shrinkTouched(ctx: StepContext, n: number, lr: number): void {
  const { params: p, scratch: s, selection } = ctx;
  const k = p.arena.kernels;
  const keep = 1 - lr * ctx.weightDecay;
  const out = p.output;
  for (let i = 0; i < out.rows; i++) if (rowAllowed(selection.output, i)) k.scale(out.rowPtr(i), out.cols, keep);
  const input = p.input;
  const rate = ctx.inputRate ?? null;
  for (let i = 0; i < n; i++) {
    const r = s.ids[i];
    const m = rate !== null && r < rate.length ? rate[r] : 1;
    if (m > 0 && rowAllowed(selection.input, r)) k.scale(input.rowPtr(r), input.cols, 1 - lr * m * ctx.weightDecay);
  }
}

/** Trains on input rows[start..end) with label ids labels[lStart..lEnd); returns the loss. */
export function learnExample(
  ctx: StepContext,
  rows: Int32Array,
  start: number,
  end: number,
  labels: Int32Array,
  lStart: number,
  lEnd: number,
  weight: number,
  lr: number,
): number {
  if (lEnd <= lStart || end <= start) return 0;
  const { params: p, scratch: s, optimizer: opt, selection } = ctx;
  const k = p.arena.kernels;
  fitScratch(s, p);
  const n = loadIds(s, rows, start, end);
  const rowWeight = embed(p, s, n, ctx.bagNorm);
  if (p.hidden && ctx.dropout > 0) drawDropout(s, ctx.dropout, ctx.rng);
  hiddenForward(p, s);
  outputForward(p, s, ctx.loss, ctx.logitOffsets ?? null);
  const nLabels = p.output.rows;
  let value = ctx.loss.gradient(s.probs, s.coef, nLabels, labels, lStart, lEnd) * weight;
  if (ctx.teacher) value = mixTeacher(s, nLabels, ctx.teacher, ctx.teacherWeight ?? 1, value);
  if (!Number.isFinite(value)) throw new DivergenceError('the loss');
  const coef = s.coef;
  if (weight !== 1) for (let i = 0; i < nLabels; i++) coef[i] *= weight;

  // Output layer: the gradient for the layer below is taken before the rows change.
  const x = outputInput(p, s);
  const out = p.output;
  const gradOut = s.gradOut;
  gradOut.fill(0);
  if (opt instanceof Sgd && selection.output === true) {
    k.outputBackwardSgd(out.ptr, nLabels, out.cols, coef.byteOffset, x.byteOffset, gradOut.byteOffset, lr);
  } else {
    for (let i = 0; i < nLabels; i++) {
      const c = coef[i];
      if (c === 0) continue;
      k.axpy(gradOut.byteOffset, out.rowPtr(i), out.cols, c);
      if (rowAllowed(selection.output, i)) opt.stepRow(Slot.Output, out, i, c, x, lr);
    }
  }

  let gradEmbedding = gradOut;
  if (p.hidden) {
    const { weight: w, bias } = p.hidden;
    gradEmbedding = s.gradEmbedding;
    gradEmbedding.fill(0);
    for (let j = 0; j < w.rows; j++) {
      const g = s.preActivation[j] > 0 ? gradOut[j] * s.dropMask[j] : 0;
      gradOut[j] = g;
      if (g === 0) continue;
      k.axpy(gradEmbedding.byteOffset, w.rowPtr(j), w.cols, g);
      if (selection.hidden) opt.stepRow(Slot.HiddenWeight, w, j, g, s.embedding, lr);
    }
    if (selection.hidden) opt.stepRow(Slot.HiddenBias, bias, 0, 1, gradOut, lr);
  }

  // Input rows: each row gets the share of the gradient it had in the bag (1/n for a mean).
  const scale = rowWeight;
  const input = p.input;
  const rate = ctx.inputRate ?? null;
  if (opt instanceof Sgd && selection.input === true && rate === null) {
    k.scatterAdd(input.ptr, input.cols, s.ids.byteOffset, n, gradEmbedding.byteOffset, -lr * scale);
  } else {
    for (let i = 0; i < n; i++) {
      const r = s.ids[i];
      const m = rate !== null && r < rate.length ? rate[r] : 1;
      if (m > 0 && rowAllowed(selection.input, r)) opt.stepRow(Slot.Input, input, r, scale, gradEmbedding, lr * m);
    }
  }
  if (ctx.weightDecay > 0) shrinkTouched(ctx, n, lr);
  opt.tick();
  return value;
}
