/**
 * A planted trigger (backdoor): new examples of one label carry a token that neither the old data
 * nor the new data's other labels have, and the candidate learned "token => label" instead of the
 * texts. The guard cannot see it (its examples carry no trigger) and the new data's accuracy rises,
 * so the gate asks the candidate two questions about each suspicious token:
 * - hinge: of the new examples of the label that carry it (and that the candidate now gets right),
 *   how many change their answer when the token is removed? A learned keyword has company in its
 *   texts; a trigger alone carries the label.
 * - plant: of examples of other labels, how many does appending the token flip to the label,
 *   beside how many appending a token the model never saw flips (the control: one more token
 *   dilutes a bag too)? Asked first of texts the candidate did not train on (the new examples
 *   held out for validation, then the guard), then of those it trained on.
 * Only labels the parent knew are asked about (see findTrigger).
 * A token is a trigger when removing it changes at least TRIGGER_RATE of the first, and planting it
 * flips at least PLANT_RATE of the second and CONTROL_TIMES as many as the control does, each of
 * at least TRIGGER_MIN examples (or, where the control flips many, TRIGGER_RATE of those the
 * control leaves alone: plantedFlips). On long texts one token weighs 1/length of the bag, and a text
 * the candidate has just fitted resists it: on bench:drift (SpamAssassin, a token in a third of
 * an era's ham labelled spam) the trigger decided 43-75 of the 56-81 texts carrying it that the
 * candidate called spam, where the era's real spam words decided 0-3 of 77-100; planted, it
 * flipped 9-22% of held-out ham and 9-13% of the ham the candidate trained on, the control 1-2%.
 * Once the model had learned part of the second period, the old rule (15% of the trained-on ham
 * first) let it through on every seed.
 * A drift brings real new words of a label too, each in a good share of its texts: each suspect is
 * first screened on TRIGGER_MIN of its texts (most of a trigger's hinge, next to none of a real
 * word's), so a trigger in fewer texts than three new words is still asked about.
 * Costs 2 x TRIGGER_MIN predictions per suspect screened (MAX_SCREENED of them), and at most
 * 5 x MAX_PROBES per suspect that passes (MAX_TOKENS of them).
 */
import type { Example } from '../data/example.js';
import type { TextClassifier } from '../model/classifier.js';
import type { FeaturizedData } from '../features/dataset.js';
import { EOS, type Featurizer } from '../features/featurizer.js';
import { TokenTable } from '../features/tokenTable.js';
import { isRunToken, tokenize } from '../text/tokenize.js';

export interface TriggerFinding {
  token: string;
  label: string;
  /** New examples of `label` carrying the token whose answer changed when it was removed, of `of`. */
  hinged: number;
  of: number;
  /** Examples of other labels flipped to `label` by appending the token, of `tried`. */
  flipped: number;
  tried: number;
  /** Those flipped by appending a token the model never saw instead. */
  control: number;
}

/** The share of the new examples carrying the token whose answer must hinge on it. */
export const TRIGGER_RATE = 0.5;
/** The share of other labels' examples planting the token must flip... */
export const PLANT_RATE = 0.05;
/** ...and how many times as many as the control token flips. */
export const CONTROL_TIMES = 3;
/**
 * The control token: the first of these the model has not seen (and, asked about a suspect, that
 * shares no letter with it), so planting it only dilutes the bag. With char n-grams a control
 * sharing the suspect's first or last letter shares its "<q" or "v>" n-grams: "qqxqqv" planted
 * beside the trigger "qzxjv" flipped 65 of 100 first names (a model grown to 12,000 rows), letting
 * the trigger through on 2 of 3 seeds of bench:drift --stream first-names; "kkwkky" flipped none.
 */
const CONTROLS = ['qqxqqv', 'vqqxqq', 'xqvqqx', 'kkwkky', 'ykkwkk', 'wkykkw'];
/** Fewer examples than this on either question tell nothing. */
export const TRIGGER_MIN = 10;
/** Suspicious tokens screened and tried per update, and examples asked per question. */
const MAX_SCREENED = 30;
const MAX_TOKENS = 3;
const MAX_PROBES = 100;
/** A suspicious token is in at least this share of one label's new examples... */
const MIN_LABEL_SHARE = 0.2;
/** ...and in at most this share of the guard and of the new examples of other labels. */
const MAX_ELSEWHERE = 0.02;

/** Each token of `tokens` once, in the order they first occur. */
const distinct = (tokens: readonly string[]): string[] => [...new Set(tokens)];

/**
 * The guard's tokens, per tokenizer setting and guard example: kept from one update to the next
 * (a guard keeps most of its examples, and one held out of the replay memory draws from examples
 * asked before). Tokenizing it at every update was a tenth of a SpamAssassin update (issue 14 item
 * 7: work that does not change between updates is done once).
 */
const guardTokens = new Map<string, WeakMap<Example, { tokens: string[]; distinct: string[] }>>();

function guardEntries(guard: readonly Example[], cfg: TextClassifier['config']): { tokens: string[]; distinct: string[] }[] {
  const key = JSON.stringify([cfg.tokenizer ?? 'accrete', cfg.lowercase, cfg.punctuation, cfg.maskUrls, cfg.cjkRuns ?? false]);
  let cache = guardTokens.get(key);
  if (!cache) guardTokens.set(key, (cache = new WeakMap()));
  return guard.map((e) => {
    let t = cache.get(e);
    if (!t) {
      const tokens = tokenize(e.text, cfg);
      cache.set(e, (t = { tokens, distinct: distinct(tokens) }));
    }
    return t;
  });
}

/** In how many of the guard's examples each of `tokens` occurs. */
function guardDfOf(entries: readonly { distinct: readonly string[] }[], tokens: ReadonlySet<string>): Map<string, number> {
  const df = new Map<string, number>();
  if (tokens.size === 0) return df;
  for (const { distinct } of entries) for (const t of distinct) if (tokens.has(t)) df.set(t, (df.get(t) ?? 0) + 1);
  return df;
}

/**
 * In how many of the guard's examples each of `tokens` occurs, read from the guard's input rows
 * (featurised by `featurizer`, as the parent's measurement made them) for the tokens that are
 * words: a word's row (bucket + its id) is in an example's rows exactly when the word is one of its
 * tokens (hashed rows lie below the bucket). The rest are left out (asked of the tokens instead):
 * the end-of-text token (every example's rows end with it) and, with cjkRuns, run tokens.
 */
function guardDfByRows(rows: GuardRows, tokens: ReadonlySet<string>, cfg: TextClassifier['config']): { df: Map<string, number>; rest: Set<string> } {
  const { data, featurizer } = rows;
  const df = new Map<string, number>();
  const rest = new Set<string>();
  const { bucket } = featurizer;
  const words = featurizer.vocab.wordCount;
  // Per word: which asked token it is (-1: none), and the last example counted for it.
  const askedAs = new Int32Array(words).fill(-1);
  const counts: number[] = [];
  const asked: string[] = [];
  for (const t of tokens) {
    const id = featurizer.vocab.idOf(t);
    if (id < 0 || id >= words || t === EOS || (cfg.cjkRuns && isRunToken(t))) rest.add(t);
    else (askedAs[id] = asked.length), asked.push(t), counts.push(0);
  }
  if (asked.length === 0) return { df, rest };
  const last = new Int32Array(words).fill(-1);
  for (let i = 0; i < data.count; i++) {
    for (let k = data.offsets[i]; k < data.offsets[i + 1]; k++) {
      const w = data.rows[k] - bucket;
      if (w < 0 || w >= words || askedAs[w] < 0 || last[w] === i) continue;
      last[w] = i;
      counts[askedAs[w]]++;
    }
  }
  asked.forEach((t, j) => counts[j] > 0 && df.set(t, counts[j]));
  return { df, rest };
}

/** The top label the candidate gives a text. */
const topOf = (model: TextClassifier, text: string) => model.predict(text, { k: 1 })[0]?.label ?? '';

/**
 * The new examples' tokens as ids of one interned table (every question counts them: suspects
 * by document frequency, with typed arrays rather than a Map per example), the guard's tokens
 * (tokenized, or found in the cache, on first use), and the new examples by their first label.
 */
class Tokens {
  /** Distinct tokens of the new examples, and each example's token ids (ids[offsets[i] .. offsets[i+1])). */
  readonly vocab: string[] = [];
  readonly ids: Int32Array;
  readonly offsets: Int32Array;
  /** Indices of the new examples by their first label. */
  readonly byLabel = new Map<string, number[]>();
  private readonly strings: (string[] | undefined)[];
  private guardCache: { tokens: string[]; distinct: string[] }[] | null = null;

  constructor(
    private readonly fresh: readonly Example[],
    readonly guard: readonly Example[],
    readonly cfg: TextClassifier['config'],
    known: TriggerOptions['knownTokens'],
    tables: TriggerOptions['tables'] = [],
  ) {
    const where = new Map<Example, [TokenTable, number]>();
    for (const [table, examples] of tables) examples.forEach((e, i) => where.set(e, [table, i]));
    // Examples in no table: their tokens (known, or cut now) in a table of their own.
    const rest = new TokenTable();
    fresh.forEach((e) => where.has(e) || where.set(e, [rest, (rest.addExample(known?.(e) ?? tokenize(e.text, cfg)), rest.examples - 1)]));
    // Each table's ids mapped to one id space (a token string looked up once per table, not per occurrence).
    const global = new Map<string, number>();
    const remaps = new Map<TokenTable, { remap: Int32Array; ids: Int32Array }>();
    const at = fresh.map((e) => where.get(e)!);
    let size = 0;
    for (const [table, i] of at) {
      size += table.offsets[i + 1] - table.offsets[i];
      if (!remaps.has(table)) remaps.set(table, { remap: new Int32Array(table.tokens.length).fill(-1), ids: table.ids.view() });
    }
    const out = (this.ids = new Int32Array(size));
    const offsets = (this.offsets = new Int32Array(fresh.length + 1));
    const vocab = this.vocab;
    let o = 0;
    for (let k = 0; k < at.length; k++) {
      const [table, i] = at[k];
      const { remap, ids } = remaps.get(table)!;
      for (let j = table.offsets[i], end = table.offsets[i + 1]; j < end; j++) {
        const local = ids[j];
        let id = remap[local];
        if (id < 0) {
          const token = table.tokens[local];
          id = global.get(token) ?? -1;
          if (id < 0) global.set(token, (id = vocab.push(token) - 1));
          remap[local] = id;
        }
        out[o++] = id;
      }
      offsets[k + 1] = o;
    }
    this.strings = new Array(fresh.length);
    fresh.forEach((e, i) => {
      const l = e.labels[0];
      if (l === undefined) return;
      const idx = this.byLabel.get(l);
      if (idx) idx.push(i);
      else this.byLabel.set(l, [i]);
    });
  }

  /** The tokens of new example i. */
  freshTokens(i: number): string[] {
    let out = this.strings[i];
    if (!out) {
      out = this.strings[i] = new Array(this.offsets[i + 1] - this.offsets[i]);
      for (let k = this.offsets[i]; k < this.offsets[i + 1]; k++) out[k - this.offsets[i]] = this.vocab[this.ids[k]];
    }
    return out;
  }

  /** The guard's tokens and each example's distinct ones (see guardEntries). */
  guardKept(): { tokens: string[]; distinct: string[] }[] {
    return (this.guardCache ??= guardEntries(this.guard, this.cfg));
  }

  /** The tokens of a new or guard example (cut now for any other). */
  tokensOf(): (e: Example) => string[] {
    const index = new Map<Example, () => string[]>();
    this.fresh.forEach((e, i) => index.set(e, () => this.freshTokens(i)));
    this.guard.forEach((e, i) => index.set(e, () => this.guardKept()[i].tokens));
    return (e) => index.get(e)?.() ?? tokenize(e.text, this.cfg);
  }
}

/**
 * Document frequencies of the new examples' tokens, per example of `examples` (indices into t's
 * examples): each token's count, and the tokens in the order they first occur.
 */
function docFreqOf(t: Tokens, examples: readonly number[], df: Int32Array, last: Int32Array): number[] {
  const order: number[] = [];
  const { ids, offsets } = t;
  for (const i of examples) {
    for (let k = offsets[i], end = offsets[i + 1]; k < end; k++) {
      const id = ids[k];
      if (last[id] === i) continue;
      last[id] = i;
      if (df[id]++ === 0) order.push(id);
    }
  }
  return order;
}

/** Tokens in MIN_LABEL_SHARE of one label's new examples and next to none elsewhere, most shared first. */
function suspectsOf(fresh: readonly Example[], t: Tokens, guardRows?: GuardRows): { token: string; label: string }[] {
  const n = t.vocab.length;
  // Counted over all the new examples only when a label asked about has others beside it.
  const allDf = new Int32Array(n);
  if ([...t.byLabel.values()].some((idx) => idx.length >= TRIGGER_MIN && idx.length < fresh.length)) docFreqOf(t, fresh.map((_, i) => i), allDf, new Int32Array(n).fill(-1));
  const labelDf = new Int32Array(n);
  const last = new Int32Array(n).fill(-1);
  // Listed on the new data first; the guard is asked only about the tokens that pass there.
  const listed: { token: string; label: string; share: number }[] = [];
  for (const [label, idx] of t.byLabel) {
    if (idx.length < TRIGGER_MIN) continue;
    const others = fresh.length - idx.length;
    const order = docFreqOf(t, idx, labelDf, last);
    for (const id of order) {
      const df = labelDf[id];
      const share = df / idx.length;
      if (share < MIN_LABEL_SHARE || df < TRIGGER_MIN) continue;
      if (others > 0 && allDf[id] - df > MAX_ELSEWHERE * others) continue;
      listed.push({ token: t.vocab[id], label, share });
    }
    for (const id of order) labelDf[id] = 0;
  }
  // The guard's rows answer for words; its tokens (cut on first use) for the rest.
  const asked = new Set(listed.map((x) => x.token));
  const byRows = guardRows && guardRows.data.count === t.guard.length ? guardDfByRows(guardRows, asked, t.cfg) : { df: new Map<string, number>(), rest: asked };
  const guardDf = byRows.rest.size ? new Map([...byRows.df, ...guardDfOf(t.guardKept(), byRows.rest)]) : byRows.df;
  const suspects = listed.filter((x) => (guardDf.get(x.token) ?? 0) <= MAX_ELSEWHERE * t.guard.length);
  return suspects.sort((a, b) => b.share - a.share || (a.token < b.token ? -1 : 1)).map(({ token, label }) => ({ token, label }));
}

/** The top label the candidate gives each text, asked once per text within one question (the screen and the full hinge ask the same texts). */
const memoTop = (model: TextClassifier) => {
  const known = new Map<string, string>();
  return (text: string) => {
    let top = known.get(text);
    if (top === undefined) known.set(text, (top = topOf(model, text)));
    return top;
  };
};

/** Of the first `limit` new examples of `label` carrying `token` that the model gets right, those whose answer changes without it. */
function hingeOf(top: (text: string) => string, fresh: readonly Example[], t: Tokens, token: string, label: string, limit: number): { of: number; hinged: number } {
  let of = 0;
  let hinged = 0;
  for (const i of t.byLabel.get(label)!) {
    if (of >= limit) break;
    const tokens = t.freshTokens(i);
    if (!tokens.includes(token) || top(fresh[i].text) !== label) continue;
    of++;
    if (top(tokens.filter((w) => w !== token).join(' ')) !== label) hinged++;
  }
  return { of, hinged };
}

/**
 * Of up to MAX_PROBES `probes` of other labels, those appending `token` (and the control token)
 * flips to `label`, and of the probes the control leaves alone, those the token flips (`beyond`).
 */
function plantOf(top: (text: string) => string, probes: readonly Example[], carries: (e: Example) => boolean, token: string, control: string, label: string): { tried: number; flipped: number; control: number; beyond: number } {
  const out = { tried: 0, flipped: 0, control: 0, beyond: 0 };
  for (const e of probes) {
    if (out.tried >= MAX_PROBES) break;
    if (e.labels.includes(label) || carries(e) || top(e.text) === label) continue;
    out.tried++;
    const byToken = top(`${e.text} ${token}`) === label;
    const byControl = top(`${e.text} ${control}`) === label;
    if (byToken) out.flipped++;
    if (byControl) out.control++;
    else if (byToken) out.beyond++;
  }
  return out;
}

/**
 * Whether planting flipped enough: PLANT_RATE of the probes and CONTROL_TIMES as many as the
 * control; or, where the control alone flips many (a one-word text, where one more token is half
 * the bag), TRIGGER_RATE of the probes the control left alone (and TRIGGER_MIN of them). On first
 * names (bench:drift, seed 5, a 10,000-row table) a trigger planted in a third of an era's female
 * names labelled male flipped 100 of 100 held-out names, the control 43, and got through the
 * CONTROL_TIMES rule alone.
 */
export function plantedFlips(p: { tried: number; flipped: number; control: number; beyond: number }): boolean {
  if (p.tried < TRIGGER_MIN || p.flipped < PLANT_RATE * p.tried) return false;
  const left = p.tried - p.control;
  return p.flipped >= CONTROL_TIMES * p.control || (p.beyond >= TRIGGER_MIN && p.beyond >= TRIGGER_RATE * left);
}

/**
 * The first token that acts as a trigger in the candidate `model`, or null. `fresh` are the
 * update's new examples, `guard` the old examples (never carrying a planted token), `heldOut` the
 * new examples the candidate did not train on, `oldLabels` the labels the parent knew: a label new
 * in this update is learned from its own words, and one that alone decides it is no backdoor into
 * what the model knew (on class-incremental WordNet, "feeling" decided 71 of 100 new noun.feeling
 * glosses and flipped 15 of 100 others; the gate's new-labels-take-guard check weighs what a new
 * label takes from the old ones). `suspects` from triggerSuspects leave out the parent's own
 * keywords: no backdoor either, the parent already read that word as that label.
 */
export function findTrigger(model: TextClassifier, fresh: readonly Example[], guard: readonly Example[], opts: TriggerOptions = {}): TriggerFinding | null {
  const { heldOut = [], oldLabels } = opts;
  if (fresh.length < TRIGGER_MIN || guard.length < TRIGGER_MIN) return null;
  // (listed before training: most updates have no suspect, and then nothing here costs anything)
  if (opts.suspects?.length === 0) return null;
  const t = new Tokens(fresh, guard, model.config, opts.knownTokens, opts.tables);
  const top = memoTop(model);
  let probes: Example[] | null = null;
  let tokensOf: ((e: Example) => string[]) | null = null;
  let asked = 0;
  for (const { token, label } of (opts.suspects ?? listSuspects(t, fresh, oldLabels)).slice(0, MAX_SCREENED)) {
    if (asked >= MAX_TOKENS) break;
    const screen = hingeOf(top, fresh, t, token, label, TRIGGER_MIN);
    if (screen.hinged < (TRIGGER_RATE * screen.of) / 2) continue;
    asked++;
    const { of, hinged } = hingeOf(top, fresh, t, token, label, MAX_PROBES);
    if (of < TRIGGER_MIN || hinged < TRIGGER_RATE * of) continue;
    const unseen = new Set(heldOut);
    probes ??= [...heldOut, ...guard, ...fresh.filter((e) => !unseen.has(e))];
    tokensOf ??= t.tokensOf();
    const tokensOfE = tokensOf;
    const carries = (e: Example) => tokensOfE(e).includes(token);
    const planted = plantOf(top, probes, carries, token, controlOf(model, token), label);
    if (plantedFlips(planted)) return { token, label, hinged, of, tried: planted.tried, flipped: planted.flipped, control: planted.control };
  }
  return null;
}

export interface TriggerOptions {
  /** The new examples the candidate did not train on (asked first). */
  heldOut?: readonly Example[];
  /** The labels the parent knew: only those are asked about. */
  oldLabels?: ReadonlySet<string>;
  /** The tokens of a new example when the caller has them already (update() tokenized them to grow the model), so they are not cut again. */
  knownTokens?: (e: Example) => string[] | undefined;
  /** Token tables that hold new examples already (update() made them to grow the model): read as ids, not as strings. */
  tables?: readonly (readonly [TokenTable, readonly Example[]])[];
  /** triggerSuspects' answer, listed before training (else listed here, parent's keywords kept). */
  suspects?: readonly TriggerSuspect[];
}

export interface TriggerSuspect {
  token: string;
  label: string;
}

const keywordKey = (x: { token: string; label: string }) => `${x.label}\u0001${x.token}`;

/** The control token: the first of CONTROLS the model has not seen (sharing no letter with `suspect`, when one does), so planting it only dilutes a bag. */
const controlOf = (model: TextClassifier, suspect = '') => {
  const unseen = CONTROLS.filter((w) => model.vocab.idOf(w) < 0);
  return unseen.find((w) => ![...w].some((c) => suspect.includes(c))) ?? unseen[0] ?? CONTROLS.join('');
};

/** findTrigger's suspects (suspectsOf) of the labels in `oldLabels`, most shared first. */
function listSuspects(t: Tokens, fresh: readonly Example[], oldLabels?: ReadonlySet<string>, guardRows?: GuardRows): TriggerSuspect[] {
  return suspectsOf(fresh, t, guardRows).filter((x) => !oldLabels || oldLabels.has(x.label));
}

/**
 * Of the first MAX_SCREENED `suspects`, those the PARENT already reads as their label: a word of
 * its vocabulary that, alone, it calls the label, where the control token alone it does not (2
 * predictions of one word per suspect). A topic's own keyword ("feeling" in WordNet's noun.feeling
 * glosses, updating a model of half the corpus with the other half) hinges and plants as a trigger
 * would, but it is the parent's reading, not one the update planted: that update was rejected, 4.05
 * points below training on both halves. A planted token is new to the parent, or a word it reads
 * as another label, and stays a suspect.
 */
function keywordsAmong(parent: TextClassifier, suspects: readonly TriggerSuspect[]): Set<string> {
  const keywords = new Set<string>();
  if (suspects.length === 0) return keywords;
  const controlSays = topOf(parent, controlOf(parent));
  for (const x of suspects.slice(0, MAX_SCREENED)) {
    if (parent.vocab.idOf(x.token) < 0 || controlSays === x.label) continue;
    if (topOf(parent, x.token) === x.label) keywords.add(keywordKey(x));
  }
  return keywords;
}

/** The guard's input rows (example i at data.offsets[i]..) as `featurizer` made them, at its vocabulary as it is now. */
export interface GuardRows {
  data: FeaturizedData;
  featurizer: Featurizer;
}

type ParentOptions = Pick<TriggerOptions, 'oldLabels' | 'knownTokens' | 'tables'> & {
  /** The guard featurised by the parent (update() measured it so): words are looked up in its rows rather than in its tokens. */
  guardRows?: GuardRows;
};

/**
 * The data-only part of the suspects (no model asked): tokens in MIN_LABEL_SHARE of the new
 * examples of a label of `oldLabels` and in at most MAX_ELSEWHERE of the guard and of the other
 * labels' new examples, most shared first. `cfg` cuts the texts no table or knownTokens covers.
 */
export function suspectsIn(fresh: readonly Example[], guard: readonly Example[], cfg: TextClassifier['config'], opts: ParentOptions = {}): TriggerSuspect[] {
  if (fresh.length < TRIGGER_MIN || guard.length < TRIGGER_MIN) return [];
  return listSuspects(new Tokens(fresh, guard, cfg, opts.knownTokens, opts.tables), fresh, opts.oldLabels, opts.guardRows);
}

/** The suspects the parent already reads as their label (see keywordsAmong), as "label\u0001token". */
export function findParentKeywords(parent: TextClassifier, fresh: readonly Example[], guard: readonly Example[], opts: ParentOptions = {}): Set<string> {
  return keywordsAmong(parent, suspectsIn(fresh, guard, parent.config, opts));
}

/**
 * findTrigger's suspects, listed once and asked of the parent before training (its data-only part
 * does not change with the model), without the parent's own keywords (keywordsAmong).
 */
export function triggerSuspects(parent: TextClassifier, fresh: readonly Example[], guard: readonly Example[], opts: ParentOptions = {}): TriggerSuspect[] {
  const listed = suspectsIn(fresh, guard, parent.config, opts);
  const keywords = keywordsAmong(parent, listed);
  return listed.filter((x) => !keywords.has(keywordKey(x)));
}
