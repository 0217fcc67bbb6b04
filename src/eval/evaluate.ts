/** Scores a model on labelled examples. */
import { toExample, type ExampleInput } from '../data/example.js';
import { show } from '../data/fields.js';
import { AccreteError } from '../errors.js';
import type { TextClassifier } from '../model/classifier.js';
import { MetricsAccumulator, type Metrics } from './metrics.js';

export interface EvaluateOptions {
  /** Labels predicted per example (default 1). */
  k?: number;
  /** Minimum probability for a predicted label (default 0). */
  threshold?: number;
}

/** Accuracy, macro-F1, per-label metrics and confusion of `model` on `examples` (see Metrics for what each counts). */
export function evaluate(model: TextClassifier, examples: Iterable<ExampleInput>, options: EvaluateOptions = {}): Metrics {
  if (typeof (examples as Partial<Iterable<unknown>> | null)?.[Symbol.iterator] !== 'function') {
    throw new AccreteError('BAD_DATA', `evaluate: examples must be an array or iterable of examples, got ${show(examples)}`);
  }
  const acc = new MetricsAccumulator(model.labels);
  let i = 0;
  for (const item of examples) {
    const e = toExample(item, 'evaluate: examples', i++);
    const predicted = model.predict(e.text, options).map((p) => p.label);
    acc.update(e.labels, predicted);
  }
  return acc.get();
}
