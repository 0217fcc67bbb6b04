/** Scores a model on labelled examples. */
import type { Example } from '../data/example.js';
import type { TextClassifier } from '../model/classifier.js';
import { MetricsAccumulator, type Metrics } from './metrics.js';

export interface EvaluateOptions {
  /** Labels predicted per example (default 1). */
  k?: number;
  /** Minimum probability for a predicted label (default 0). */
  threshold?: number;
}

/** Accuracy, macro-F1, per-label metrics and confusion of `model` on `examples`. */
export function evaluate(model: TextClassifier, examples: Iterable<Example>, options: EvaluateOptions = {}): Metrics {
  const acc = new MetricsAccumulator(model.labels);
  for (const e of examples) {
    const predicted = model.predict(e.text, options).map((p) => p.label);
    acc.update(e.labels, predicted);
  }
  return acc.get();
}
