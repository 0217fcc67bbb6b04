/**
 * Optimisers apply a gradient given as `c * v` to one row of one tensor: every gradient in this
 * model has that shape (output rows: dLoss/dScore times the layer input; input rows: the
 * embedding gradient over the bag size), so the step is one fused loop with no temporaries.
 */
import type { OptimizerName } from '../config.js';
import type { Matrix } from '../model/matrix.js';
import type { Params } from '../model/params.js';
import { Adam, type AdamState } from './adam.js';
import { Sgd } from './sgd.js';

/** Index of a tensor in optimizer state: input, hidden.weight, hidden.bias, output. */
export const enum Slot {
  Input = 0,
  HiddenWeight = 1,
  HiddenBias = 2,
  Output = 3,
}

export interface Optimizer {
  readonly name: OptimizerName;
  /** Row `row` of `m` moves against the gradient c * v, at learning rate lr. */
  stepRow(slot: Slot, m: Matrix, row: number, c: number, v: Float32Array, lr: number): void;
  /** Marks the end of one example (Adam's step counter). */
  tick(): void;
  /** Grows internal state to match grown parameters. */
  fit(p: Params): void;
  /** Serializable state (null for stateless SGD). */
  state(): AdamState | null;
}

export function createOptimizer(name: OptimizerName, p: Params, state: AdamState | null = null): Optimizer {
  switch (name) {
    case 'sgd':
      return new Sgd();
    case 'adam':
      return new Adam(p, state);
    default:
      throw new Error(`unknown optimizer ${String(name)}; expected sgd or adam`);
  }
}
