/** Command-line flags of `npm run bench:incremental`. */
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';

export type Section = 'wordnet' | 'spam' | 'ab' | 'feedback';
export const SECTIONS: readonly Section[] = ['wordnet', 'spam', 'ab', 'feedback'];

export interface Options {
  /** Smaller WordNet tables (bucket 200,000), fewer variants, one repeat of wall times. */
  quick: boolean;
  sections: Section[];
  /** Repeats of the wall times that are cheap to repeat (A then B updates, train(A+B)). */
  repeats: number;
  /** The 20-task streams of issue 14 item 7 only (stream20.ts): SpamAssassin chunks:20 and WordNet classes:20. */
  stream20: boolean;
  /**
   * With --stream20: the split seeds of its streams, 1 first. Split seed 1 gives the full tables
   * (costs included); every other seed runs retrain and the defaults (gate on) for ACC only.
   */
  splitSeeds: number[];
  /** The checking streams of issue 17 item 5 only (checking.ts), with seeds 4 and 5. */
  checking: boolean;
  /** The 50-example new label on SpamAssassin models only (newLabel.ts), with seeds 4 and 5. */
  newLabel: boolean;
}

/**
 * `--split-seeds 1,2,3`: distinct non-negative integers, one of them 1 (the split whose costs the
 * tables report); returned with 1 first and the rest in the order given.
 */
export function parseSplitSeeds(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const bad = parts.filter((s) => !/^\d+$/.test(s) || !Number.isSafeInteger(Number(s)));
  if (bad.length > 0) throw new UsageError(`--split-seeds must be comma-separated non-negative integers, such as 1,2,3; got ${bad.map((s) => JSON.stringify(s)).join(', ')} in ${JSON.stringify(text)}`);
  const seeds = parts.map(Number);
  const twice = seeds.filter((s, i) => seeds.indexOf(s) !== i);
  if (twice.length > 0) throw new UsageError(`--split-seeds names seed ${twice[0]} twice (${JSON.stringify(text)}); give each split seed once`);
  if (!seeds.includes(1)) throw new UsageError(`--split-seeds must include 1, the split whose costs the tables report (the other seeds add ACC only); got ${JSON.stringify(text)}, try 1,${text}`);
  return [1, ...seeds.filter((s) => s !== 1)];
}

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: { quick: { type: 'boolean' }, only: { type: 'string' }, stream20: { type: 'boolean' }, 'split-seeds': { type: 'string' }, checking: { type: 'boolean' }, 'new-label': { type: 'boolean' } },
    strict: true,
  });
  const quick = values.quick ?? false;
  let sections = [...SECTIONS];
  if (values.only !== undefined) {
    const wanted = values.only.split(',').map((s) => s.trim());
    const bad = wanted.filter((s) => !SECTIONS.includes(s as Section));
    if (bad.length > 0) throw new Error(`--only must be one or more of ${SECTIONS.join(', ')} (comma-separated); got ${bad.join(', ')}`);
    sections = SECTIONS.filter((s) => wanted.includes(s));
  }
  const stream20 = values.stream20 ?? false;
  if (values['split-seeds'] !== undefined && !stream20) throw new UsageError('--split-seeds applies to --stream20 only; add --stream20');
  const splitSeeds = values['split-seeds'] === undefined ? [1] : parseSplitSeeds(values['split-seeds']);
  return { quick, sections, repeats: quick ? 1 : 3, stream20, splitSeeds, checking: values.checking ?? false, newLabel: values['new-label'] ?? false };
}
