/**
 * The loss, as fastText's loss.h has it: one small interface and one factory, so that the forward
 * pass, the training step, prediction and the update's label-mix corrections ask the loss object
 * instead of switching on its name. A new loss touches this folder and Config's LOSSES only.
 */
import { LOSSES, type Loss } from '../../config.js';
import type { LossFunction } from './lossFunction.js';
import { hingeLoss } from './hinge.js';
import { ovaLoss } from './ova.js';
import { softmaxLoss } from './softmax.js';

/** The loss named `name` (throws on a name that is none: Config's validation should have caught it). */
export function createLoss(name: Loss): LossFunction {
  switch (name) {
    case 'softmax':
      return softmaxLoss;
    case 'ova':
      return ovaLoss;
    case 'hinge':
      return hingeLoss;
    default:
      throw new RangeError(`unknown loss ${JSON.stringify(name)}: one of ${LOSSES.join(', ')}`);
  }
}

/** The loss of a model's config (the loss objects are shared constants: resolving one costs a switch). */
export function lossOf(cfg: { readonly loss: Loss }): LossFunction {
  return createLoss(cfg.loss);
}

export type { LossFunction } from './lossFunction.js';
