/** The checks all formats apply once a record has been split into text, labels, weight and time. */
import type { Example } from './example.js';

/** Why a value cannot be used; returned, not thrown, so a bad line costs no exception. */
export class Problem {
  constructor(readonly message: string) {}
}

/**
 * A short, readable rendering of a value for an error message. Never recursive and never longer
 * than about 60 characters: the value may come from a request body nested 100,000 levels deep or
 * a megabyte long, and JSON.stringify of such a value overflows the stack or floods the message.
 */
export function show(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'object';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  return `${typeof value} ${String(value).slice(0, 40)}`;
}

/**
 * Characters a label may not hold: C0 controls (newline, NUL, ESC of ANSI escapes...), DEL, C1
 * controls and the Unicode line and paragraph separators. A label is printed in tables, logs and
 * terminals, and written one a line in fastText files: any of these would break or forge output.
 */
const LABEL_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
/** A lone surrogate (with the u flag a pair is one code point and does not match). */
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/** Why `s` is not well-formed Unicode (a lone surrogate would be stored as U+FFFD), or null. */
export function wellFormedProblem(s: string, what: string): string | null {
  return LONE_SURROGATE.test(s) ? `${what} holds a lone surrogate (not well-formed Unicode: an unpaired \\uD800-\\uDFFF escape)` : null;
}

/** Why `label` (already trimmed) cannot be a label, or null. */
export function labelCharProblem(label: string): string | null {
  const control = LABEL_CONTROL.exec(label);
  if (control) {
    const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `label ${show(label)} holds the control character U+${code}: labels may not hold control characters, newlines or line separators`;
  }
  return wellFormedProblem(label, `label ${show(label)}`);
}

/** Checks one label: a string with something besides whitespace, returned trimmed (" pos" is "pos"). */
export function checkLabel(value: unknown, field: string): string | Problem {
  if (typeof value !== 'string') return new Problem(`${field} must be a string, got ${show(value)}`);
  const label = value.trim();
  return label === '' ? new Problem('empty label') : label;
}

/** Checks a weight (must already be a number); undefined when absent. */
export function checkWeight(value: unknown): number | undefined | Problem {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  return new Problem(`"weight" must be a positive finite number, got ${show(value)}`);
}

/** Checks a time (string or number, kept as text); undefined when absent. */
export function checkTime(value: unknown): string | undefined | Problem {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return new Problem(`"time" must be a string or a number, got ${show(value)}`);
}

/**
 * Final checks shared by every format: non-empty, well-formed text; labels without control
 * characters; and a label when labels are required.
 */
export function makeExample(
  text: string,
  labels: string[],
  weight: number | undefined,
  time: string | undefined,
  requireLabels: boolean,
): Example | Problem {
  if (text.trim() === '') return new Problem('empty text');
  const malformed = wellFormedProblem(text, 'the text');
  if (malformed !== null) return new Problem(malformed);
  if (requireLabels && labels.length === 0) return new Problem('no label');
  for (const label of labels) {
    const problem = labelCharProblem(label);
    if (problem !== null) return new Problem(problem);
  }
  const example: Example = { text, labels };
  if (weight !== undefined) example.weight = weight;
  if (time !== undefined) example.time = time;
  return example;
}
