/**
 * fastText's text side, byte for byte (fastText 0.9.2, src/dictionary.cc), so a model imported
 * from fastText sees the same rows fastText does:
 *  - tokens: Dictionary::readWord splits on ' ', '\n', '\r', '\t', '\v', '\f' and '\0' only, with
 *    no normalisation; tokens that start with `__label__` are labels, never features (getLine).
 *  - hash: FNV-1a over the UTF-8 bytes read as *signed* chars (Dictionary::hash), the quirk the style
 *    guide (G15) keeps out of Accrete's own hashing; it is here because binary compatibility is the goal.
 *  - char n-grams: Dictionary::computeSubwords on "<word>", n counted in UTF-8 characters, the bare
 *    "<" and ">" left out; bucket = hash % bucket on the uint32 hash.
 *  - word n-grams: Dictionary::addWordNgrams keeps token hashes as int32 and combines them in uint64
 *    arithmetic, `h = h * 116049371 + hash[j]` with sign extension, then `h % bucket`.
 */
import { FNV_OFFSET, FNV_PRIME, NGRAM_MULTIPLIER, codePointAtUtf8 } from './hash.js';

/** fastText's label prefix (defined here, with the rest of fastText's text side, and re-exported by the data reader). */
export const LABEL_PREFIX = '__label__';

const TWO_32 = 4294967296;

/** fastText's token separators (Dictionary::readWord). */
const SEPARATORS = /[ \n\r\t\v\f\0]+/;

/**
 * The feature tokens of a line as fastText reads them: whitespace-separated, labels dropped.
 * @example fasttextTokens('__label__x  Héllo\tworld ') // ['Héllo', 'world']
 */
export function fasttextTokens(text: string): string[] {
  const out: string[] = [];
  for (const token of text.split(SEPARATORS)) if (token !== '' && !token.startsWith(LABEL_PREFIX)) out.push(token);
  return out;
}

/** Folds one UTF-8 byte into the hash as a signed char: bytes >= 0x80 are sign-extended first. */
function step(h: number, byte: number): number {
  return Math.imul(h ^ (byte < 0x80 ? byte : byte | 0xffffff00), FNV_PRIME);
}

/** Folds the UTF-8 bytes of one code point (lone surrogates as U+FFFD, as Buffer writes them). */
function stepCodePoint(h: number, cp: number): number {
  if (cp < 0x80) return step(h, cp);
  if (cp < 0x800) return step(step(h, 0xc0 | (cp >> 6)), 0x80 | (cp & 0x3f));
  if (cp < 0x10000) return step(step(step(h, 0xe0 | (cp >> 12)), 0x80 | ((cp >> 6) & 0x3f)), 0x80 | (cp & 0x3f));
  h = step(step(h, 0xf0 | (cp >> 18)), 0x80 | ((cp >> 12) & 0x3f));
  return step(step(h, 0x80 | ((cp >> 6) & 0x3f)), 0x80 | (cp & 0x3f));
}

/** Code points of `s`, lone surrogates read as U+FFFD. */
function codePoints(s: string, out: number[]): number[] {
  out.length = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) out.push(c);
    else if (c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) out.push(0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00));
    else out.push(0xfffd);
  }
  return out;
}

/**
 * fastText's Dictionary::hash of `s` (its UTF-8 bytes), as an unsigned 32-bit integer.
 * @example fasttextHash('a') // 3826002220 (equal to FNV-1a for ASCII); fasttextHash('é') // 1023043777 (FNV-1a gives 513665217)
 */
export function fasttextHash(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, FNV_PRIME);
      continue;
    }
    const cp = codePointAtUtf8(s, i);
    if (cp > 0xffff) i++;
    h = stepCodePoint(h, cp);
  }
  return h >>> 0;
}

const scratch: number[] = [];

/**
 * Pushes the bucket ids (in [0, bucket)) of the char n-grams of `word`, in fastText's order: by
 * start, then by length.
 */
export function fasttextCharNgramBuckets(word: string, minn: number, maxn: number, bucket: number, out: number[]): void {
  if (maxn <= 0 || bucket <= 0) return;
  const cps = codePoints(word, scratch);
  const len = cps.length + 2;
  const at = (k: number) => (k === 0 ? 0x3c : k === len - 1 ? 0x3e : cps[k - 1]);
  for (let i = 0; i < len; i++) {
    let h = FNV_OFFSET;
    for (let n = 1; n <= maxn && i + n <= len; n++) {
      h = stepCodePoint(h, at(i + n - 1));
      if (n >= minn && !(n === 1 && (i === 0 || i + n === len))) out.push((h >>> 0) % bucket);
    }
  }
}

/** (hi, lo) of a uint64, kept as two uint32 numbers. */
let hi = 0;
let lo = 0;

/** (hi, lo) = (hi, lo) * NGRAM_MULTIPLIER + signExtend(int32 of y), modulo 2^64. */
function mulAdd(y: number): void {
  // lo * M is up to 2^59: split lo into 16-bit halves so every partial product is exact in a double.
  const pA = (lo >>> 16) * NGRAM_MULTIPLIER;
  const pB = (lo & 0xffff) * NGRAM_MULTIPLIER;
  const pAhi = Math.floor(pA / 65536);
  const low = (pA % 65536) * 65536 + pB;
  const carry = pAhi + Math.floor(low / TWO_32);
  let newLo = low % TWO_32;
  let newHi = (Math.imul(hi, NGRAM_MULTIPLIER) + carry) >>> 0;
  newLo += y >>> 0;
  if (newLo >= TWO_32) {
    newLo -= TWO_32;
    newHi = (newHi + 1) >>> 0;
  }
  if ((y | 0) < 0) newHi = (newHi + 0xffffffff) >>> 0;
  hi = newHi;
  lo = newLo;
}

/** (hi * 2^32 + lo) mod m, exactly (m < 2^31). */
function mod64(m: number): number {
  let x = hi % m;
  x = (x * 65536 + (lo >>> 16)) % m;
  return (x * 65536 + (lo & 0xffff)) % m;
}

/**
 * Pushes the bucket ids of the word n-grams (2..n tokens) of a line whose token hashes (uint32, as
 * fasttextHash returns them, end-of-line token included) are `hashes`.
 */
export function fasttextWordNgramBuckets(hashes: readonly number[], n: number, bucket: number, out: { push(v: number): void }): void {
  for (let i = 0; i < hashes.length; i++) {
    hi = (hashes[i] | 0) < 0 ? 0xffffffff : 0;
    lo = hashes[i] >>> 0;
    for (let j = i + 1; j < hashes.length && j < i + n; j++) {
      mulAdd(hashes[j]);
      out.push(mod64(bucket));
    }
  }
}
