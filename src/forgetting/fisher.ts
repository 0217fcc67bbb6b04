/**
 * Diagonal Fisher information per row (Kirkpatrick et al. 2017, "Overcoming catastrophic
 * forgetting in neural networks"), estimated from squared gradients of the log-likelihood of the
 * true labels on remembered examples. Kept per row rather than per value: 1/dim of the memory,
 * and rows are the unit that selections and updates work in.
 */
import { DEFAULTS, type Config } from '../config.js';
import type { FeaturizedData } from '../features/dataset.js';
import { stepContext } from '../learn/context.js';
import { learnExample } from '../learn/step.js';
import { reusableScratch } from '../model/forward.js';
import type { Matrix } from '../model/matrix.js';
import type { Params } from '../model/params.js';
import type { Optimizer, Slot } from '../optim/optimizer.js';

/** Mean squared gradient per row, per tensor, scaled to a mean of 1 over rows that have one (rows added after the estimate count as 0). */
export interface RowFisher {
  input: Float32Array;
  hiddenWeight: Float32Array | null;
  hiddenBias: Float32Array | null;
  output: Float32Array;
}

/** An optimizer that changes nothing and sums (c * |v|)^2 / cols per row. */
class SquaredGradients implements Optimizer {
  readonly name = 'sgd' as const;
  /**
   * |v|^2 of the last vector, until the next one or the next example: a step passes the same
   * vector for every row of a layer (every input row of an example gets the same gradient), so
   * it is summed once per layer, not once per row (a long e-mail has ~1000 input rows).
   */
  private lastV: Float32Array | null = null;
  private lastCols = 0;
  private lastSq = 0;
  constructor(private readonly sums: Map<Matrix, Float32Array>) {}
  stepRow(_slot: Slot, m: Matrix, row: number, c: number, v: Float32Array): void {
    if (v !== this.lastV || m.cols !== this.lastCols) {
      let sq = 0;
      for (let d = 0; d < m.cols; d++) sq += v[d] * v[d];
      this.lastV = v;
      this.lastCols = m.cols;
      this.lastSq = sq;
    }
    const target = this.sums.get(m);
    if (target) target[row] += (c * c * this.lastSq) / m.cols;
  }
  tick(): void {
    this.lastV = null;
  }
  fit(): void {}
  state(): null {
    return null;
  }
}

export function computeFisher(params: Params, cfg: Pick<Config, 'loss' | 'bagNorm'>, data: FeaturizedData): RowFisher {
  const fisher: RowFisher = {
    input: new Float32Array(params.input.rows),
    hiddenWeight: params.hidden ? new Float32Array(params.hidden.weight.rows) : null,
    hiddenBias: params.hidden ? new Float32Array(1) : null,
    output: new Float32Array(params.output.rows),
  };
  const sums = new Map<Matrix, Float32Array>([
    [params.input, fisher.input],
    [params.output, fisher.output],
  ]);
  if (params.hidden) {
    sums.set(params.hidden.weight, fisher.hiddenWeight!);
    sums.set(params.hidden.bias, fisher.hiddenBias!);
  }
  const ctx = stepContext(params, { ...DEFAULTS, loss: cfg.loss, bagNorm: cfg.bagNorm, weightDecay: 0, dropout: 0 }, new SquaredGradients(sums), 0, undefined, reusableScratch(params));
  for (let i = 0; i < data.count; i++) {
    learnExample(ctx, data.rows, data.offsets[i], data.offsets[i + 1], data.labels, data.labelOffsets[i], data.labelOffsets[i + 1], 1, 0);
  }
  // Normalised to a mean of 1 over the rows that have any: raw squared gradients are 1e-7..1e-4,
  // which would make a sensible EWC lambda depend on the model's scale.
  for (const arr of sums.values()) {
    let sum = 0;
    let n = 0;
    for (let r = 0; r < arr.length; r++) if (arr[r] > 0) (sum += arr[r]), n++;
    if (sum > 0) for (let r = 0; r < arr.length; r++) arr[r] *= n / sum;
  }
  return fisher;
}

/** Fisher value of a row, 0 for rows the estimate does not cover. */
export function fisherAt(values: Float32Array | null, row: number): number {
  return values !== null && row < values.length ? values[row] : 0;
}
