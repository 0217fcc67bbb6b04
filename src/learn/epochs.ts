/**
 * The single-threaded training loop over a pre-featurised dataset: step through a shuffled order,
 * decay the learning rate. No allocation per example; progress is reported about twice a second.
 */
import type { FeaturizedData } from '../features/dataset.js';
import { learnExample, type StepContext } from './step.js';
import { decayedLr } from './schedule.js';

export interface EpochPlan {
  /** Base learning rate. */
  lr: number;
  /** Whether the learning rate decays linearly over the run (fastText) or stays constant. */
  decay: boolean;
  /** Examples already processed in this run, and the run's total (for the decay). */
  doneBefore: number;
  total: number;
  /** Called about every half second with the examples done in this epoch and the mean loss since the last call. */
  onTick?: (examplesDone: number, meanLoss: number) => void;
}

/** One pass over `data` in the order `order`; returns the mean loss. */
export function runEpoch(ctx: StepContext, data: FeaturizedData, order: Int32Array, plan: EpochPlan): number {
  const { rows, offsets, labels, labelOffsets, weights } = data;
  let lossSum = 0;
  let lossSince = 0;
  let countSince = 0;
  let nextCheck = 1000;
  let lastTick = performance.now();
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const lr = plan.decay ? decayedLr(plan.lr, plan.doneBefore + k, plan.total) : plan.lr;
    const loss = learnExample(ctx, rows, offsets[i], offsets[i + 1], labels, labelOffsets[i], labelOffsets[i + 1], weights ? weights[i] : 1, lr);
    lossSum += loss;
    lossSince += loss;
    countSince++;
    if (plan.onTick !== undefined && k >= nextCheck) {
      nextCheck = k + 1000;
      const now = performance.now();
      if (now - lastTick > 500) {
        lastTick = now;
        plan.onTick(k + 1, lossSince / countSince);
        lossSince = 0;
        countSince = 0;
      }
    }
  }
  return order.length > 0 ? lossSum / order.length : 0;
}
