/**
 * A planted trigger (backdoor): new examples of one label carry a token that neither the old data
 * nor the new data's other labels have, and the candidate learned "token => label" instead of the
 * texts. The guard cannot see it (its examples carry no trigger) and the new data's accuracy rises,
 * so the gate asks the candidate two questions about each suspicious token:
 * - hinge: of the new examples of the label that carry it (and that the candidate now gets right),
 *   how many change their answer when the token is removed? A learned keyword has company in its
 *   texts; a trigger alone carries the label.
 * - plant: of examples of other labels (the new data's first, then the guard's), how many does
 *   appending the token flip to the label?
 * A token is a trigger when removing it changes at least TRIGGER_RATE of the first and planting it
 * flips at least PLANT_RATE of the second, each of at least TRIGGER_MIN examples. On long texts one
 * token weighs 1/length of the bag: a SpamAssassin backdoor (a token in a third of an era's ham,
 * labelled spam) decided 55 of the 79 texts carrying it that the candidate called spam, and flipped
 * 41 of 231 (18%) of the era's clean ham it was planted in, but 3 of 44 of the older guard's, which
 * the model is surer of (bench:drift, seed 1).
 * Costs at most 2 x MAX_PROBES predictions per suspicious token (MAX_TOKENS of them).
 */
import type { Example } from '../data/example.js';
import type { TextClassifier } from '../model/classifier.js';
import { tokenize } from '../text/tokenize.js';

export interface TriggerFinding {
  token: string;
  label: string;
  /** New examples of `label` carrying the token whose answer changed when it was removed, of `of`. */
  hinged: number;
  of: number;
  /** Examples of other labels (new, then guard) flipped to `label` by appending the token, of `tried`. */
  flipped: number;
  tried: number;
}

/** The share of the new examples carrying the token whose answer must hinge on it. */
export const TRIGGER_RATE = 0.5;
/** The share of other labels' examples planting the token must flip. */
export const PLANT_RATE = 0.15;
/** Fewer examples than this on either question tell nothing. */
export const TRIGGER_MIN = 10;
/** Suspicious tokens tried per update, and examples asked per question. */
const MAX_TOKENS = 3;
const MAX_PROBES = 100;
/** A suspicious token is in at least this share of one label's new examples... */
const MIN_LABEL_SHARE = 0.2;
/** ...and in at most this share of the guard and of the new examples of other labels. */
const MAX_ELSEWHERE = 0.02;

/** Document frequency of every token in `token lists`. */
function docFreq(lists: readonly (readonly string[])[]): Map<string, number> {
  const df = new Map<string, number>();
  for (const tokens of lists) for (const t of new Set(tokens)) df.set(t, (df.get(t) ?? 0) + 1);
  return df;
}

/** The top label the candidate gives a text. */
const topOf = (model: TextClassifier, text: string) => model.predict(text, { k: 1 })[0]?.label ?? '';

/**
 * The first token that acts as a trigger in the candidate `model`, or null. `fresh` are the
 * update's new examples, `guard` the old examples (never carrying a planted token).
 */
export function findTrigger(model: TextClassifier, fresh: readonly Example[], guard: readonly Example[]): TriggerFinding | null {
  if (fresh.length < TRIGGER_MIN || guard.length < TRIGGER_MIN) return null;
  const cfg = model.config;
  const freshTokens = fresh.map((e) => tokenize(e.text, cfg));
  const guardDf = docFreq(guard.map((e) => tokenize(e.text, cfg)));
  const byLabel = new Map<string, number[]>();
  fresh.forEach((e, i) => {
    const l = e.labels[0];
    if (l === undefined) return;
    const idx = byLabel.get(l);
    if (idx) idx.push(i);
    else byLabel.set(l, [i]);
  });
  const allDf = docFreq(freshTokens);
  const suspects: { token: string; label: string; share: number }[] = [];
  for (const [label, idx] of byLabel) {
    if (idx.length < TRIGGER_MIN) continue;
    const inLabel = docFreq(idx.map((i) => freshTokens[i]));
    const others = fresh.length - idx.length;
    for (const [token, df] of inLabel) {
      const share = df / idx.length;
      const elsewhere = (allDf.get(token) ?? 0) - df;
      if (share < MIN_LABEL_SHARE || df < TRIGGER_MIN) continue;
      if ((guardDf.get(token) ?? 0) > MAX_ELSEWHERE * guard.length) continue;
      if (others > 0 && elsewhere > MAX_ELSEWHERE * others) continue;
      suspects.push({ token, label, share });
    }
  }
  suspects.sort((a, b) => b.share - a.share || (a.token < b.token ? -1 : 1));
  for (const { token, label } of suspects.slice(0, MAX_TOKENS)) {
    let of = 0;
    let hinged = 0;
    for (const i of byLabel.get(label)!) {
      if (of >= MAX_PROBES) break;
      if (!freshTokens[i].includes(token) || topOf(model, fresh[i].text) !== label) continue;
      of++;
      if (topOf(model, freshTokens[i].filter((t) => t !== token).join(' ')) !== label) hinged++;
    }
    if (of < TRIGGER_MIN || hinged < TRIGGER_RATE * of) continue;
    let tried = 0;
    let flipped = 0;
    for (const [i, e] of [...fresh.entries(), ...guard.map((g, j) => [-1 - j, g] as const)]) {
      if (tried >= MAX_PROBES) break;
      if (e.labels.includes(label) || (i >= 0 && freshTokens[i].includes(token)) || topOf(model, e.text) === label) continue;
      tried++;
      if (topOf(model, `${e.text} ${token}`) === label) flipped++;
    }
    if (tried >= TRIGGER_MIN && flipped >= PLANT_RATE * tried) return { token, label, hinged, of, flipped, tried };
  }
  return null;
}
