/** Fast accuracy on pre-featurised examples, for per-epoch validation. */
import type { FeaturizedData } from '../features/dataset.js';
import type { TextClassifier } from '../model/classifier.js';

/** Fraction of examples whose most probable label is one of their labels. */
export function accuracyOnRows(model: TextClassifier, data: FeaturizedData): number {
  if (data.count === 0) return 0;
  let correct = 0;
  for (let i = 0; i < data.count; i++) {
    const probs = model.probsOfRows(data.rows, data.offsets[i], data.offsets[i + 1]);
    let top = 0;
    for (let j = 1; j < model.labels.length; j++) if (probs[j] > probs[top]) top = j;
    for (let k = data.labelOffsets[i]; k < data.labelOffsets[i + 1]; k++) if (data.labels[k] === top) correct++;
  }
  return correct / data.count;
}
