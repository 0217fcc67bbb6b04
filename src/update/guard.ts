/**
 * The gate's default guard: a few examples kept out of training so they stand for what the model
 * knew. Examples the model trained on overstate it (it memorised them), and an update on more of
 * the same kind of data wears that memory off: on WordNet with 200,000 buckets an update with the
 * second half of the data raised test accuracy from 72.6% to 74.5%, yet accuracy on a guard held
 * out of the replay memory fell from 87.7% to 80.3% and the gate rejected it. With 300 examples
 * held out of training instead, the same update was accepted (72.5% -> 75.7%).
 */
import type { Example } from '../data/example.js';
import { splitTrainTest } from '../datasets/split.js';

/** Share of the training data held out as the guard when no validation data is given. */
export const GUARD_SHARE = 0.02;
/** The most guard examples kept (the gate scores them before and after every update). */
export const MAX_GUARD = 300;
/** Fewer than this and a guard cannot tell forgetting from noise: none is held out. */
export const MIN_GUARD = 30;

/** How many of `n` training examples to hold out as the guard: 2%, at most 300, none below 30. */
export function guardSize(n: number): number {
  const k = Math.min(MAX_GUARD, Math.floor(n * GUARD_SHARE));
  return k >= MIN_GUARD ? k : 0;
}

/** Splits a stratified, seeded sample of about `size` examples off `examples` to serve as the guard. */
export function holdOutGuard(examples: readonly Example[], seed: number, size = guardSize(examples.length)): { train: Example[]; guard: Example[] } {
  if (size <= 0 || examples.length === 0) return { train: [...examples], guard: [] };
  const { train, test } = splitTrainTest(examples, Math.min(0.5, size / examples.length), seed);
  return { train, guard: test };
}
