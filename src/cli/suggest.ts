/** "Did you mean": the nearest of a few known names to a mistyped one, by edit distance. */

/**
 * Edit distance with adjacent transpositions (optimal string alignment): `trian` is 1 from `train`.
 * @example editDistance('epochs', 'epoch') // 1
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Case and dashes do not count: `--word-ngrams` and `--wordngrams` are both `--wordNgrams`. */
const fold = (s: string) => s.toLowerCase().replace(/[-_]/g, '');

/** How far a name may be from a known one and still be taken for a typo of it. */
const tolerance = (s: string) => (s.length <= 4 ? 1 : s.length <= 8 ? 2 : 3);

/**
 * The known name `word` most likely is a typo of, or undefined when none is close enough.
 * @example closest('trian', ['train', 'eval']) // 'train'
 */
export function closest(word: string, known: readonly string[]): string | undefined {
  const w = fold(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const k = fold(name);
    // A prefix of a long name (--pretrained for --pretrained-vectors) is closer than its distance says.
    const distance = k === w ? 0 : w.length >= 4 && k.startsWith(w) ? 1 : editDistance(w, k);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best !== undefined && bestDistance <= tolerance(w) ? best : undefined;
}

/** "; did you mean X?" to end a message with, or an empty string when nothing is close. */
export function didYouMean(word: string, known: readonly string[], spell: (name: string) => string = (n) => n): string {
  const match = closest(word, known);
  return match === undefined ? '' : `; did you mean ${spell(match)}?`;
}
