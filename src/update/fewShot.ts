/**
 * The defaults of an update that teaches a new label from a few examples (issue 17): 10 to 199
 * training examples carry labels the parent does not know. Such a label's row and the rows of its
 * words learn from few texts against few replayed old ones, and the defaults tuned on batches of
 * thousands (replay ratio 1, the model's rate) teach it too little or let it take old texts.
 * Measured on SpamAssassin models taught "sotu" from 50 State of the Union passages (seeds 1-3,
 * gate off, 1,000 unseen passages; docs/decisions.md): with the general defaults 82-92% of them
 * were called "sotu" while 2.5-6.4% of the old test texts were too (old accuracy -2.4 to -4.5
 * points); with these, 91.9-94.4% and 0.7-1.1% on seeds 1-2.
 * Outside the regime (one piece of feedback, class-incremental tasks of thousands) nothing changes.
 */
import type { Example } from '../data/example.js';
import type { TextClassifier } from '../model/classifier.js';

/** Training examples carrying a new label for the few-shot defaults to apply: at least MIN, fewer than MAX. */
export const FEW_SHOT_MIN = 10;
export const FEW_SHOT_MAX = 200;

/**
 * The update's rate in the regime at least (the model's own when larger). fastText's 0.1 taught
 * "sotu" to 69-84% of unseen passages at best; models trained at 0.5 gain too (see above).
 */
export const FEW_SHOT_LR = 1;

/**
 * Replayed examples per new one and round in the regime (REPLAY_RATIO elsewhere): with 40 new
 * passages, ratio 1 replays 40 old texts a round, too few to push the new row off the old texts
 * that resemble it (3-4% of them taken); 3 took 1-2.5%, 5 0.2-1%, 8 learned less.
 */
export const FEW_SHOT_REPLAY_RATIO = 5;

/**
 * Each step on a new label's example trains on a random sub-bag of its rows (each kept with this
 * probability): the label must be told from any quarter of its words, so its evidence spreads over
 * all of them rather than the few that fit 40 examples first. Without it the rows stop moving once
 * the examples are fitted (round 1), and unseen passages, which share only part of the words, were
 * missed: 82-89% of them at ratio 5, 92-94% with sub-bags of a quarter (a tenth: 84-97%, noisier).
 */
export const SUB_BAG_KEEP = 0.25;
/** Rows a sub-bag keeps at least (in expectation): short texts (a gloss of ten words) keep most of theirs. */
export const SUB_BAG_MIN_ROWS = 16;

/** The probability each row of an example of `rows` rows is kept in a sub-bag (1 = the whole example). */
export function subBagKeep(rows: number): number {
  return rows <= 0 ? 1 : Math.min(1, Math.max(SUB_BAG_KEEP, SUB_BAG_MIN_ROWS / rows));
}

/** Whether an update of `train` on `model` is in the few-shot new-label regime. */
export function fewShotNewLabel(model: TextClassifier, train: readonly Example[]): boolean {
  let n = 0;
  for (const e of train) if (e.labels.some((l) => model.vocab.labelId(l) < 0)) n++;
  return n >= FEW_SHOT_MIN && n < FEW_SHOT_MAX;
}
