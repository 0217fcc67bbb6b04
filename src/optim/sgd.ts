/** Plain stochastic gradient descent (the learning-rate schedule lives in the training loop). */
import type { Matrix } from '../model/matrix.js';
import type { Optimizer, Slot } from './optimizer.js';

export class Sgd implements Optimizer {
  readonly name = 'sgd' as const;
  stepRow(_slot: Slot, m: Matrix, row: number, c: number, v: Float32Array, lr: number): void {
    m.arena.kernels.axpy(m.rowPtr(row), v.byteOffset, m.cols, -lr * c);
  }
  tick(): void {}
  fit(): void {}
  state(): null {
    return null;
  }
}
