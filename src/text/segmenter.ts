/**
 * Word segmentation for scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer,
 * Myanmar) with ICU's dictionary-based breaker through Intl.Segmenter. It is slow (an ICU iterator
 * per call and an object per segment), so the tokenizer calls it only on runs of these scripts.
 */

// Created on first use: constructing a segmenter loads ICU break data, which costs milliseconds.
let segmenter: Intl.Segmenter | undefined;

// Node 20's Intl.Segmenter is superlinear on long runs without breaks (measured: ~3.4M chars/s on
// 1k chars, 0.6M on 30k, 0.02M on 100k), so longer runs are segmented in windows of this size.
const WINDOW = 512;

/**
 * Pushes the word-like segments of `text` except the last segment, which the window may have cut;
 * returns where that last segment starts, so the next window begins on a segment boundary.
 */
function pushWindow(seg: Intl.Segmenter, text: string, out: string[]): number {
  let held: Intl.SegmentData | undefined;
  for (const s of seg.segment(text)) {
    if (held?.isWordLike) out.push(held.segment);
    held = s;
  }
  if (held === undefined) return text.length;
  if (held.index > 0) return held.index;
  // One segment fills the whole window: keep it rather than loop forever.
  if (held.isWordLike) out.push(held.segment);
  return text.length;
}

/** Pushes the word-like segments of `run` (text of a no-space script) onto `out`. */
export function pushSegmentedWords(run: string, out: string[]): void {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'word' });
  let pos = 0;
  while (run.length - pos > WINDOW) {
    let end = pos + WINDOW;
    const last = run.charCodeAt(end - 1);
    // Never cut a surrogate pair. (ICU would return the lone half as a segment of its own, which is
    // then held back, so this is belt and braces; it keeps correctness independent of ICU.)
    if (last >= 0xd800 && last <= 0xdbff) end--;
    pos += pushWindow(segmenter, run.slice(pos, end), out);
  }
  for (const s of segmenter.segment(run.slice(pos))) {
    if (s.isWordLike) out.push(s.segment);
  }
}
