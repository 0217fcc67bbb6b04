/**
 * Words and labels with counts. Ids are dense and stable: adding a word or a label appends it and
 * never renumbers, so rows of a trained model keep their meaning as the vocabulary grows.
 */
import { FNV_OFFSET, FNV_PRIME, fnv1a32 } from '../text/hash.js';
import { deleteEntry } from '../util/probeTable.js';
/** A word list given to Vocab.fromJSON has the same word twice. */
export class DuplicateWordError extends Error {
  constructor(readonly word: string) {
    super(`duplicate word ${JSON.stringify(word)} in the vocabulary`);
  }
}

/** fnv1a32 of a word, inlined for ASCII: it runs once per word of the vocabulary at every load. */
function wordHash(w: string): number {
  let h = FNV_OFFSET;
  for (let k = 0; k < w.length; k++) {
    const c = w.charCodeAt(k);
    if (c >= 0x80) return fnv1a32(w);
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h >>> 0;
}

/**
 * Words are found through an open-addressing table keyed by their FNV-1a hash, the hash the
 * featurizer computes anyway for word n-grams: one hash per token serves both, and no Map is hashed.
 * Each slot holds the hash beside the id, so probing past other words reads no word and no second
 * array; only a matching hash leads to comparing the characters.
 */
class WordIndex {
  /** Slot k is (hash, id) at [2k, 2k + 1]; id -1 marks an empty slot. Capacity is a power of two. */
  private slots = emptySlots(1024);
  private count = 0;

  constructor(private readonly words: string[]) {}

  find(word: string, h: number): number {
    return this.findRange(word, 0, word.length, h);
  }

  /** The id of the word s.slice(start, end) (whose fnv1a32 is h), or -1, without making that string. */
  findRange(s: string, start: number, end: number, h: number): number {
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    const hash = h | 0;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const id = slots[2 * i + 1];
      if (id < 0) return -1;
      if (slots[2 * i] === hash) {
        const w = this.words[id];
        if (w.length === end - start && s.startsWith(w, start)) return id;
      }
    }
  }

  /** Registers words[id] (already pushed) under hash h, unless the same word is there: then returns false. */
  insert(id: number, h: number): boolean {
    if ((this.count + 1) * 2 > this.slots.length >> 1) this.rehash(2 * this.slots.length);
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    const hash = h | 0;
    const word = this.words[id];
    let i = h & mask;
    for (; slots[2 * i + 1] >= 0; i = (i + 1) & mask) {
      if (slots[2 * i] === hash && this.words[slots[2 * i + 1]] === word) return false;
    }
    slots[2 * i] = hash;
    slots[2 * i + 1] = id;
    this.count++;
    return true;
  }

  /**
   * Registers every word of the list (a new vocabulary's, in one tight loop); returns the id of a
   * word that is there twice, or -1.
   */
  insertAll(): number {
    const words = this.words;
    this.reserve(words.length);
    for (let id = this.count; id < words.length; id++) {
      if (!this.insert(id, wordHash(words[id]))) return id;
    }
    return -1;
  }

  /** Makes room for `count` words at once (loading a saved vocabulary), so no rehash happens on the way. */
  reserve(count: number): void {
    let size = this.slots.length >> 1;
    while (size < count * 2) size *= 2;
    if (size !== this.slots.length >> 1) this.rehash(2 * size);
  }

  /**
   * Drops ids >= count (undo of growth), deleting them one by one; call it while words[id] is still
   * there. Rebuilding the table instead took 1.2 ms of a ~60 ms piece of feedback on a 57,000-word
   * model, to drop its few new words.
   */
  truncate(count: number): void {
    for (let id = this.words.length - 1; id >= count; id--) this.remove(id, wordHash(this.words[id]));
  }

  /** Deletes id (whose word hashes to h); a duplicate word that insert refused is not there. */
  private remove(id: number, h: number): void {
    if (deleteEntry(this.slots, 2, h | 0, id)) this.count--;
  }

  /** Rebuilds the table with `length` entries (2 per slot). */
  private rehash(length: number): void {
    const old = this.slots;
    const slots = emptySlots(length);
    const mask = (length >> 1) - 1;
    let count = 0;
    for (let k = 1; k < old.length; k += 2) {
      const id = old[k];
      if (id < 0) continue;
      let i = old[k - 1] & mask;
      while (slots[2 * i + 1] >= 0) i = (i + 1) & mask;
      slots[2 * i] = old[k - 1];
      slots[2 * i + 1] = id;
      count++;
    }
    this.slots = slots;
    this.count = count;
  }
}

function emptySlots(length: number): Int32Array {
  return new Int32Array(length).fill(-1);
}

/** Restores remembered for unchangedSince: caches that fall further behind start over. */
const MAX_CUTS = 64;

/** A model's words and labels with their counts, under dense ids that never change as it grows. */
export class Vocab {
  private readonly wordIndex: WordIndex;
  private readonly labelIds = new Map<string, number>();
  readonly words: string[];
  readonly wordCounts: number[];
  readonly labels: string[] = [];
  readonly labelCounts: number[] = [];
  private generationCount = 0;
  /** The words each of the latest restores that removed some kept, by the generation it began (bounded). */
  private readonly cuts: { generation: number; kept: number }[] = [];

  /**
   * A vocabulary of `words` with their counts (the arrays are taken over, not copied) and no labels;
   * throws DuplicateWordError when a word is there twice.
   */
  constructor(words: string[] = [], wordCounts: number[] = []) {
    if (wordCounts.length !== words.length) throw new RangeError(`${words.length} words but ${wordCounts.length} counts`);
    this.words = words;
    this.wordCounts = wordCounts;
    this.wordIndex = new WordIndex(words);
    const duplicate = this.wordIndex.insertAll();
    if (duplicate >= 0) throw new DuplicateWordError(words[duplicate]);
  }

  /** Id of a word, or -1 when it is not in the vocabulary. */
  idOf(word: string): number {
    return this.wordIndex.find(word, fnv1a32(word));
  }

  /** idOf for a caller that already has fnv1a32(word). */
  idOfHashed(word: string, hash: number): number {
    return this.wordIndex.find(word, hash);
  }

  /** idOf(s.slice(start, end)) for a caller that has its fnv1a32, without making the slice. */
  idOfRange(s: string, start: number, end: number, hash: number): number {
    return this.wordIndex.findRange(s, start, end, hash);
  }

  /** Id of a label, or -1 when unknown. */
  labelId(label: string): number {
    const id = this.labelIds.get(label);
    return id === undefined ? -1 : id;
  }

  /** Adds a word (or adds to its count); returns its id. */
  addWord(word: string, count = 1): number {
    const h = fnv1a32(word);
    let id = this.wordIndex.find(word, h);
    if (id < 0) {
      id = this.words.length;
      // Tokens can be slices of a whole example's text; a copy keeps that text from living on.
      this.words.push(flatCopy(word));
      this.wordCounts.push(0);
      this.wordIndex.insert(id, h);
    }
    this.wordCounts[id] += count;
    return id;
  }

  /** Adds a label (or adds to its count); returns its id. */
  addLabel(label: string, count = 1): number {
    let id = this.labelIds.get(label);
    if (id === undefined) {
      id = this.labels.length;
      this.labelIds.set(label, id);
      this.labels.push(label);
      this.labelCounts.push(0);
    }
    this.labelCounts[id] += count;
    return id;
  }

  /**
   * Forgets words and labels added after the vocabulary had `words` words and `labels` labels, and
   * restores the counts: the undo of a rejected update. Ids below those sizes are untouched.
   */
  restore(snapshot: VocabSnapshot): void {
    if (this.words.length > snapshot.wordCounts.length) {
      this.generationCount++;
      this.cuts.push({ generation: this.generationCount, kept: snapshot.wordCounts.length });
      if (this.cuts.length > MAX_CUTS) this.cuts.shift();
    }
    this.wordIndex.truncate(snapshot.wordCounts.length);
    this.words.splice(snapshot.wordCounts.length);
    for (const l of this.labels.splice(snapshot.labelCounts.length)) this.labelIds.delete(l);
    snapshot.wordCounts.forEach((c, i) => (this.wordCounts[i] = c));
    this.wordCounts.length = snapshot.wordCounts.length;
    snapshot.labelCounts.forEach((c, i) => (this.labelCounts[i] = c));
    this.labelCounts.length = snapshot.labelCounts.length;
  }

  snapshot(): VocabSnapshot {
    return { wordCounts: [...this.wordCounts], labelCounts: [...this.labelCounts] };
  }

  /**
   * Changes whenever words are removed (restore()); between changes, words are only appended. Lets
   * a cache of the words (the featurizer's wasm index) extend itself instead of starting over.
   */
  get generation(): number {
    return this.generationCount;
  }

  /**
   * How many of the first words are the ones the vocabulary had in `generation` (ids below it mean
   * what they meant then): a cache from then keeps those and drops the rest. 0 when too many
   * restores have passed since to tell.
   */
  unchangedSince(generation: number): number {
    if (generation === this.generationCount) return this.words.length;
    if (this.cuts.length === 0 || this.cuts[0].generation > generation + 1) return 0;
    let kept = this.words.length;
    for (const c of this.cuts) if (c.generation > generation) kept = Math.min(kept, c.kept);
    return kept;
  }

  get wordCount(): number {
    return this.words.length;
  }

  get labelCount(): number {
    return this.labels.length;
  }

  toJSON(): VocabJSON {
    return { words: this.words, wordCounts: this.wordCounts, labels: this.labels, labelCounts: this.labelCounts };
  }

  /** A vocabulary from its JSON form; throws DuplicateWordError when a word is listed twice. */
  static fromJSON(j: VocabJSON): Vocab {
    const n = j.words.length;
    const counts = j.wordCounts.slice(0, n);
    for (let i = 0; i < n; i++) counts[i] ??= 0;
    // Copies of the lists (not the strings: those parsed from JSON are flat and own their characters).
    const v = new Vocab(j.words.slice(), counts);
    j.labels.forEach((l, i) => v.addLabel(l, j.labelCounts[i] ?? 0));
    return v;
  }

  clone(): Vocab {
    return Vocab.fromJSON(this.toJSON());
  }
}

function flatCopy(s: string): string {
  return s.length > 12 ? Buffer.from(s, 'utf8').toString('utf8') : s;
}

export interface VocabSnapshot {
  wordCounts: number[];
  labelCounts: number[];
}

export interface VocabJSON {
  words: string[];
  wordCounts: number[];
  labels: string[];
  labelCounts: number[];
}
