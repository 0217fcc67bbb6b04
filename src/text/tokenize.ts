/**
 * Tokenizer policy. The same function runs at training and at prediction time, and a model stores
 * its TextConfig, so a model always sees text cut the same way.
 *
 *  1. Normalise: strip control characters, NFKC ("ＡＢＣ１２３" → "ABC123", "ﬁ" → "fi"), then
 *     lower-case when `cfg.lowercase`.
 *  2. Whitespace of every kind separates tokens (\s, NEL, NBSP, U+3000, zero-width space, word joiner,
 *     BOM), and so do other invisible format characters (bidi marks) and lone surrogates.
 *  3. URLs ("http://", "https://", "www.") and e-mail addresses are one token each, replaced by
 *     `<url>` / `<email>` when `cfg.maskUrls`. Sentence punctuation at a URL's end is not part of it.
 *  4. Words are runs of letters, marks and digits (\p{L}\p{M}\p{N}); an apostrophe (' ’) or hyphen
 *     (- ‐) between two word characters stays inside ("don't", "state-of-the-art"), and so do ZWJ,
 *     ZWNJ and soft hyphen. Combining marks stay with their base ("q\u0301" is one token).
 *  5. Numbers: "." or "," between two digits stays inside ("3.5", "1,000"); elsewhere they are
 *     punctuation, so "node.js" is "node" "." "js".
 *  6. Punctuation and symbols: each run of one repeated character is one token ("!!!", "?", "$"),
 *     kept only when `cfg.punctuation`.
 *  7. Emoji (\p{Extended_Pictographic}, with skin tones, VS16, ZWJ sequences, keycaps, tag sequences,
 *     and regional-indicator flags) are one token per sequence, always kept: they carry sentiment.
 *  8. Han, Hiragana, Katakana, Thai, Lao, Khmer and Myanmar letters (scripts written without spaces)
 *     are collected into runs, and only those runs go to Intl.Segmenter (ICU dictionary word
 *     breaking); its word-like segments are the tokens. With `cfg.cjkRuns` the whole run follows its
 *     words as one more token (RUN_MARK + run) that only carries the run's char n-grams. Everything else goes through the hand-written
 *     scanner below, which is much faster than the segmenter.
 *
 * ASCII stretches of text take a fast path (src/text/asciiToken.ts) that applies these same rules
 * and hands everything it cannot settle from ASCII alone back to this scanner.
 *
 * With `cfg.tokenizer === 'fasttext'` none of this applies: text is split exactly as fastText splits
 * it (src/text/fasttext.ts), so models imported from fastText predict as fastText does.
 */
import type { TextConfig } from '../config.js';
import { fasttextTokens } from './fasttext.js';
import { CharClass, classOf, isWordClass } from './charClass.js';
import { emojiEnd, keycapEnd } from './emoji.js';
import { EMAIL_TOKEN, emailEnd, mayContinueToEmail, URL_TOKEN, urlEnd } from './links.js';
import { normalize } from './normalize.js';
import { scanText } from './asciiToken.js';
import { pushSegmentedWords } from './segmenter.js';

/** Code point at `i`, reading a surrogate pair only when there is one (the common path is charCodeAt). */
function codePointAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff ? s.codePointAt(i)! : c;
}

function width(cp: number): number {
  return cp > 0xffff ? 2 : 1;
}

function isWordCharAt(s: string, j: number): boolean {
  return j < s.length && isWordClass(classOf(codePointAt(s, j)));
}

/** End of the word starting at `i`: letters, marks and digits, with the inner joiners of rules 4-5. */
function wordEnd(s: string, i: number): number {
  let j = i;
  let prevDigit = false;
  while (j < s.length) {
    const cp = codePointAt(s, j);
    const k = classOf(cp);
    const w = width(cp);
    if (k === CharClass.Letter || k === CharClass.Mark || k === CharClass.VariationSelector) prevDigit = false;
    else if (k === CharClass.Digit) prevDigit = true;
    else if (k === CharClass.Joiner || k === CharClass.FormatJoiner) {
      if (!isWordCharAt(s, j + w)) break;
      prevDigit = false;
    } else if (k === CharClass.NumberSeparator) {
      if (!prevDigit || j + 1 >= s.length || classOf(codePointAt(s, j + 1)) !== CharClass.Digit) break;
    } else break;
    j += w;
  }
  return j;
}

/**
 * Receives the tokens of a normalised text as the scanner finds them: most as ranges of the text,
 * so a caller that only hashes them (the featurizer) never makes a string per token.
 */
export interface TokenSink {
  /** The token s[start, end); `hash` is its fnv1a32 when the scanner computed it on the way, else -1. */
  slice(s: string, start: number, end: number, hash: number): void;
  /** A token that is not a range of the text: a mask ("<url>") or a segmenter word. */
  token(t: string): void;
}

/** Scans the word, URL, e-mail address or keycap starting at `i`; returns where it ends. */
function scanWord(s: string, i: number, cfg: TextConfig, out: TokenSink): number {
  const lower = s.charCodeAt(i) | 0x20;
  if (lower === 0x68 || lower === 0x77) {
    const e = urlEnd(s, i);
    if (e > 0) return emit(out, s, i, e, cfg.maskUrls ? URL_TOKEN : undefined);
  } else {
    const e = keycapEnd(s, i);
    if (e > 0) return emit(out, s, i, e, undefined);
  }
  const end = wordEnd(s, i);
  // Only words followed by "@", ".", "_", "+", "-" or "%" can be the local part of an address.
  if (end < s.length && mayContinueToEmail(s.charCodeAt(end))) {
    const e = emailEnd(s, i);
    if (e > 0) return emit(out, s, i, e, cfg.maskUrls ? EMAIL_TOKEN : undefined);
  }
  return emit(out, s, i, end, undefined);
}

/** Emits `s[i, end)` (or `mask` instead) and returns `end`. */
function emit(out: TokenSink, s: string, i: number, end: number, mask: string | undefined): number {
  if (mask === undefined) out.slice(s, i, end, -1);
  else out.token(mask);
  return end;
}

/**
 * Starts the extra token a run of no-space-script letters adds when `cfg.cjkRuns`: the whole run,
 * whose char n-grams cross the segmenter's word boundaries as fastText's do over a space-free run.
 * It is no word (no vocabulary row, no word n-gram): featurizers take only its char n-grams, and
 * the run's words then take none of their own (see isRunToken, isNoSpaceWord).
 */
export const RUN_MARK = '\uFDD0';

/** Whether `token` is the whole-run token of cjkRuns. */
export function isRunToken(token: string): boolean {
  return token.charCodeAt(0) === 0xfdd0;
}

/** Whether `token` is a segmenter word of a no-space script (its char n-grams come from its run with cjkRuns). */
export function isNoSpaceWord(token: string): boolean {
  return token.length > 0 && classOf(codePointAt(token, 0)) === CharClass.NoSpace;
}

/** Collects a run of no-space-script letters (rule 8) and segments it. */
function scanNoSpaceRun(s: string, i: number, cfg: TextConfig, out: TokenSink): number {
  let j = i;
  while (j < s.length) {
    const cp = codePointAt(s, j);
    const k = classOf(cp);
    if (k !== CharClass.NoSpace && k !== CharClass.Mark && k !== CharClass.VariationSelector) break;
    j += width(cp);
  }
  const words: string[] = [];
  pushSegmentedWords(s.slice(i, j), words);
  for (const w of words) out.token(w);
  if (cfg.cjkRuns) out.token(RUN_MARK + s.slice(i, j));
  return j;
}

/** Scans a run of one repeated punctuation or symbol code point (rule 6). */
function scanPunct(s: string, i: number, cp: number, cfg: TextConfig, out: TokenSink): number {
  const keycap = keycapEnd(s, i);
  if (keycap > 0) return emit(out, s, i, keycap, undefined);
  const w = width(cp);
  let j = i + w;
  while (j < s.length && codePointAt(s, j) === cp) j += w;
  if (cfg.punctuation) out.slice(s, i, j, -1);
  return j;
}

/** Scans one token (or one separator) starting at `i`, with every rule; returns where the next one starts. */
export function scanToken(s: string, i: number, cfg: TextConfig, out: TokenSink): number {
  const cp = codePointAt(s, i);
  switch (classOf(cp)) {
    case CharClass.Letter:
    case CharClass.Digit:
    case CharClass.Mark:
      return scanWord(s, i, cfg, out);
    case CharClass.NoSpace:
      return scanNoSpaceRun(s, i, cfg, out);
    case CharClass.Emoji:
    case CharClass.RegionalIndicator:
      return emit(out, s, i, emojiEnd(s, i), undefined);
    case CharClass.Joiner:
    case CharClass.NumberSeparator:
    case CharClass.Punct:
      return scanPunct(s, i, cp, cfg, out);
    default:
      // Separators, and joiners or variation selectors with nothing to attach to.
      return i + width(cp);
  }
}

/**
 * Cuts `text` into tokens as tokenize() does, handing each to `out` instead of collecting strings.
 * Only for the Accrete tokenizer (cfg.tokenizer !== 'fasttext'). ASCII goes through the fast path
 * of asciiToken.ts unless `asciiFastPath` is false (for tests that compare the two).
 */
export function scanTokens(text: string, cfg: TextConfig, out: TokenSink, asciiFastPath = true): void {
  const s = normalize(text, cfg.lowercase);
  if (asciiFastPath) return scanText(s, cfg, out, scanToken);
  let i = 0;
  while (i < s.length) i = scanToken(s, i, cfg, out);
}

/** A sink that collects the tokens as strings. */
class TokenList implements TokenSink {
  constructor(readonly tokens: string[]) {}
  slice(s: string, start: number, end: number): void {
    this.tokens.push(s.slice(start, end));
  }
  token(t: string): void {
    this.tokens.push(t);
  }
}

/**
 * Normalises `text` and cuts it into word tokens, following the policy at the top of this file.
 * @example tokenize("Don't panic!!! 👍🏽", { lowercase: true, punctuation: true, maskUrls: true })
 * // ["don't", 'panic', '!!!', '👍🏽']
 */
export function tokenize(text: string, cfg: TextConfig): string[] {
  if (cfg.tokenizer === 'fasttext') return fasttextTokens(text);
  const out: string[] = [];
  scanTokens(text, cfg, new TokenList(out));
  return out;
}
