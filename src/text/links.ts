/**
 * Recognisers for URLs and e-mail addresses, which the tokenizer keeps whole (or masks) instead of
 * cutting them into dozens of noisy tokens. Both are called only at the start of a word, and only
 * after a one-character pre-check, so ordinary words pay nothing.
 */
import { classOf, isWordClass } from './charClass.js';

/** The tokens that stand for a URL and an e-mail address when `cfg.maskUrls`. */
export const URL_TOKEN = '<url>';
export const EMAIL_TOKEN = '<email>';

// Trailing characters that usually end the sentence rather than the URL ("see http://x.org).").
const TRAILING = new Set([0x2e, 0x2c, 0x3b, 0x3a, 0x21, 0x3f, 0x27, 0x29, 0x5d]);
// ASCII that RFC 3986 never allows unescaped in a URL and that often delimits one in text.
const NOT_IN_URL = new Set([0x22, 0x3c, 0x3e, 0x5c, 0x5e, 0x60, 0x7b, 0x7c, 0x7d]);

/** True when `s` has `prefix` (lower-case ASCII) at `i`, ignoring ASCII case. */
function hasPrefixAt(s: string, i: number, prefix: string): boolean {
  if (i + prefix.length > s.length) return false;
  for (let k = 0; k < prefix.length; k++) {
    const c = s.charCodeAt(i + k);
    const p = prefix.charCodeAt(k);
    if (c !== p && !(p >= 0x61 && p <= 0x7a && c === p - 0x20)) return false;
  }
  return true;
}

function isUrlChar(cp: number): boolean {
  if (cp < 0x80) return cp > 0x20 && cp < 0x7f && !NOT_IN_URL.has(cp);
  // Non-ASCII letters (IRIs) are allowed, but not CJK text, which follows URLs without a space.
  return isWordClass(classOf(cp));
}

function prefixLength(s: string, i: number): number {
  if (hasPrefixAt(s, i, 'http://')) return 7;
  if (hasPrefixAt(s, i, 'https://')) return 8;
  if (hasPrefixAt(s, i, 'www.')) return 4;
  return 0;
}

/** Drops sentence punctuation from the end of a URL, keeping a ")" that closes a "(" inside it. */
function trimTrailing(s: string, start: number, end: number): number {
  while (end > start && TRAILING.has(s.charCodeAt(end - 1))) {
    if (s.charCodeAt(end - 1) === 0x29) {
      const body = s.slice(start, end);
      if (body.split('(').length >= body.split(')').length) break;
    }
    end--;
  }
  return end;
}

/** End of the URL starting at `i` ("http://", "https://" or "www."), or -1 when there is none. */
export function urlEnd(s: string, i: number): number {
  const head = prefixLength(s, i);
  if (head === 0) return -1;
  let j = i + head;
  while (j < s.length) {
    const cp = s.codePointAt(j)!;
    if (!isUrlChar(cp)) break;
    j += cp > 0xffff ? 2 : 1;
  }
  const end = trimTrailing(s, i + head, j);
  return end > i + head ? end : -1;
}

/** True for the characters after a word that may mean it is the local part of an address. */
export function mayContinueToEmail(c: number): boolean {
  return c === 0x40 || c === 0x2e || c === 0x5f || c === 0x2b || c === 0x2d || c === 0x25;
}

function isAlnum(s: string, j: number): boolean {
  return j < s.length && isWordClass(classOf(s.codePointAt(j)!));
}

/** End of a run of letters, digits and `extra` chars from `j`. */
function runEnd(s: string, j: number, extra: (c: number) => boolean): number {
  while (j < s.length && (isAlnum(s, j) || extra(s.charCodeAt(j)))) j += s.codePointAt(j)! > 0xffff ? 2 : 1;
  return j;
}

/** End of the dotted domain starting at `j`, or -1 without at least "x.yz". */
function domainEnd(s: string, j: number): number {
  let labels = 0;
  let lastStart = j;
  for (;;) {
    const end = runEnd(s, j, (c) => c === 0x2d);
    if (end === j) return -1;
    labels++;
    lastStart = j;
    j = end;
    if (s.charCodeAt(j) !== 0x2e || !isAlnum(s, j + 1)) break;
    j++;
  }
  return labels >= 2 && j - lastStart >= 2 ? j : -1;
}

/** End of the e-mail address starting at `i` (local@domain.tld), or -1 when there is none. */
export function emailEnd(s: string, i: number): number {
  const at = runEnd(s, i, (c) => c === 0x2e || c === 0x5f || c === 0x2b || c === 0x2d || c === 0x25);
  if (at === i || s.charCodeAt(at) !== 0x40) return -1;
  return domainEnd(s, at + 1);
}
