/** Texts for tests that compare two ways of tokenizing or featurising: they must agree on all of these. */
import { readFileSync } from 'node:fs';

/** The texts of the fixture corpora the repo ships (test/fixtures/corpus). */
export function fixtureTexts(): string[] {
  // Same relative path from src/text/ and dist/text/.
  return ['wordnet3.train.jsonl', 'multilabel.train.jsonl'].flatMap((f) =>
    readFileSync(new URL(`../../test/fixtures/corpus/${f}`, import.meta.url), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { text: string }).text),
  );
}

/** Deterministic mixed text: ASCII words, numbers, joiners, punctuation, URLs, addresses, and the non-ASCII cases next to them. */
export function variedTexts(count: number): string[] {
  const pieces = [
    'the', 'Cat', 'DON\'T', "o'clock", 'e-mail', 'state-of-the-art', '3.5', '1,000', '2024-01-02', 'v1.2.3', 'a.b', 'x,y', 'node.js',
    'x.5', 'a,1', '1.a', '1..2', '1.,2', '.5', '5.', 'a-1', '1-a', 'a--b', "a'-b", 'abc-', "abc'", 'a-é', "a'é", '1.٣', '٣.1', 'x-\u0301', 'a\u2019b', '1\ufe0f',
    '-', '--', "'", '.', '...', ',', '!!!', '?!', '#', '*', '##', '@', '_', '%', '+', '(', ')', '[', ']', '"', '<', '>', '$', '~', '`', '|', '\\', '/', ':', ';', '=',
    'http://x.org', 'https://a.b/c?d=e&f=(g)', 'www.example.com/path.', 'HTTP://UP.ORG', 'httpx', 'wwwx', 'w', 'h', 'www.', 'http://',
    'http://x.org/a_(b))', '(www.x.org).', 'http://x.org/é', 'https://X.org/%41?q=1;', 'www.a-b.co/~x!', 'me@café.fr', 'a.b@c', 'a@b.c.',
    'me@x.org', 'a.b+c@d-e.co.uk', 'x@y', 'a@b.c', '@x.org', 'me@', 'user_1%x@host.io',
    'café', 'naïve', 'don’t', 'co‐op', 'e\u0301', 'q\u0301x', '1\ufe0f\u20e3', '#\u20e3', '*\ufe0f\u20e3', '👍🏽', '🇫🇷', '中文', 'ภาษา', 'Ωmega', 'ǅ', 'ﬁ', 'Ａ１',
    '\ufffd', 'a\ufffdb', '\u00a0', '\u200b', '\u2019s', 'x\u00adx', 'a\u200dz', '\ud800', 'İ', 'ß', '\u0085', '\u0001', 'a\u0000b', '\u007f', '3\u00b2',
  ];
  const separators = [' ', ' ', ' ', '', '\t', '\n', '  ', '\r\n', '\v', '\f', '\u3000'];
  let seed = 12345;
  const next = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const texts: string[] = [];
  for (let t = 0; t < count; t++) {
    let text = '';
    const n = 1 + next(14);
    for (let k = 0; k < n; k++) text += pieces[next(pieces.length)] + separators[next(separators.length)];
    texts.push(text);
  }
  return texts;
}

