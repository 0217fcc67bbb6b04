/**
 * Weight aligning (Zhao et al., "Maintaining Discrimination and Fairness in Class Incremental
 * Learning", CVPR 2020): after an update that brought new labels, their output rows are scaled
 * down to the mean norm of the old labels' rows. An update trains new labels on all their examples
 * and old labels only on replayed ones, so the new rows come out longer and their scores win on
 * texts of old labels (the lean to what was learned last). Measured on class-incremental WordNet
 * (200k buckets, replay 2000, gate off): ACC 54.1 -> 60.5, as good as the best single scale chosen
 * on the test sets themselves (60.9).
 */
import type { Matrix } from '../model/matrix.js';

/**
 * Scales rows [firstNew, rows) of `output` by mean old-row norm / mean new-row norm when that is
 * below 1 (new rows are never lengthened); returns the factor applied (1 = unchanged).
 */
export function alignNewRows(output: Matrix, firstNew: number): number {
  if (firstNew <= 0 || firstNew >= output.rows) return 1;
  const oldNorm = meanRowNorm(output, 0, firstNew);
  const newNorm = meanRowNorm(output, firstNew, output.rows);
  if (!(newNorm > oldNorm) || oldNorm === 0) return 1;
  const factor = oldNorm / newNorm;
  const data = output.data;
  for (let k = firstNew * output.cols; k < output.rows * output.cols; k++) data[k] *= factor;
  return factor;
}

/** The mean Euclidean length of rows [from, to) of `m`. */
export function meanRowNorm(m: Matrix, from: number, to: number): number {
  let sum = 0;
  for (let r = from; r < to; r++) sum += Math.hypot(...m.row(r));
  return sum / (to - from);
}
