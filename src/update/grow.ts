/**
 * Growth for an update: labels never seen get new output rows (zero, as fastText initialises its
 * output layer) and words seen at least minCount times in the new data join the vocabulary with
 * new input rows. Old ids and rows never move. New words join the vocabulary rather than relying
 * on hashed rows alone because a word of its own learns without disturbing the n-gram buckets it
 * shares with old words; their char and word n-grams keep working as before.
 */
import type { Example } from '../data/example.js';
import { EOS } from '../features/featurizer.js';
import type { TextClassifier } from '../model/classifier.js';
import { adamSlots } from '../optim/adam.js';
import { Rng } from '../util/rng.js';

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
    if (c < model.config.minCount || w === EOS || vocab.idOf(w) >= 0) continue;
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
 * Starts each new label's output row at the mean representation of its examples, less the mean
 * representation of `background` (old examples), scaled to the old rows' mean norm ("imprinting",
 * Qi et al. 2018). Centering removes what every text shares (the end-of-text row, frequent words),
 * so the new label points at what is particular to its examples and does not steal old ones. One
 * piece of feedback is then predicted from the first step; a zero row would need many.
 */
function imprint(model: TextClassifier, labelled: readonly Example[], newLabels: readonly string[], oldRows: number, background: readonly Example[]): void {
  const out = model.params.output;
  if (newLabels.length === 0 || oldRows === 0) return;
  let norm = 0;
  for (let r = 0; r < oldRows; r++) norm += Math.hypot(...out.row(r));
  norm /= oldRows;
  const center = meanRepresentation(model, background, out.cols);
  for (const label of newLabels) {
    const mine = labelled.filter((e) => e.labels.includes(label));
    const row = out.row(model.vocab.labelId(label));
    const mean = meanRepresentation(model, mine, out.cols);
    for (let d = 0; d < row.length; d++) row[d] = mean[d] - center[d];
    const length = Math.hypot(...row);
    if (length > 0) for (let d = 0; d < row.length; d++) row[d] *= norm / length;
  }
}

function meanRepresentation(model: TextClassifier, examples: readonly Example[], width: number): Float32Array {
  const sum = new Float32Array(width);
  for (const e of examples) {
    const x = model.representation(e.text);
    for (let d = 0; d < width; d++) sum[d] += x[d] / examples.length;
  }
  return sum;
}
