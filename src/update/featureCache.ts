/**
 * The input rows of old examples (the replay memory and the guard), kept from one update to the
 * next instead of featurised again at every update (issue 14 item 7: work that does not change
 * between updates is done once). One cache per model (keyed by its Featurizer, so a clone or a
 * model loaded again starts empty), one entry per Example object (a replay memory never changes
 * an example; it adds and drops them, and the dropped ones leave the cache at an accepted update
 * once they are many: see keep).
 *
 * When an entry stands: an example's rows depend on the vocabulary only through which of its
 * tokens are words (a word adds its own row; char and word n-grams are hashed from the token
 * itself: see Featurizer.addToken). So an entry records the tokens that were not words when it was
 * made, and is featurised again once one of them has become a word. Entries are kept only while
 * the vocabulary is settled (the parent's, before an update grows it, or an accepted update's),
 * never in between, where a rejected update would take its new words back. An accepted update's
 * new examples get theirs from the rows the update made of them (keep), not from their texts.
 */
import type { Example } from '../data/example.js';
import { featurizeTable, featurizeTexts, relabel, type FeaturizedData } from '../features/dataset.js';
import { EOS } from '../features/featurizer.js';
import type { TokenTable } from '../features/tokenTable.js';
import type { TextClassifier } from '../model/classifier.js';
import { tokenTableOf } from './memory.js';

/** keep() forgets the examples the memory no longer holds once the cache holds this many times the memory's. */
export const PRUNE_AT = 1.25;

interface Entry {
  rows: Int32Array;
  /** Tokens of the example that were not words when the rows were made. */
  oov: readonly string[];
  /** The vocabulary's word count then (fewer words now: words were taken back, and the rows may name them). */
  words: number;
}

/**
 * Held in a Map and a Set, pruned by keep(), rather than in a WeakMap and a WeakSet: every full
 * garbage collection marks a weak collection's entries one by one (ephemerons), and with the 50,000
 * examples of a replay memory that was most of the pause, one per large update (class-incremental
 * WordNet, task 20: 121 of 149 ms).
 */
export class FeatureCache {
  private readonly entries = new Map<Example, Entry>();
  /** Examples looked up once at a settled vocabulary without an entry: the next such lookup keeps one. */
  private readonly drawn = new Set<Example>();
  /** Examples featurised (cache misses and stale entries) and found, since the cache was made. */
  featurised = 0;
  found = 0;

  constructor(private readonly model: TextClassifier) {}

  /**
   * The rows and labels of `examples` at the model's vocabulary as it is now, from the cache
   * where an entry stands. `keep`: the vocabulary is settled, so entries may be made (see fill).
   */
  data(examples: readonly Example[], keep: boolean): FeaturizedData {
    const rows: Int32Array[] = new Array(examples.length);
    if (keep) this.fill(examples);
    const missing: number[] = [];
    for (let i = 0; i < examples.length; i++) {
      const e = this.entries.get(examples[i]);
      if (e && this.stands(e)) rows[i] = e.rows;
      else missing.push(i);
    }
    this.found += examples.length - missing.length;
    if (missing.length > 0) {
      // Not kept: straight from the texts (the faster path: no tokens, so no unknown tokens to record).
      this.featurised += missing.length;
      const made = featurizeTexts(missing.map((i) => examples[i]), this.model.featurizer, this.model.config);
      missing.forEach((i, k) => (rows[i] = made.rows.subarray(made.offsets[k], made.offsets[k + 1])));
    }
    return assemble(this.model, examples, rows);
  }

  /**
   * Makes and keeps the entries `examples` lack (the vocabulary must be settled), for those looked
   * up here before: an entry costs a tokenization in JavaScript (to list the unknown tokens), about
   * twice the wasm featurizer's cost, so only an example drawn again (a small replay memory drawn
   * whole at every update, the guard) gets one; one drawn once from a large memory is featurised
   * the fast way, as before the cache.
   */
  fill(examples: readonly Example[]): void {
    const missing = examples.filter((e) => {
      const entry = this.entries.get(e);
      if (entry && this.stands(entry)) return false;
      if (this.drawn.has(e)) return true;
      this.drawn.add(e);
      return false;
    });
    if (missing.length === 0) return;
    this.featurise(missing).forEach((entry, k) => this.entries.set(missing[k], entry));
  }

  /**
   * Makes entries for those of `examples` that lack one from `made`: texts featurised (example i of
   * `data` from example i of `table`) at the vocabulary as it is now, which must be settled. For an
   * accepted update's new examples, which join the replay memory (as copies: matched by text, which
   * alone decides an example's rows) and the guard: replaying them later finds the rows the update
   * made, rather than featurising them twice more (once from the text, once from tokens: see fill).
   * `examples` is every example the memory holds now: the cache forgets the others once they are
   * more than a fifth as many (PRUNE_AT).
   */
  keep(examples: readonly Example[], made: readonly { examples: readonly Example[]; table: TokenTable; data: FeaturizedData }[]): void {
    const byText = new Map<string, { data: FeaturizedData; oov: (i: number) => string[]; i: number }>();
    for (const { examples: list, table, data } of made) {
      const oov = this.oovOf(table);
      list.forEach((e, i) => byText.has(e.text) || byText.set(e.text, { data, oov, i }));
    }
    const words = this.model.vocab.wordCount;
    for (const e of examples) {
      // (the text first: a memory's old examples are most of `examples`, and a lookup is all they cost)
      const m = byText.get(e.text);
      if (!m) continue;
      const entry = this.entries.get(e);
      if (!entry || !this.stands(entry)) this.entries.set(e, { rows: m.data.rows.slice(m.data.offsets[m.i], m.data.offsets[m.i + 1]), oov: m.oov(m.i), words });
    }
    // Pruned once the examples the memory dropped are a fifth of what is held, not at every update
    // (a memory of 50,000 drops a few thousand an update; a prune costs a set of all 50,000).
    if (Math.max(this.entries.size, this.drawn.size) <= examples.length * PRUNE_AT) return;
    const held = new Set(examples);
    for (const e of this.entries.keys()) if (!held.has(e)) this.entries.delete(e);
    for (const e of this.drawn) if (!held.has(e)) this.drawn.delete(e);
  }

  /** Examples with an entry or drawn (those the memory dropped among them until the next prune). */
  get size(): number {
    return new Set([...this.entries.keys(), ...this.drawn]).size;
  }

  private stands(e: Entry): boolean {
    const vocab = this.model.vocab;
    if (vocab.wordCount < e.words) return false;
    if (vocab.wordCount === e.words) return true;
    for (const t of e.oov) if (vocab.idOf(t) >= 0) return false;
    return true;
  }

  private featurise(examples: readonly Example[]): Entry[] {
    this.featurised += examples.length;
    const table = tokenTableOf(this.model, examples);
    const data = featurizeTable(table, examples, this.model.featurizer);
    const oov = this.oovOf(table);
    const words = this.model.vocab.wordCount;
    return examples.map((_, i) => ({ rows: data.rows.slice(data.offsets[i], data.offsets[i + 1]), oov: oov(i), words }));
  }

  /** The tokens of example i of `table` that are not words now (the end-of-text token counts: every text has it), each once, in the order they first occur. */
  private oovOf(table: TokenTable): (i: number) => string[] {
    const vocab = this.model.vocab;
    const isWord = new Int8Array(table.tokens.length).fill(-1);
    // Which call last listed a token (a stamp, not a search of the list: a long text has hundreds).
    const listedBy = new Int32Array(table.tokens.length).fill(-1);
    let call = 0;
    const eosMissing = vocab.idOf(EOS) < 0;
    const ids = table.ids.view();
    return (i) => {
      call++;
      const out: string[] = eosMissing ? [EOS] : [];
      for (let k = table.offsets[i]; k < table.offsets[i + 1]; k++) {
        const t = ids[k];
        if (isWord[t] === -1) isWord[t] = vocab.idOf(table.tokens[t]) >= 0 ? 1 : 0;
        if (isWord[t] === 0 && listedBy[t] !== call && (!eosMissing || table.tokens[t] !== EOS)) out.push(table.tokens[t]);
        listedBy[t] = call;
      }
      return out;
    };
  }
}

/** FeaturizedData of `examples` from their rows, as featurizeTexts makes it (labels looked up now, `tokens` the row count). */
function assemble(model: TextClassifier, examples: readonly Example[], rowsOf: readonly Int32Array[]): FeaturizedData {
  let size = 0;
  for (const r of rowsOf) size += r.length;
  const rows = new Int32Array(size);
  const offsets = new Int32Array(examples.length + 1);
  let weights: Float32Array | null = null;
  for (let i = 0; i < examples.length; i++) {
    rows.set(rowsOf[i], offsets[i]);
    offsets[i + 1] = offsets[i] + rowsOf[i].length;
    const w = examples[i].weight;
    if (w !== undefined && w !== 1) {
      weights ??= new Float32Array(examples.length).fill(1);
      weights[i] = w;
    }
  }
  const unlabelled: FeaturizedData = { count: examples.length, rows, offsets, labels: new Int32Array(0), labelOffsets: new Int32Array(examples.length + 1), weights, tokens: rows.length };
  return relabel(unlabelled, examples, model.featurizer);
}

const caches = new WeakMap<TextClassifier['featurizer'], FeatureCache>();

/** The feature cache of `model` (made on first use; it lives as long as the model does). */
export function featureCacheOf(model: TextClassifier): FeatureCache {
  let cache = caches.get(model.featurizer);
  if (!cache) caches.set(model.featurizer, (cache = new FeatureCache(model)));
  return cache;
}
