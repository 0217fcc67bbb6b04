/**
 * 32-bit FNV-1a over UTF-8 bytes, the hash fastText uses to place word and char n-grams in buckets.
 * We hash bytes as unsigned (the FNV spec), not fastText's signed-char variant (style G15), so the
 * values match every other FNV-1a implementation. Reference: Fowler, Noll, Vo, "FNV hash" (IETF draft).
 */

/** FNV-1a 32-bit offset basis. */
export const FNV_OFFSET = 2166136261;
/** fastText's multiplier for combining token hashes into a word n-gram hash. */
export const NGRAM_MULTIPLIER = 116049371;

/** FNV-1a 32-bit prime. */
export const FNV_PRIME = 16777619;

/**
 * Folds the UTF-8 bytes of one code point into a running FNV-1a state (an int32; finish with `>>> 0`).
 * Encoding inline keeps the n-gram hashing free of TextEncoder buffers and substrings.
 */
export function fnv1aCodePoint(h: number, cp: number): number {
  if (cp < 0x80) return Math.imul(h ^ cp, FNV_PRIME);
  if (cp < 0x800) {
    h = Math.imul(h ^ (0xc0 | (cp >> 6)), FNV_PRIME);
  } else if (cp < 0x10000) {
    h = Math.imul(h ^ (0xe0 | (cp >> 12)), FNV_PRIME);
    h = Math.imul(h ^ (0x80 | ((cp >> 6) & 0x3f)), FNV_PRIME);
  } else {
    h = Math.imul(h ^ (0xf0 | (cp >> 18)), FNV_PRIME);
    h = Math.imul(h ^ (0x80 | ((cp >> 12) & 0x3f)), FNV_PRIME);
    h = Math.imul(h ^ (0x80 | ((cp >> 6) & 0x3f)), FNV_PRIME);
  }
  return Math.imul(h ^ (0x80 | (cp & 0x3f)), FNV_PRIME);
}

/**
 * Code point at `i`, with a lone surrogate read as U+FFFD, which is what TextEncoder/Buffer write
 * for it; so hashing a malformed string still equals hashing its UTF-8 encoding.
 */
export function codePointAtUtf8(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) return c;
  if (c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
  }
  return 0xfffd;
}

/**
 * 32-bit FNV-1a of the UTF-8 bytes of `s`, as an unsigned integer.
 * @example fnv1a32('a') // 0xe40c292c === 3826002220
 */
export function fnv1a32(s: string): number {
  return fnv1a32Range(s, 0, s.length);
}

/** fnv1a32(s.slice(start, end)) without making the slice (a surrogate pair cut by `end` is a lone one). */
export function fnv1a32Range(s: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, FNV_PRIME);
      continue;
    }
    let cp = c;
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = c <= 0xdbff && i + 1 < end ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else cp = 0xfffd;
    }
    h = fnv1aCodePoint(h, cp);
  }
  return h >>> 0;
}
