/**
 * Words and labels with counts. Ids are dense and stable: adding a word or a label appends it and
 * never renumbers, so rows of a trained model keep their meaning as the vocabulary grows.
 */
import { fnv1a32 } from '../text/hash.js';
/**
 * Words are found through an open-addressing table keyed by their FNV-1a hash, the hash the
 * featurizer computes anyway for word n-grams: one hash per token serves both, and no Map is hashed.
 */
class WordIndex {
  private slots = new Int32Array(1024).fill(-1);
  private readonly hashes: number[] = [];

  constructor(private readonly words: string[]) {}

  find(word: string, h: number): number {
    const mask = this.slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const id = this.slots[i];
      if (id < 0) return -1;
      if (this.hashes[id] === h && this.words[id] === word) return id;
    }
  }

  /** Registers words[id] (already pushed) under hash h. */
  insert(id: number, h: number): void {
    this.hashes[id] = h;
    if ((id + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(id);
  }

  /** Makes room for `count` words at once (loading a saved vocabulary), so no rehash happens on the way. */
  reserve(count: number): void {
    let size = this.slots.length;
    while (size < count * 2) size *= 2;
    if (size !== this.slots.length) this.rehash(size);
  }

  /** Drops ids >= count (undo of growth). */
  truncate(count: number): void {
    this.hashes.length = count;
    this.rehash(this.slots.length);
  }

  private place(id: number): void {
    const mask = this.slots.length - 1;
    let i = this.hashes[id] & mask;
    while (this.slots[i] >= 0) i = (i + 1) & mask;
    this.slots[i] = id;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size).fill(-1);
    for (let id = 0; id < this.hashes.length; id++) this.place(id);
  }
}

export class Vocab {
  private readonly wordIndex: WordIndex;
  private readonly labelIds = new Map<string, number>();
  readonly words: string[] = [];
  readonly wordCounts: number[] = [];
  readonly labels: string[] = [];
  readonly labelCounts: number[] = [];

  constructor() {
    this.wordIndex = new WordIndex(this.words);
  }

  /** Id of a word, or -1 when it is not in the vocabulary. */
  idOf(word: string): number {
    return this.wordIndex.find(word, fnv1a32(word));
  }

  /** idOf for a caller that already has fnv1a32(word). */
  idOfHashed(word: string, hash: number): number {
    return this.wordIndex.find(word, hash);
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

  /** Adds a word known to be new, as it is (for loading). */
  private appendWord(word: string, count: number): void {
    const h = fnv1a32(word);
    if (this.wordIndex.find(word, h) >= 0) throw new Error(`duplicate word ${JSON.stringify(word)} in the vocabulary`);
    const id = this.words.length;
    this.words.push(word);
    this.wordCounts.push(count);
    this.wordIndex.insert(id, h);
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
    this.words.splice(snapshot.wordCounts.length);
    this.wordIndex.truncate(this.words.length);
    for (const l of this.labels.splice(snapshot.labelCounts.length)) this.labelIds.delete(l);
    snapshot.wordCounts.forEach((c, i) => (this.wordCounts[i] = c));
    this.wordCounts.length = snapshot.wordCounts.length;
    snapshot.labelCounts.forEach((c, i) => (this.labelCounts[i] = c));
    this.labelCounts.length = snapshot.labelCounts.length;
  }

  snapshot(): VocabSnapshot {
    return { wordCounts: [...this.wordCounts], labelCounts: [...this.labelCounts] };
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

  static fromJSON(j: VocabJSON): Vocab {
    const v = new Vocab();
    v.wordIndex.reserve(j.words.length);
    // Strings parsed from JSON are already flat and own their characters: no copy needed.
    j.words.forEach((w, i) => v.appendWord(w, j.wordCounts[i] ?? 0));
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
