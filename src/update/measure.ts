/** Measurements the gate and the report need, taken before and after an update. */
import type { Example } from '../data/example.js';
import { MetricsAccumulator, type Metrics } from '../eval/metrics.js';
import type { TextClassifier } from '../model/classifier.js';

/** Metrics on `examples` and each example's top label (to find predictions that changed). */
export function measure(model: TextClassifier, examples: readonly Example[]): { metrics: Metrics; top: string[] } {
  const acc = new MetricsAccumulator(model.labels);
  const top: string[] = [];
  for (const e of examples) {
    const best = model.predict(e.text, { k: 1 })[0]?.label ?? '';
    top.push(best);
    acc.update(e.labels, best ? [best] : []);
  }
  return { metrics: acc.get(), top };
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
