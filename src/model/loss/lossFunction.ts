/** The loss interface (see loss.ts for the factory). */
import type { Loss } from '../../config.js';

export interface LossFunction {
  readonly name: Loss;
  /**
   * Whether the labels exclude one another (their probabilities sum to 1). Only then do the
   * update's corrections of its label mix apply (the logit adjustment and weight aligning) and
   * does a distillation temperature soften the parent's targets.
   */
  readonly exclusive: boolean;
  /**
   * Turns scores v[0..n) into probabilities, in place. `tableSigmoid`: per-label sigmoids through
   * fastText's table (models in fastText mode), so predictions give `fasttext predict-prob`'s numbers.
   */
  probabilities(v: Float32Array, n: number, tableSigmoid: boolean): void;
  /**
   * Fills coef[0..nLabels) with dLoss/dScore for probabilities `probs` and the example's label ids
   * labels[lStart..lEnd); returns the loss.
   */
  gradient(probs: Float32Array, coef: Float32Array, nLabels: number, labels: Int32Array, lStart: number, lEnd: number): number;
}

/** log() of a probability, floored so a probability of 0 gives a large finite loss. */
export const LOG_FLOOR = 1e-7;
