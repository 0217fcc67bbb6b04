/**
 * The defaults of an update that teaches a new label from a few examples (issue 17): 10 to 199
 * training examples carry labels the parent does not know. Such a label's row and the rows of its
 * words learn from few texts against few replayed old ones, and the defaults tuned on batches of
 * thousands (replay ratio 1, the model's rate) teach it too little or let it take old texts.
 * Measured on SpamAssassin models taught "sotu" from 50 State of the Union passages (tuning seeds
 * 1-3, 1,000 unseen passages; docs/decisions.md): with the general defaults (gate off) 82-94% of
 * them were called "sotu", and so were 2.0-6.4% of the old test texts (old accuracy 1.7-4.7 points
 * lower); with these (gate on, all accepted), 86.5-94.4% and 0.5-1.5%.
 * Outside the regime (one piece of feedback, class-incremental tasks of thousands) nothing changes.
 */
import type { Example } from '../data/example.js';
import type { TextClassifier } from '../model/classifier.js';

/** Training examples carrying a new label for the few-shot defaults to apply: at least MIN, fewer than MAX. */
export const FEW_SHOT_MIN = 10;
export const FEW_SHOT_MAX = 200;

/**
 * The update's rate in the regime at least (the model's own when larger), for SGD without a hidden
 * layer. With ratio 5 and sub-bags, the tuned model (trained at 0.5; seeds 1 and 3) learned 88.1
 * and 86.4% at its own rate, 91.6 and 87.8% at 1, and 92.1 and 91.3% at 1.5 but took more old texts
 * (0.8 and 1.7%). A model trained at fastText's 0.1 learned 75-89% at 0.5, 87-93% at 1.
 */
export const FEW_SHOT_LR = 1;

/**
 * Replayed examples per new one and round in the regime (REPLAY_RATIO elsewhere): with 40 new
 * passages, ratio 1 replays 40 old texts a round, too few to push the new row off the old texts
 * that resemble it (2-6.4% of them taken); 3 took 0.7-2.6%, 5 0.6-1.1%, and 8 learned no more.
 */
export const FEW_SHOT_REPLAY_RATIO = 5;

/**
 * Each step on a new label's example trains on a random sub-bag of its rows (each kept with this
 * probability): the label must be told from any quarter of its words, so its evidence spreads over
 * all of them rather than the few that fit 40 examples first. Without it the rows stop moving once
 * the examples are fitted (round 1), and unseen passages, which share only part of the words, were
 * missed: at ratio 5 and rate 1, 77-89% of them learned; with sub-bags of a quarter 91-94% (no
 * flags, seeds 1-3; a tenth: 87-97% on seeds 1-2, with more old texts taken).
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
