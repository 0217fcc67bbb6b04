/**
 * fastText subword n-grams (Bojanowski et al. 2017, "Enriching Word Vectors with Subword
 * Information"): the word is wrapped as "<word>" and every run of n code points, minn <= n <= maxn,
 * is an n-gram, except the bare "<" and ">". Order: by start position, then by length, as in
 * fastText's Dictionary::computeSubwords, so bucket ids line up with fastText's for the same hash.
 */
import { FNV_OFFSET, codePointAtUtf8, fnv1aCodePoint } from './hash.js';

const LT = 0x3c;
const GT = 0x3e;

// Reused across calls: charNgramHashes runs once per token of every example, so it must not allocate.
let scratch = new Int32Array(64);

/** Fills `scratch` with the code points of "<word>" and returns how many there are. */
function wrapCodePoints(word: string): number {
  if (scratch.length < word.length + 2) scratch = new Int32Array(word.length * 2 + 2);
  let len = 0;
  scratch[len++] = LT;
  for (let i = 0; i < word.length; i++) {
    const cp = codePointAtUtf8(word, i);
    if (cp > 0xffff) i++;
    scratch[len++] = cp;
  }
  scratch[len++] = GT;
  return len;
}

/** True when the n-gram starting at code point `i` with length `n` (of `len`) is "<" or ">" alone. */
function isBareBracket(i: number, n: number, len: number): boolean {
  return n === 1 && (i === 0 || i === len - 1);
}

/**
 * The char n-grams of `word` as strings (for inspection and tests; training uses charNgramHashes).
 * @example charNgrams('where', 3, 3) // ['<wh', 'whe', 'her', 'ere', 're>']
 */
export function charNgrams(word: string, minn: number, maxn: number): string[] {
  const wrapped = `<${word}>`;
  // starts[k] = code-unit offset of code point k; one extra entry marks the end.
  const starts: number[] = [];
  for (let i = 0; i < wrapped.length; i++) {
    starts.push(i);
    if (codePointAtUtf8(wrapped, i) > 0xffff) i++;
  }
  const len = starts.length;
  starts.push(wrapped.length);
  const out: string[] = [];
  const lo = Math.max(minn, 1);
  for (let i = 0; i < len; i++) {
    for (let n = lo; n <= maxn && i + n <= len; n++) {
      if (!isBareBracket(i, n, len)) out.push(wrapped.slice(starts[i], starts[i + n]));
    }
  }
  return out;
}

/**
 * Pushes fnv1a32 of each char n-gram of `word` onto `out`, equal to `charNgrams(...).map(fnv1a32)`
 * but without building substrings: each start position extends one running hash.
 */
export function charNgramHashes(word: string, minn: number, maxn: number, out: number[]): void {
  if (maxn <= 0) return;
  const lo = Math.max(minn, 1);
  const len = wrapCodePoints(word);
  for (let i = 0; i < len; i++) {
    let h = FNV_OFFSET;
    for (let n = 1; n <= maxn && i + n <= len; n++) {
      h = fnv1aCodePoint(h, scratch[i + n - 1]);
      if (n >= lo && !isBareBracket(i, n, len)) out.push(h >>> 0);
    }
  }
}
