/** Fast accuracy on pre-featurised examples, for per-epoch validation. */
import type { FeaturizedData } from '../features/dataset.js';
import type { TextClassifier } from '../model/classifier.js';

/** Fraction of examples (the first `limit` of them, spread evenly) whose most probable label is one of theirs. */
export function accuracyOnRows(model: TextClassifier, data: FeaturizedData, limit = Infinity): number {
  if (data.count === 0) return 0;
  const n = Math.min(limit, data.count);
  let correct = 0;
  for (let j = 0; j < n; j++) {
    const i = spreadIndex(j, n, data.count);
    const top = topLabelAt(model, data, i);
    for (let k = data.labelOffsets[i]; k < data.labelOffsets[i + 1]; k++) if (data.labels[k] === top) correct++;
  }
  return correct / n;
}

/** The j-th of n examples spread evenly over `count` (all of them, in order, when n = count). */
export function spreadIndex(j: number, n: number, count: number): number {
  return n === count ? j : Math.floor((j * count) / n);
}

/** The label id the model finds most probable for featurised example i. */
export function topLabelAt(model: TextClassifier, data: FeaturizedData, i: number): number {
  const probs = model.probsOfRows(data.rows, data.offsets[i], data.offsets[i + 1]);
  let top = 0;
  for (let k = 1; k < model.labels.length; k++) if (probs[k] > probs[top]) top = k;
  return top;
}
