/** JSON Lines: one object a line, `{"text": ..., "label": ...}` or `"labels": [...]`. */
import type { Example } from './example.js';
import { Problem, checkLabel, checkTime, checkWeight, makeExample, show } from './fields.js';
import type { RawLine } from './lines.js';
import { bad, decodeLine, outcome, tooLong, type LineParser, type Parsed, type ParserOptions } from './parser.js';

const present = (v: unknown): boolean => v !== undefined && v !== null;

function labelsOf(obj: Record<string, unknown>): string[] | Problem {
  const { label, labels } = obj;
  if (present(label) && present(labels)) return new Problem('both "label" and "labels" are given; use one');
  if (present(label)) {
    if (Array.isArray(label)) return new Problem('"label" must be a string, got an array (use "labels" for several)');
    const one = checkLabel(label, '"label"');
    return one instanceof Problem ? one : [one];
  }
  if (!present(labels)) return [];
  if (!Array.isArray(labels)) return new Problem(`"labels" must be an array of strings, got ${show(labels)}`);
  const out: string[] = [];
  for (const item of labels) {
    const one = checkLabel(item, 'each of "labels"');
    if (one instanceof Problem) return one;
    out.push(one);
  }
  return out;
}

/** Turns a parsed JSON value into an example, or says why it cannot be one. */
export function exampleFromJson(value: unknown, requireLabels: boolean): Example | Problem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return new Problem(`expected a JSON object, got ${show(value)}`);
  }
  const obj = value as Record<string, unknown>;
  if (!present(obj.text)) return new Problem('no "text" field');
  if (typeof obj.text !== 'string') return new Problem(`"text" must be a string, got ${show(obj.text)}`);
  const labels = labelsOf(obj);
  if (labels instanceof Problem) return labels;
  const weight = checkWeight(obj.weight);
  if (weight instanceof Problem) return weight;
  const time = checkTime(obj.time);
  if (time instanceof Problem) return time;
  return makeExample(obj.text, labels, weight, time, requireLabels);
}

/** Parser for JSON Lines; blank lines are skipped. */
export function jsonlParser(options: ParserOptions): LineParser {
  return {
    push(line: RawLine): Parsed | null {
      if (line.bytes === null) return bad(line.no, tooLong(line.size, options.maxLineBytes));
      const text = decodeLine(line.bytes);
      if (text === null) return bad(line.no, 'invalid UTF-8');
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        // Parse first and test for blankness only on failure: most lines are not blank.
        if (text.trim() === '') return null;
        return bad(line.no, `bad JSON: ${(err as Error).message}`);
      }
      return outcome(line.no, exampleFromJson(value, options.requireLabels));
    },
    end: () => null,
  };
}

/** One JSON Lines record (no newline): `label` for one label, `labels` otherwise. */
export function toJsonlLine(e: Example): string {
  const record: Record<string, unknown> = { text: e.text };
  if (e.labels.length === 1) record.label = e.labels[0];
  else record.labels = e.labels;
  if (e.weight !== undefined) record.weight = e.weight;
  if (e.time !== undefined) record.time = e.time;
  return JSON.stringify(record);
}
