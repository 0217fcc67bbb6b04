/** One-vs-all: an independent sigmoid and binary cross-entropy per label (multi-label). */
import { fasttextSigmoid } from '../tableSigmoid.js';
import { LOG_FLOOR, type LossFunction } from './lossFunction.js';

export const ovaLoss: LossFunction = {
  name: 'ova',
  exclusive: false,
  probabilities(v: Float32Array, n: number, tableSigmoid: boolean): void {
    if (tableSigmoid) for (let i = 0; i < n; i++) v[i] = fasttextSigmoid(v[i]);
    else for (let i = 0; i < n; i++) v[i] = sigmoid(v[i]);
  },
  gradient(probs: Float32Array, coef: Float32Array, nLabels: number, labels: Int32Array, lStart: number, lEnd: number): number {
    let value = 0;
    for (let i = 0; i < nLabels; i++) {
      coef[i] = probs[i];
      value -= Math.log(Math.max(1 - probs[i], LOG_FLOOR));
    }
    for (let k = lStart; k < lEnd; k++) {
      const y = labels[k];
      coef[y] -= 1;
      value += Math.log(Math.max(1 - probs[y], LOG_FLOOR)) - Math.log(Math.max(probs[y], LOG_FLOOR));
    }
    return value;
  },
};

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}
