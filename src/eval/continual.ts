/**
 * Continual-learning measures as pure functions over the accuracy matrix (design.md, "Continual-learning
 * metrics"; indices here are 0-based, so design.md's R[T][j] is R[T-1][j]).
 *
 * References:
 * - D. Lopez-Paz, M. Ranzato, "Gradient Episodic Memory for Continual Learning", NeurIPS 2017 (ACC, BWT, FWT).
 * - A. Chaudhry, P. K. Dokania, T. Ajanthan, P. H. S. Torr, "Riemannian Walk for Incremental Learning:
 *   Understanding Forgetting and Intransigence", ECCV 2018 (forgetting).
 */

/**
 * R[i][j] = accuracy on task j's test part after learning tasks 0..i (square T x T; entries above the
 * diagonal are still measured: they feed forward transfer).
 */
export type AccuracyMatrix = number[][];

/**
 * Throws a RangeError unless R is a non-empty square matrix of numbers in [0, 1].
 * @example
 * checkMatrix([[0.9, 0.1]]); // RangeError: accuracy matrix must be square: row 0 has 2 entries, expected 1
 */
export function checkMatrix(R: AccuracyMatrix): void {
  if (!Array.isArray(R) || R.length === 0) throw new RangeError('accuracy matrix is empty: it needs at least one task');
  const T = R.length;
  R.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== T) {
      const n = Array.isArray(row) ? row.length : 'no';
      throw new RangeError(`accuracy matrix must be square: row ${i} has ${n} entries, expected ${T}`);
    }
    row.forEach((v, j) => {
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new RangeError(`accuracy matrix entry R[${i}][${j}] = ${v} is not an accuracy in [0, 1]`);
      }
    });
  });
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * Average accuracy ACC = (1/T) sum_j R[T-1][j]: accuracy over all tasks after the last one (GEM).
 * @example
 * averageAccuracy([[1, 0.25], [0.75, 0.5]]); // 0.625
 */
export function averageAccuracy(R: AccuracyMatrix): number {
  checkMatrix(R);
  return mean(R[R.length - 1]);
}

/**
 * Backward transfer BWT = 1/(T-1) sum_{j<T-1} (R[T-1][j] - R[j][j]); negative means forgetting; 0 when T = 1 (GEM).
 * @example
 * backwardTransfer([[1, 0.25], [0.75, 0.5]]); // -0.25
 */
export function backwardTransfer(R: AccuracyMatrix): number {
  checkMatrix(R);
  const T = R.length;
  return mean(R.slice(0, T - 1).map((_, j) => R[T - 1][j] - R[j][j]));
}

/**
 * Forgetting F_j = max_{j<=i<T-1} R[i][j] - R[T-1][j] for each j < T-1, and its mean (Chaudhry et al. 2018).
 * The max starts at i = j: accuracy measured before task j was learned is not knowledge that can be forgotten.
 * F_j is negative when the final accuracy on task j beats every earlier one; it is kept so, not clipped at 0.
 * @example
 * forgetting([[1, 0.25], [0.75, 0.5]]); // { perTask: [0.25], mean: 0.25 }
 */
export function forgetting(R: AccuracyMatrix): { perTask: number[]; mean: number } {
  checkMatrix(R);
  const T = R.length;
  const perTask: number[] = [];
  for (let j = 0; j < T - 1; j++) {
    let best = R[j][j];
    for (let i = j + 1; i < T - 1; i++) best = Math.max(best, R[i][j]);
    perTask.push(best - R[T - 1][j]);
  }
  return { perTask, mean: mean(perTask) };
}

/**
 * Forward transfer FWT = 1/(T-1) sum_{j>0} (R[j-1][j] - b_j), b_j = accuracy on task j of a random-init model (GEM).
 * `baseline` has one entry per task; b_0 is not used. 0 when T = 1.
 * @example
 * forwardTransfer([[1, 0.25], [0.75, 0.5]], [0.5, 0.125]); // 0.125
 */
export function forwardTransfer(R: AccuracyMatrix, baseline: readonly number[]): number {
  checkMatrix(R);
  const T = R.length;
  if (!Array.isArray(baseline) || baseline.length !== T) {
    throw new RangeError(`baseline must have one accuracy per task (${T}), got ${Array.isArray(baseline) ? baseline.length : typeof baseline}`);
  }
  baseline.forEach((b, j) => {
    if (typeof b !== 'number' || !(b >= 0 && b <= 1)) throw new RangeError(`baseline[${j}] = ${b} is not an accuracy in [0, 1]`);
  });
  return mean(R.slice(1).map((_, k) => R[k][k + 1] - baseline[k + 1]));
}

/**
 * Learning accuracy (plasticity): the mean of R[j][j], accuracy on each task right after learning it.
 * @example
 * learningAccuracy([[1, 0.25], [0.75, 0.5]]); // 0.75
 */
export function learningAccuracy(R: AccuracyMatrix): number {
  checkMatrix(R);
  return mean(R.map((row, j) => row[j]));
}

/**
 * Running accuracy of test-then-train predictions (River's progressive validation): out[i] = correct in 0..i / (i + 1).
 * @example
 * progressiveAccuracy([true, false, true, true]); // [1, 0.5, 0.6666666666666666, 0.75]
 */
export function progressiveAccuracy(correct: readonly boolean[]): number[] {
  let hits = 0;
  return correct.map((c, i) => (hits += c ? 1 : 0) / (i + 1));
}
