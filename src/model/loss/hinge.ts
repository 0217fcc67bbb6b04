/**
 * One-vs-all hinge: a linear SVM's loss per label, max(0, 1 - y·score) with y = +1 for a gold
 * label and -1 otherwise (scikit-learn's SGDClassifier(loss="hinge") on several labels). A label
 * scored past its margin gets no gradient, so confident examples stop moving the model. Scores are
 * shown as sigmoid(score), which ranks as the scores do and puts the decision boundary at 0.5.
 */
import { LOG_FLOOR, type LossFunction } from './lossFunction.js';
import { ovaLoss } from './ova.js';

export const hingeLoss: LossFunction = {
  name: 'hinge',
  exclusive: false,
  probabilities: ovaLoss.probabilities,
  gradient(probs: Float32Array, coef: Float32Array, nLabels: number, labels: Int32Array, lStart: number, lEnd: number): number {
    let value = 0;
    for (let i = 0; i < nLabels; i++) {
      // The score back from its sigmoid: the margin test needs the score itself.
      const score = logit(probs[i]);
      const gold = isGold(i, labels, lStart, lEnd);
      const margin = gold ? 1 - score : 1 + score;
      coef[i] = margin > 0 ? (gold ? -1 : 1) : 0;
      if (margin > 0) value += margin;
    }
    return value;
  },
};

function logit(p: number): number {
  const q = Math.min(Math.max(p, LOG_FLOOR), 1 - LOG_FLOOR);
  return Math.log(q / (1 - q));
}

function isGold(i: number, labels: Int32Array, lStart: number, lEnd: number): boolean {
  for (let k = lStart; k < lEnd; k++) if (labels[k] === i) return true;
  return false;
}
