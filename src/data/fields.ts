/** The checks all formats apply once a record has been split into text, labels, weight and time. */
import type { Example } from './example.js';

/** Why a value cannot be used; returned, not thrown, so a bad line costs no exception. */
export class Problem {
  constructor(readonly message: string) {}
}

/** A short, readable rendering of a value for an error message. */
export function show(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  const kind = Array.isArray(value) ? 'array' : typeof value;
  const json = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  return `${kind} ${json.length > 40 ? `${json.slice(0, 37)}...` : json}`;
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

/** Final checks shared by every format: non-empty text, and a label when labels are required. */
export function makeExample(
  text: string,
  labels: string[],
  weight: number | undefined,
  time: string | undefined,
  requireLabels: boolean,
): Example | Problem {
  if (text.trim() === '') return new Problem('empty text');
  if (requireLabels && labels.length === 0) return new Problem('no label');
  const example: Example = { text, labels };
  if (weight !== undefined) example.weight = weight;
  if (time !== undefined) example.time = time;
  return example;
}
