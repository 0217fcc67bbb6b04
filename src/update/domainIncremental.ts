/**
 * The replay policy of an update that brings no new label, in bulk (issue 17, "update defaults
 * proven beyond one stream"): FEW_SHOT_MAX (200) or more training examples, all of labels the parent
 * knows. On domain-incremental streams (the same labels, written differently era by era) the
 * general defaults (replay ratio 1, replayed examples training only the rows the new ones share)
 * ended 1.6-1.9 points of ACC below a retrain on SOTU party by era and 0.5-1.0 on first names by
 * initial (tuning seeds 4-5 of bench:incremental's checking streams, the names model at bucket
 * 10,000). Replaying twice the new examples and training every row of them closed half or more
 * of it: -1.0 and -0.6 on SOTU, -0.4 and +0.8 on names. Either alone did less: ratio 2 -1.3 and
 * -1.2, 'all' -1.4 and -1.7 on SOTU. On SpamAssassin in time order (seeds 4-5), where the gate
 * off was already at the retrain on seed 4 (98.44 against 98.45), the gated ACC moved -0.55 and
 * +0.15. Checked on seeds 1-3 (bench/results/drift*.md) and 6-7: docs/decisions.md.
 * An update teaching no new label in its era keeps what the model knew by replaying it: an old
 * text's rows that the new texts do not share still shape its score, and at ratio 1 each round
 * tilts every shared row towards the new era. Pieces of feedback (under 200 examples) keep the
 * general defaults and their small patches; updates with new labels have their own regimes
 * (fewShot.ts, classIncremental.ts). Options given (replayRatio, replayInput) win; domainReplay
 * false keeps the general defaults.
 */
import type { Example } from '../data/example.js';
import type { TextClassifier } from '../model/classifier.js';
import { FEW_SHOT_MAX } from './fewShot.js';
import type { ReplayInput } from './selection.js';

/** Whether an update of `train` on `model` is a domain-incremental one: FEW_SHOT_MAX or more examples, none of a label the parent does not know. */
export function domainIncremental(model: TextClassifier, train: readonly Example[]): boolean {
  if (model.vocab.labelCounts.length === 0 || train.length < FEW_SHOT_MAX) return false;
  return train.every((e) => e.labels.every((l) => model.vocab.labelId(l) >= 0));
}

/** Replayed examples per new one and round in the regime (REPLAY_RATIO, 1, elsewhere). */
export const DOMAIN_REPLAY_RATIO = 2;

/** Input rows a replayed example trains in the regime: all of them (REPLAY_INPUT, 'shared', elsewhere). */
export const DOMAIN_REPLAY_INPUT: ReplayInput = 'all';
