/**
 * The tokenizer's fast path for the ASCII parts of a text, which are most of most text: the tokens
 * the general scanner in tokenize.ts would find, from one tight loop with one table read per
 * character, each token hashed (FNV-1a) on the way. Whenever a rule could depend on a non-ASCII
 * character (a letter, mark or joiner inside a word, a keycap), the general scanner takes that
 * token. URLs and e-mail addresses go through the general recognisers. tokenize.test.ts checks
 * that tokens are the same with and without this path.
 */
import type { TextConfig } from '../config.js';
import { CharClass, classOf } from './charClass.js';
import { FNV_OFFSET, FNV_PRIME } from './hash.js';
import { EMAIL_TOKEN, emailEnd, mayContinueToEmail, URL_TOKEN, urlEnd } from './links.js';
import type { TokenSink } from './tokenize.js';

/** The general scanner: scans the token or separator at `i`, hands a token to `out`, returns where the next starts. */
export type ScanOne = (s: string, i: number, cfg: TextConfig, out: TokenSink) => number;

/** The tokenizer's classes of the ASCII code points, from the general classifier. */
const ASCII = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII[c] = classOf(c);

/**
 * Scans the word (rules 4-5 of tokenize.ts), URL or e-mail address at `i` and hands it to `out`;
 * returns its end, or -1, having emitted nothing, when a non-ASCII character is met.
 */
function scanWord(s: string, i: number, cfg: TextConfig, out: TokenSink): number {
  const lower = s.charCodeAt(i) | 0x20;
  if (lower === 0x68 || lower === 0x77) {
    const e = urlEnd(s, i);
    if (e > 0) return emit(out, s, i, e, cfg.maskUrls ? URL_TOKEN : undefined);
  }
  const n = s.length;
  let h = FNV_OFFSET;
  let prevDigit = false;
  let j = i;
  for (; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c >= 0x80) return -1;
    const k = ASCII[c];
    if (k === CharClass.Letter) prevDigit = false;
    else if (k === CharClass.Digit) prevDigit = true;
    else if (k === CharClass.Joiner || k === CharClass.NumberSeparator) {
      // An apostrophe or hyphen between two word characters, "." or "," between two digits.
      if (j + 1 >= n) break;
      const d = s.charCodeAt(j + 1);
      if (d >= 0x80) return -1;
      const kd = ASCII[d];
      if (k === CharClass.Joiner ? kd !== CharClass.Letter && kd !== CharClass.Digit : !prevDigit || kd !== CharClass.Digit) break;
    } else break;
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  if (j < n && mayContinueToEmail(s.charCodeAt(j))) {
    const e = emailEnd(s, i);
    if (e > 0) return emit(out, s, i, e, cfg.maskUrls ? EMAIL_TOKEN : undefined);
  }
  out.slice(s, i, j, h >>> 0);
  return j;
}

/** Hands `s[i, end)` (or `mask` instead) to `out` and returns `end`. */
function emit(out: TokenSink, s: string, i: number, end: number, mask: string | undefined): number {
  if (mask === undefined) out.slice(s, i, end, -1);
  else out.token(mask);
  return end;
}

/** The tokens of the normalised text `s`, handed to `out`: ASCII here, the rest by `general`. */
export function scanText(s: string, cfg: TextConfig, out: TokenSink, general: ScanOne): void {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    const k = c < 0x80 ? ASCII[c] : CharClass.Unknown;
    if (k === CharClass.Space) {
      i++;
    } else if (k === CharClass.Letter || k === CharClass.Digit) {
      const end = scanWord(s, i, cfg, out);
      i = end >= 0 ? end : general(s, i, cfg, out);
    } else if (k === CharClass.Unknown || c === 0x23 || c === 0x2a) {
      // Non-ASCII, or "#" and "*", which may start a keycap ("#️⃣").
      i = general(s, i, cfg, out);
    } else {
      // Punctuation and symbols (rule 6), and "'", "-", ".", "," outside words: a run of one character.
      let h = Math.imul(FNV_OFFSET ^ c, FNV_PRIME);
      let j = i + 1;
      for (; j < n && s.charCodeAt(j) === c; j++) h = Math.imul(h ^ c, FNV_PRIME);
      if (cfg.punctuation) out.slice(s, i, j, h >>> 0);
      i = j;
    }
  }
}
