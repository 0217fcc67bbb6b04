/** Command-line flags of `npm run bench:incremental`. */
import { parseArgs } from 'node:util';

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
  /** The checking streams of issue 17 item 5 only (checking.ts), with seeds 4 and 5. */
  checking: boolean;
  /** The 50-example new label on SpamAssassin models only (newLabel.ts), with seeds 4 and 5. */
  newLabel: boolean;
}

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({ args: argv, options: { quick: { type: 'boolean' }, only: { type: 'string' }, stream20: { type: 'boolean' }, checking: { type: 'boolean' }, 'new-label': { type: 'boolean' } }, strict: true });
  const quick = values.quick ?? false;
  let sections = [...SECTIONS];
  if (values.only !== undefined) {
    const wanted = values.only.split(',').map((s) => s.trim());
    const bad = wanted.filter((s) => !SECTIONS.includes(s as Section));
    if (bad.length > 0) throw new Error(`--only must be one or more of ${SECTIONS.join(', ')} (comma-separated); got ${bad.join(', ')}`);
    sections = SECTIONS.filter((s) => wanted.includes(s));
  }
  return { quick, sections, repeats: quick ? 1 : 3, stream20: values.stream20 ?? false, checking: values.checking ?? false, newLabel: values['new-label'] ?? false };
}
