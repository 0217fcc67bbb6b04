/** How autotune scores a model on its validation set. */
import type { Example } from '../../data/example.js';
import type { FeaturizedData } from '../../features/dataset.js';
import type { TextClassifier } from '../../model/classifier.js';
import { spreadIndex, topLabelAt } from '../validate.js';

export type AutotuneMetric = 'accuracy' | 'macroF1';

/**
 * Top-1 accuracy and macro-F1 (over the labels of the validation set and the predictions) of a
 * model, on all of `data` or on `limit` examples of it spread evenly.
 */
export function scoreModel(model: TextClassifier, data: FeaturizedData, examples: readonly Example[], limit = Infinity): { accuracy: number; macroF1: number } {
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const at = (label: string) => {
    let c = counts.get(label);
    if (!c) counts.set(label, (c = { tp: 0, fp: 0, fn: 0 }));
    return c;
  };
  const n = Math.min(limit, data.count);
  let correct = 0;
  for (let j = 0; j < n; j++) {
    const i = spreadIndex(j, n, data.count);
    const predicted = model.labels[topLabelAt(model, data, i)];
    const truth = examples[i].labels;
    if (truth.includes(predicted)) {
      correct++;
      at(predicted).tp++;
    } else at(predicted).fp++;
    for (const label of truth) if (label !== predicted) at(label).fn++;
  }
  let f1 = 0;
  for (const c of counts.values()) f1 += c.tp === 0 ? 0 : (2 * c.tp) / (2 * c.tp + c.fp + c.fn);
  return { accuracy: n === 0 ? 0 : correct / n, macroF1: counts.size === 0 ? 0 : f1 / counts.size };
}
