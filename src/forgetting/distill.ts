/**
 * Distillation targets (Hinton et al. 2015; as in LwF, Li & Hoiem 2017): the parent's
 * probabilities on every training example of an update, computed before the model changes.
 */
import type { Example } from '../data/example.js';
import type { TextClassifier } from '../model/classifier.js';

export interface Teacher {
  /** probs[i * labels + j]: the parent's probability of label j on example i. */
  probs: Float32Array;
  labels: number;
  /** Weight of the distillation target against the true labels. */
  weight: number;
}

/** The parent's probabilities on each training example, softened by temperature T (softmax models). */
export function teacherProbs(model: TextClassifier, examples: readonly Example[], temperature: number, weight: number): Teacher {
  const labels = model.labels.length;
  const probs = new Float32Array(examples.length * labels);
  examples.forEach((e, i) => {
    const p = model.probabilities(e.text);
    if (model.loss.exclusive && temperature !== 1) {
      let sum = 0;
      for (let j = 0; j < labels; j++) sum += (p[j] = Math.pow(Math.max(p[j], 1e-12), 1 / temperature));
      for (let j = 0; j < labels; j++) p[j] /= sum;
    }
    probs.set(p, i * labels);
  });
  return { probs, labels, weight };
}
