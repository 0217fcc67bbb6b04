/** fastText's own format: `__label__a __label__b the text`, labels anywhere in the line. */
import type { Example } from './example.js';
import { Problem, makeExample } from './fields.js';
import type { RawLine } from './lines.js';
import { bad, decodeLine, outcome, tooLong, type LineParser, type Parsed, type ParserOptions } from './parser.js';
import { LABEL_PREFIX } from '../text/fasttext.js';

export { LABEL_PREFIX };

// fastText splits on ASCII whitespace only; a no-break space stays inside its word.
const SPACES = /[ \t\v\f\r]+/;
// Lines without these have tokens separated by exactly one space, which allows the fast path.
const IRREGULAR_SPACING = /[\t\v\f\r]| {2}|^ | $/;

/** Any token that starts with the prefix is a label, wherever it stands (as in fastText). */
function splitTokens(line: string): { labels: string[]; text: string } | Problem {
  const labels: string[] = [];
  const words: string[] = [];
  for (const token of line.split(SPACES)) {
    if (token === '') continue;
    if (!token.startsWith(LABEL_PREFIX)) words.push(token);
    else if (token.length === LABEL_PREFIX.length) return new Problem(`empty label ("${LABEL_PREFIX}" alone)`);
    else labels.push(token.slice(LABEL_PREFIX.length));
  }
  return { labels, text: words.join(' ') };
}

/** The common line, single-spaced with its labels first, without splitting the text into words. */
function splitSimple(line: string): { labels: string[]; text: string } | null {
  if (IRREGULAR_SPACING.test(line)) return null;
  const labels: string[] = [];
  let i = 0;
  for (let end = line.indexOf(' '); line.startsWith(LABEL_PREFIX, i) && end !== -1; end = line.indexOf(' ', i)) {
    if (end === i + LABEL_PREFIX.length) return null;
    labels.push(line.slice(i + LABEL_PREFIX.length, end));
    i = end + 1;
  }
  const text = line.slice(i);
  return text.includes(LABEL_PREFIX) ? null : { labels, text };
}

/** Splits one fastText line into an example, null for a blank line, or a problem. */
export function exampleFromFastText(line: string, requireLabels: boolean): Example | Problem | null {
  const split = splitSimple(line) ?? splitTokens(line);
  if (split instanceof Problem) return split;
  const { labels, text } = split;
  if (labels.length === 0 && text === '') return null;
  if (text === '') return new Problem('empty text');
  if (requireLabels && labels.length === 0) return new Problem(`no ${LABEL_PREFIX} token`);
  return makeExample(text, labels, undefined, undefined, requireLabels);
}

/** Parser for the fastText format; blank lines are skipped. */
export function fastTextParser(options: ParserOptions): LineParser {
  return {
    push(line: RawLine): Parsed | null {
      if (line.bytes === null) return bad(line.no, tooLong(line.size, options.maxLineBytes));
      const text = decodeLine(line.bytes);
      if (text === null) return bad(line.no, 'invalid UTF-8');
      const built = exampleFromFastText(text, options.requireLabels);
      return built === null ? null : outcome(line.no, built);
    },
    end: () => null,
  };
}

/**
 * One fastText line (no newline): labels first, whitespace inside a label becomes `_`, newlines in
 * the text become spaces. Weight and time have no place in this format and are dropped.
 * @example toFastTextLine({ text: 'hi\nthere', labels: ['a b', 'c'] }) // '__label__a_b __label__c hi there'
 */
export function toFastTextLine(e: Example): string {
  const labels = e.labels.map((l) => LABEL_PREFIX + l.trim().replace(/\s+/g, '_'));
  const text = e.text.replace(/\r\n|[\r\n]/g, ' ');
  return labels.length === 0 ? text : `${labels.join(' ')} ${text}`;
}
