/** The unit every reader produces and every learner consumes, and the checks at the public API. */
import { AccreteError } from '../errors.js';
import { labelCharProblem, show } from './fields.js';

/** One labelled (or, for prediction input, unlabelled) text: the one form used inside Accrete. */
export interface Example {
  text: string;
  /** Never empty when labels are required; `[]` only for prediction input. */
  labels: string[];
  /** Positive, finite importance weight; absent means 1. */
  weight?: number;
  /** When the example was observed, as given in the file (ISO date or epoch number, kept as text). */
  time?: string;
}

interface InputFields {
  text: string;
  /** Positive, finite importance weight; absent means 1. */
  weight?: number;
  /** When the example was observed: an ISO date, or an epoch number (kept as text). */
  time?: string | number;
}

/**
 * A labelled example as the public API takes it (design.md): `{ text, label }` or, for several
 * labels, `{ text, labels: [...] }`; one of the two, never neither or both.
 */
export type ExampleInput = (InputFields & { label: string; labels?: never }) | (InputFields & { labels: string[]; label?: never });

/** The data file formats Accrete reads. */
export type DataFormat = 'jsonl' | 'csv' | 'tsv' | 'fasttext';

/** Every `DataFormat`, in the order help texts list them. */
export const DATA_FORMATS: readonly DataFormat[] = ['jsonl', 'csv', 'tsv', 'fasttext'];

function labelProblem(value: unknown, field: string): string | null {
  if (typeof value !== 'string') return `${field} must be a string, got ${show(value)}`;
  if (value.trim() === '') return `${field} is empty`;
  // The same characters the data readers refuse (newlines, ANSI escapes, lone surrogates...).
  const chars = labelCharProblem(value);
  return chars === null ? null : `${field}: ${chars}`;
}

/**
 * Checks `value`, element `index` of the argument `what` (say 'train: examples'), and returns it
 * as an Example: the very object when it already is one, else a new one (for `{ text, label }`, or
 * a number `time`). Throws an AccreteError (code BAD_DATA) naming the index and what is wrong.
 * The rules are those of JSON Lines files, except that text may be empty and labels are not trimmed.
 */
export function toExample(value: unknown, what: string, index: number): Example {
  const fail = (problem: string) => new AccreteError('BAD_DATA', `${what}[${index}]: ${problem}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail(`expected an object { text, label } or { text, labels }, got ${show(value)}`);
  }
  const e = value as Record<string, unknown>;
  if (typeof e.text !== 'string') throw fail(e.text === undefined ? 'no "text"' : `"text" must be a string, got ${show(e.text)}`);
  const labels = labelsOf(e);
  if (typeof labels === 'string') throw fail(labels);
  if (e.weight !== undefined && !(typeof e.weight === 'number' && Number.isFinite(e.weight) && e.weight > 0)) {
    throw fail(`"weight" must be a positive finite number, got ${show(e.weight)}`);
  }
  const time = e.time === undefined || typeof e.time === 'string' ? e.time : typeof e.time === 'number' && Number.isFinite(e.time) ? String(e.time) : null;
  if (time === null) throw fail(`"time" must be a string or a number, got ${show(e.time)}`);
  if (labels === e.labels && time === e.time) return value as Example;
  const example: Example = { text: e.text, labels };
  if (e.weight !== undefined) example.weight = e.weight;
  if (time !== undefined) example.time = time;
  return example;
}

/** The labels of an example object (its own `labels` array, or `[label]`), or what is wrong with them. */
function labelsOf(e: Record<string, unknown>): string[] | string {
  if (e.labels !== undefined) {
    if (e.label !== undefined) return 'both "label" and "labels" are given; use one';
    if (!Array.isArray(e.labels)) return `"labels" must be an array of strings, got ${show(e.labels)}`;
    if (e.labels.length === 0) return '"labels" is empty; an example needs at least one label';
    for (let j = 0; j < e.labels.length; j++) {
      const problem = labelProblem(e.labels[j], `"labels"[${j}]`);
      if (problem) return problem;
    }
    return e.labels as string[];
  }
  if (e.label === undefined) return 'no label: give "label" (a string) or "labels" (an array of strings)';
  if (Array.isArray(e.label)) return '"label" must be a string, got an array (use "labels" for several)';
  return labelProblem(e.label, '"label"') ?? [e.label as string];
}

/**
 * Checks the examples given to a public entry point and returns them as Examples. When every one
 * already has `labels` this is `input` itself: a large training set is not copied.
 */
export function toExamples(input: unknown, what: string): readonly Example[] {
  if (!Array.isArray(input)) throw new AccreteError('BAD_DATA', `${what} must be an array of examples, got ${show(input)}`);
  let copy: Example[] | null = null;
  for (let i = 0; i < input.length; i++) {
    const e = toExample(input[i], what, i);
    if (copy) copy.push(e);
    else if (e !== input[i]) (copy = input.slice(0, i)).push(e);
  }
  return copy ?? (input as Example[]);
}

/** Throws an AccreteError (code BAD_DATA) unless `value` is a string; `what` names the argument. */
export function checkText(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string') throw new AccreteError('BAD_DATA', `${what} must be a string, got ${show(value)}`);
}
