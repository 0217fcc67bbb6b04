/**
 * Words and labels with counts. Ids are dense and stable: adding a word or a label appends it and
 * never renumbers, so rows of a trained model keep their meaning as the vocabulary grows.
 */
export class Vocab {
  private readonly wordIds = new Map<string, number>();
  private readonly labelIds = new Map<string, number>();
  readonly words: string[] = [];
  readonly wordCounts: number[] = [];
  readonly labels: string[] = [];
  readonly labelCounts: number[] = [];

  /** Id of a word, or -1 when it is not in the vocabulary. */
  idOf(word: string): number {
    const id = this.wordIds.get(word);
    return id === undefined ? -1 : id;
  }

  /** Id of a label, or -1 when unknown. */
  labelId(label: string): number {
    const id = this.labelIds.get(label);
    return id === undefined ? -1 : id;
  }

  /** Adds a word (or adds to its count); returns its id. */
  addWord(word: string, count = 1): number {
    let id = this.wordIds.get(word);
    if (id === undefined) {
      id = this.words.length;
      // Tokens can be slices of a whole example's text; a copy keeps that text from living on.
      word = flatCopy(word);
      this.wordIds.set(word, id);
      this.words.push(word);
      this.wordCounts.push(0);
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
    for (const w of this.words.splice(snapshot.wordCounts.length)) this.wordIds.delete(w);
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
    j.words.forEach((w, i) => v.addWord(w, j.wordCounts[i] ?? 0));
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
