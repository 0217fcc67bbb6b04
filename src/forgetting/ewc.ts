/**
 * Elastic weight consolidation (Kirkpatrick et al. 2017): a quadratic pull of each changed row
 * back to its value before the update (the anchor), weighted by that row's Fisher information:
 * penalty = lambda/2 * sum_r F_r * |theta_r - anchor_r|^2. Applied as its own gradient step on the
 * rows an example touched, right after the example's step.
 */
import type { Matrix } from '../model/matrix.js';
import { fisherAt } from './fisher.js';

/** Where the anchor value of a row is kept (the update's undo journal); undefined = row unchanged. */
export type AnchorLookup = (m: Matrix, row: number) => Float32Array | undefined;

/** theta_r -= lr * lambda * F_r * (theta_r - anchor_r), for one row. Returns the row's penalty. */
export function ewcStep(m: Matrix, row: number, fisher: Float32Array | null, anchorOf: AnchorLookup, lambda: number, lr: number): number {
  const f = fisherAt(fisher, row);
  if (f === 0 || lambda === 0) return 0;
  const anchor = anchorOf(m, row);
  if (anchor === undefined) return 0;
  const data = m.data;
  const base = row * m.cols;
  // Never step past the anchor: a huge lambda * lr would otherwise overshoot and oscillate.
  const rate = Math.min(1, lr * lambda * f);
  let penalty = 0;
  for (let d = 0; d < m.cols; d++) {
    const diff = data[base + d] - anchor[d];
    penalty += diff * diff;
    data[base + d] -= rate * diff;
  }
  return 0.5 * lambda * f * penalty;
}

/** The EWC penalty of a whole tensor against its anchors (for tests and reports). */
export function ewcPenalty(m: Matrix, fisher: Float32Array | null, anchorOf: AnchorLookup, lambda: number): number {
  let total = 0;
  for (let r = 0; r < m.rows; r++) {
    const anchor = anchorOf(m, r);
    if (!anchor) continue;
    let sq = 0;
    for (let d = 0; d < m.cols; d++) sq += (m.data[r * m.cols + d] - anchor[d]) ** 2;
    total += 0.5 * lambda * fisherAt(fisher, r) * sq;
  }
  return total;
}
