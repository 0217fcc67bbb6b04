/**
 * Word segmentation for scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer,
 * Myanmar) with ICU's dictionary-based breaker through Intl.Segmenter. It is slow (an iterator and
 * an object per segment), so the tokenizer calls it only on runs of these scripts.
 */

// Created on first use: constructing a segmenter loads ICU break data, which costs milliseconds.
let segmenter: Intl.Segmenter | undefined;

/** Pushes the word-like segments of `run` (text of a no-space script) onto `out`. */
export function pushSegmentedWords(run: string, out: string[]): void {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'word' });
  for (const seg of segmenter.segment(run)) {
    if (seg.isWordLike) out.push(seg.segment);
  }
}
