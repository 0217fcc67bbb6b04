/**
 * Top-k labels for many texts at once, given as pre-featurised input rows, in compact arrays: the
 * form a forward worker sends back (src/model/forwardWorker.ts). TextClassifier.topK picks with
 * the same function, so both give the same labels in the same order.
 */

/** The predictions of `lines` texts: k slots per text, best first; unused slots have label -1. */
export interface TopRows {
  lines: number;
  k: number;
  /** Label ids [lines * k]. */
  labels: Int32Array<ArrayBuffer>;
  /** Probabilities [lines * k] (float32, as the forward pass computes them). */
  scores: Float32Array<ArrayBuffer>;
}

/** Probabilities of every label for input rows [start, end) (a view, valid until the next call). */
export type ProbsOfRows = (rows: Int32Array, start: number, end: number) => Float32Array;

/**
 * The ids of the (at most) k labels of highest probability, at least `threshold`, best first;
 * ties go to the lower id.
 */
export function pickTop(probs: Float32Array, labelCount: number, k: number, threshold: number): number[] {
  const want = slotsFor(k, labelCount);
  // Selection by repeated scans: k is small (1-5) and labels few, so this beats sorting them all.
  const picked: number[] = [];
  for (let r = 0; r < want; r++) {
    let best = -1;
    for (let i = 0; i < labelCount; i++) {
      if (probs[i] < threshold || picked.includes(i)) continue;
      if (best < 0 || probs[i] > probs[best]) best = i;
    }
    if (best < 0) break;
    picked.push(best);
  }
  return picked;
}

/** Slots per text for `k` (as pickTop clamps it). */
export function slotsFor(k: number, labelCount: number): number {
  return Math.min(Math.max(0, k), labelCount);
}

/**
 * Top labels of each text in `rows`, text i being rows [ends[i-1], ends[i]) (text 0 starts at 0).
 */
export function topRows(probsOf: ProbsOfRows, labelCount: number, rows: Int32Array, ends: Int32Array, k: number, threshold: number): TopRows {
  const slots = slotsFor(k, labelCount);
  const labels = new Int32Array(ends.length * slots).fill(-1);
  const scores = new Float32Array(ends.length * slots);
  for (let i = 0, from = 0; i < ends.length; from = ends[i++]) {
    const probs = probsOf(rows, from, ends[i]);
    const picked = pickTop(probs, labelCount, k, threshold);
    for (let j = 0; j < picked.length; j++) {
      labels[i * slots + j] = picked[j];
      scores[i * slots + j] = probs[picked[j]];
    }
  }
  return { lines: ends.length, k: slots, labels, scores };
}
