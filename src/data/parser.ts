/** What every format parser shares: the line-in, example-or-problem-out contract and UTF-8 decoding. */
import type { Example } from './example.js';
import { Problem } from './fields.js';
import type { RawLine } from './lines.js';

/** The outcome of one record: an example, or the problem that makes its line bad. */
export type Parsed = { ok: true; example: Example } | { ok: false; line: number; problem: string };

/** A format parser: fed physical lines in order, it completes at most one record per call. */
export interface LineParser {
  /** Consumes one line; null when it completes nothing (a blank line, a header, or a record continuing). */
  push(line: RawLine): Parsed | null;
  /** Called once after the last line; returns a record left unfinished, if any. */
  end(): Parsed | null;
}

/** What a parser needs to know beyond the lines themselves. */
export interface ParserOptions {
  /** Shown in hard errors (the header of a CSV file). */
  file: string;
  requireLabels: boolean;
  maxLineBytes: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes one line, or returns null when it is not valid UTF-8 (never inserts U+FFFD). */
export function decodeLine(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** The problem of a line longer than the limit. */
export function tooLong(size: number, limit: number): string {
  // No hint at the maxLineBytes option: command-line users cannot set it, and a library caller set the limit.
  return `line is ${size} bytes, longer than the limit ${limit} bytes a data line may have: check that this is a text data file, or split a text this long into several examples`;
}

/** Shorthand for a bad-line outcome. */
export function bad(line: number, problem: string): Parsed {
  return { ok: false, line, problem };
}

/** Shorthand for a good outcome, or a bad one when `built` is a Problem. */
export function outcome(line: number, built: Example | Problem): Parsed {
  return built instanceof Problem ? { ok: false, line, problem: built.message } : { ok: true, example: built };
}
