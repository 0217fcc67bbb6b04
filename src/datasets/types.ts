/** The shape of a built-in corpus: a name, one line saying what it is, and its examples. */
import type { Example } from '../data/example.js';

export type { Example };

/** A built-in corpus, fully in memory, in a fixed (deterministic) order. */
export interface Dataset {
  name: string;
  description: string;
  examples: Example[];
}

/** The names `loadDataset` accepts. */
export type DatasetName = 'spam-assassin' | 'wordnet';
