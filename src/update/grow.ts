/**
 * Growth for an update: labels never seen get new output rows (zero, as fastText initialises its
 * output layer) and words seen at least minCount times in the new data join the vocabulary with
 * new input rows. Old ids and rows never move. New words join the vocabulary rather than relying
 * on hashed rows alone because a word of its own learns without disturbing the n-gram buckets it
 * shares with old words; their char and word n-grams keep working as before.
 */
import type { Example } from '../data/example.js';
import { EOS } from '../features/featurizer.js';
import { isRunToken } from '../text/tokenize.js';
import type { TextClassifier } from '../model/classifier.js';
import type { Matrix } from '../model/matrix.js';
import { meanRowNorm } from './align.js';
import { adamSlots } from '../optim/adam.js';
import { Rng } from '../util/rng.js';
import { evenlySpaced } from '../util/sample.js';

export interface Growth {
  newLabels: string[];
  newWords: string[];
  /** Input and output rows before growth. */
  inputRowsBefore: number;
  outputRowsBefore: number;
  /** Puts vocabulary, tensors and optimizer moments back as they were. */
  undo(): void;
}

/**
 * `tokenCounts`: how often each token occurs in the new training data (words the model lacks
 * join its vocabulary when they occur minCount times).
 */
export function grow(model: TextClassifier, labelled: readonly Example[], tokenCounts: ReadonlyMap<string, number>, seed: number, background: readonly Example[] = []): Growth {
  const { vocab, params } = model;
  const snapshot = vocab.snapshot();
  const wordsBefore = vocab.wordCount;
  const inputRowsBefore = params.input.rows;
  const outputRowsBefore = params.output.rows;
  const moments = model.optimizerState ? [...model.optimizerState.first, ...model.optimizerState.second] : [];
  const momentRows = moments.map((m) => m?.rows ?? 0);

  const newLabels: string[] = [];
  for (const e of labelled) {
    for (const l of e.labels) {
      if (vocab.labelId(l) < 0) newLabels.push(l);
      vocab.addLabel(l);
    }
  }
  const newWords: string[] = [];
  for (const [w, c] of tokenCounts) {
    if (c < model.config.minCount || w === EOS || vocab.idOf(w) >= 0 || isRunToken(w)) continue;
    vocab.addWord(w, c);
    newWords.push(w);
  }

  params.output.growRows(newLabels.length);
  const rng = new Rng(seed ^ 0x5eed);
  const scale = 1 / params.input.cols;
  params.input.growRows(newWords.length, (row) => {
    for (let d = 0; d < row.length; d++) row[d] = rng.uniform(-scale, scale);
  });
  imprint(model, labelled, newLabels, outputRowsBefore, background);
  if (model.optimizerState) {
    const slots = adamSlots(params);
    for (const [i, m] of [...model.optimizerState.first, ...model.optimizerState.second].entries()) {
      const target = slots[i % 4];
      if (m && target && m.rows < target.rows) m.growRows(target.rows - m.rows);
    }
  }
  return {
    newLabels,
    newWords,
    inputRowsBefore,
    outputRowsBefore,
    undo() {
      vocab.restore(snapshot);
      model.featurizer.forgetFrom(wordsBefore);
      params.input.truncateRows(inputRowsBefore);
      params.output.truncateRows(outputRowsBefore);
      moments.forEach((m, i) => m?.truncateRows(momentRows[i]));
    },
  };
}

/**
 * Starts each new label's output row ("imprinting", Qi et al. 2018) pointing at the mean
 * representation of its examples less the mean representation of `background` (old examples):
 * centering removes what every text shares (the end-of-text row, frequent words), so the row
 * points at what is particular to the new label. Its length is calibrated rather than copied
 * from the old rows: just long enough that the label beats the best old label by IMPRINT_MARGIN
 * on its typical (median) example. One piece of feedback is then predicted from the first step,
 * and old texts that merely resemble it keep their labels: rows as long as the old ones took
 * 7-8 of 1000 old WordNet test texts per piece of feedback, calibrated rows 2-3. A label with
 * many examples is imprinted from an evenly spaced sample of them (training does the rest).
 */
function imprint(model: TextClassifier, labelled: readonly Example[], newLabels: readonly string[], oldRows: number, background: readonly Example[]): void {
  const out = model.params.output;
  if (newLabels.length === 0 || oldRows === 0) return;
  const oldNorm = meanRowNorm(out, 0, oldRows);
  const others = scored(background.map((e) => model.representation(e.text)), out, oldRows);
  const center = meanOf(others.map((o) => o.x), out.cols);
  const byLabel = new Map<string, Example[]>(newLabels.map((l) => [l, []]));
  for (const e of labelled) for (const l of e.labels) byLabel.get(l)?.push(e);
  for (const label of newLabels) {
    const mine = scored(evenlySpaced(byLabel.get(label)!, MAX_IMPRINT_EXAMPLES).map((e) => model.representation(e.text)), out, oldRows);
    const row = out.row(model.vocab.labelId(label));
    const mean = meanOf(mine.map((m) => m.x), out.cols);
    for (let d = 0; d < row.length; d++) row[d] = mean[d] - center[d];
    const length = Math.hypot(...row);
    if (length === 0) continue;
    for (let d = 0; d < row.length; d++) row[d] /= length;
    const scale = Math.min(MAX_IMPRINT * oldNorm, Math.max(MIN_IMPRINT * oldNorm, median(mine.map((m) => neededLength(row, m)))));
    for (let d = 0; d < row.length; d++) row[d] *= Number.isFinite(scale) ? scale : oldNorm;
    separate(row, mine, others);
    const longer = Math.hypot(...row) / (MAX_IMPRINT * oldNorm);
    if (longer > 1) for (let d = 0; d < row.length; d++) row[d] /= longer;
  }
}

/** Passes of separate() at most. */
const SEPARATION_PASSES = 10;

/** A representation with the best score any old label gives it. */
interface Scored {
  x: Float32Array;
  bestOld: number;
  /** x · x, for separate()'s steps. */
  norm2: number;
}

/** Each representation with its best score among the first `oldRows` rows of `out` (the old labels). */
function scored(xs: readonly Float32Array[], out: Matrix, oldRows: number): Scored[] {
  // In the wasm kernel: run once per update, this loop would mostly run before V8 optimises it.
  const scores = out.timesVectors(xs, oldRows);
  return xs.map((x, i) => {
    let bestOld = -Infinity;
    for (let r = 0; r < oldRows; r++) bestOld = Math.max(bestOld, scores[i * oldRows + r]);
    return { x, bestOld, norm2: dot(x, x) };
  });
}

/**
 * Passive-aggressive passes (Crammer et al. 2006) over the new row: each old example it would take
 * (its best old label no longer ahead by 2 x IMPRINT_MARGIN) pushes the row off it by just enough,
 * each of the label's own examples that no longer wins by IMPRINT_MARGIN pulls it back. Centering
 * alone left a label taught by one piece of feedback taking 10-12% of a small model's guard texts.
 */
function separate(row: Float32Array, mine: readonly Scored[], others: readonly Scored[]): void {
  const step = ({ x, norm2 }: Scored, by: number) => {
    if (norm2 > 0) for (let d = 0; d < row.length; d++) row[d] += (by / norm2) * x[d];
  };
  for (let pass = 0; pass < SEPARATION_PASSES; pass++) {
    let moved = false;
    for (const o of others) {
      const over = dot(row, o.x) - (o.bestOld - 2 * IMPRINT_MARGIN);
      if (over > 0) (step(o, -over), (moved = true));
    }
    for (const m of mine) {
      const short = m.bestOld + IMPRINT_MARGIN - dot(row, m.x);
      if (short > 0) (step(m, short), (moved = true));
    }
    if (!moved) break;
  }
}

/** Logit margin (nats) of a new label over the best old one on its median example: about 73% against the runner-up. */
export const IMPRINT_MARGIN = 1;
/** Examples of one new label an imprint looks at, at most. */
const MAX_IMPRINT_EXAMPLES = 200;
/** Bounds of an imprinted row's length, in mean old-row lengths. */
const MIN_IMPRINT = 0.25;
const MAX_IMPRINT = 1;

/** How long the unit row `u` must be for its score on `x` to beat the best old label's by IMPRINT_MARGIN (NaN when u does not point towards x). */
function neededLength(u: Float32Array, { x, bestOld }: Scored): number {
  const along = dot(u, x);
  return along > 0 ? (bestOld + IMPRINT_MARGIN) / along : NaN;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d] * b[d];
  return s;
}

/** Median of the finite values (NaN when there are none). */
function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length === 0 ? NaN : v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

function meanOf(vectors: readonly Float32Array[], width: number): Float32Array {
  const sum = new Float32Array(width);
  for (const x of vectors) for (let d = 0; d < width; d++) sum[d] += x[d] / vectors.length;
  return sum;
}
