/** Measurements the gate and the report need, taken before and after an update. */
import type { Example } from '../data/example.js';
import { MetricsAccumulator, type Metrics } from '../eval/metrics.js';
import type { FeaturizedData } from '../features/dataset.js';
import type { TextClassifier } from '../model/classifier.js';

/**
 * Metrics on `examples` (featurised as `data`) and each example's top label (to find predictions that changed). With
 * `knownLabels`, predictions are restricted to the first that many labels (the parent's): what the
 * model knew is judged without the new labels competing, which any model, even one retrained from
 * scratch, would suffer from.
 */
export function measure(
  model: TextClassifier,
  examples: readonly Example[],
  data: FeaturizedData,
  knownLabels = model.labels.length,
): { metrics: Metrics; top: string[]; correct: boolean[]; topIsNewLabel: boolean[] } {
  const labels = model.labels;
  const acc = new MetricsAccumulator(labels.slice(0, knownLabels));
  const top: string[] = [];
  const correct: boolean[] = [];
  // Whether a label past `knownLabels` (one the update added) scores above the best known one.
  const topIsNewLabel: boolean[] = [];
  const known = Math.min(knownLabels, labels.length);
  for (const [i, e] of examples.entries()) {
    const probs = model.probsOfRows(data.rows, data.offsets[i], data.offsets[i + 1]);
    let best = -1;
    for (let i = 0; i < known; i++) if (best < 0 || probs[i] > probs[best]) best = i;
    let bestNew = -1;
    for (let i = known; i < labels.length; i++) if (bestNew < 0 || probs[i] > probs[bestNew]) bestNew = i;
    topIsNewLabel.push(bestNew >= 0 && (best < 0 || probs[bestNew] > probs[best]));
    const label = best >= 0 ? labels[best] : '';
    top.push(label);
    correct.push(e.labels.includes(label));
    acc.update(e.labels, label ? [label] : []);
  }
  return { metrics: acc.get(), top, correct, topIsNewLabel };
}

export interface ChangedPrediction {
  text: string;
  gold: string[];
  before: string;
  after: string;
}

export function changedPredictions(examples: readonly Example[], before: readonly string[], after: readonly string[], keep = 10): { count: number; examples: ChangedPrediction[] } {
  const changed: ChangedPrediction[] = [];
  let count = 0;
  examples.forEach((e, i) => {
    if (before[i] === after[i]) return;
    count++;
    if (changed.length < keep) changed.push({ text: e.text.length > 200 ? e.text.slice(0, 200) + '…' : e.text, gold: e.labels, before: before[i], after: after[i] });
  });
  return { count, examples: changed };
}
