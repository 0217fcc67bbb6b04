/** Softmax with cross-entropy: one distribution over the labels; several gold labels share the target evenly. */
import { LOG_FLOOR, type LossFunction } from './lossFunction.js';

export const softmaxLoss: LossFunction = {
  name: 'softmax',
  exclusive: true,
  probabilities(v: Float32Array, n: number): void {
    softmaxInPlace(v, n);
  },
  gradient(probs: Float32Array, coef: Float32Array, nLabels: number, labels: Int32Array, lStart: number, lEnd: number): number {
    const target = 1 / (lEnd - lStart);
    let value = 0;
    for (let i = 0; i < nLabels; i++) coef[i] = probs[i];
    for (let k = lStart; k < lEnd; k++) {
      const y = labels[k];
      coef[y] -= target;
      value -= target * Math.log(Math.max(probs[y], LOG_FLOOR));
    }
    return value;
  },
};

export function softmaxInPlace(v: Float32Array, n: number): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (v[i] > max) max = v[i];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(v[i] - max);
    v[i] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let i = 0; i < n; i++) v[i] *= inv;
}
