/** Fast accuracy on pre-featurised examples, for per-epoch validation. */
import type { FeaturizedData } from '../features/dataset.js';
import type { TextClassifier } from '../model/classifier.js';

/** Fraction of examples (the first `limit` of them, spread evenly) whose most probable label is one of theirs. */
export function accuracyOnRows(model: TextClassifier, data: FeaturizedData, limit = Infinity): number {
  if (data.count === 0) return 0;
  const n = Math.min(limit, data.count);
  let correct = 0;
  for (let j = 0; j < n; j++) {
    const i = n === data.count ? j : Math.floor((j * data.count) / n);
    const probs = model.probsOfRows(data.rows, data.offsets[i], data.offsets[i + 1]);
    let top = 0;
    for (let j = 1; j < model.labels.length; j++) if (probs[j] > probs[top]) top = j;
    for (let k = data.labelOffsets[i]; k < data.labelOffsets[i + 1]; k++) if (data.labels[k] === top) correct++;
  }
  return correct / n;
}
