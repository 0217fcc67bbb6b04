/** CSV and TSV: a header row naming `text` and `label` or `labels` (split on '|'), then one record a row. */
import { DataError } from '../errors.js';
import type { Example } from './example.js';
import { Problem, checkLabel, checkWeight, makeExample } from './fields.js';
import { CsvRecords, type CsvRecord } from './csv-records.js';
import type { RawLine } from './lines.js';
import { bad, outcome, type LineParser, type Parsed, type ParserOptions } from './parser.js';

/** Column positions found in the header; -1 when absent. */
interface Columns {
  count: number;
  text: number;
  label: number;
  labels: number;
  weight: number;
  time: number;
}

const KNOWN = ['text', 'label', 'labels', 'weight', 'time'] as const;

/** Reads the header; a header without the needed columns is a hard error, never a skippable line. */
export function readHeader(record: CsvRecord, options: ParserOptions, delimiter: string): Columns {
  if ('problem' in record) throw new DataError(options.file, record.line, `cannot read the header row: ${record.problem}`);
  const names = record.fields.map((f) => f.trim().toLowerCase());
  const columns: Columns = { count: names.length, text: -1, label: -1, labels: -1, weight: -1, time: -1 };
  for (const name of KNOWN) {
    columns[name] = names.indexOf(name);
    if (columns[name] !== names.lastIndexOf(name)) {
      throw new DataError(options.file, record.line, `the header has two "${name}" columns`);
    }
  }
  if (columns.label !== -1 && columns.labels !== -1) {
    throw new DataError(options.file, record.line, 'the header has both "label" and "labels" columns; keep one');
  }
  const needsLabel = options.requireLabels && columns.label === -1 && columns.labels === -1;
  if (columns.text === -1 || needsLabel) {
    const found = record.fields.map((f) => JSON.stringify(f)).join(', ');
    const other = delimiter === ',' ? 'tsv' : 'csv';
    const looksOther = names.length === 1 && names[0].includes(other === 'tsv' ? '\t' : ',');
    const hint = looksOther ? ` (only one column: is this ${other.toUpperCase()}? use --format ${other})` : '';
    const need = options.requireLabels ? 'a "text" column and a "label" or "labels" column' : 'a "text" column';
    throw new DataError(options.file, record.line, `the header row needs ${need}; found ${found}${hint}`);
  }
  return columns;
}

function labelsOf(record: string[], columns: Columns): string[] | Problem {
  if (columns.label !== -1) {
    const cell = record[columns.label].trim();
    return cell === '' ? [] : [cell];
  }
  if (columns.labels === -1 || record[columns.labels].trim() === '') return [];
  const out: string[] = [];
  for (const part of record[columns.labels].split('|')) {
    const label = checkLabel(part.trim(), 'a label');
    if (label instanceof Problem) return new Problem(`empty label in "${record[columns.labels]}"`);
    out.push(label);
  }
  return out;
}

/** Maps one record's cells to an example using the header's columns. */
export function exampleFromRecord(cells: string[], columns: Columns, requireLabels: boolean): Example | Problem {
  if (cells.length !== columns.count) {
    return new Problem(`expected ${columns.count} fields as in the header, found ${cells.length}`);
  }
  const labels = labelsOf(cells, columns);
  if (labels instanceof Problem) return labels;
  const weightCell = columns.weight === -1 ? '' : cells[columns.weight].trim();
  const weight = checkWeight(weightCell === '' ? undefined : Number(weightCell));
  if (weight instanceof Problem) return new Problem(`"weight" must be a positive finite number, got "${weightCell}"`);
  const timeCell = columns.time === -1 ? '' : cells[columns.time].trim();
  return makeExample(cells[columns.text], labels, weight, timeCell === '' ? undefined : timeCell, requireLabels);
}

/** Parser for CSV (`delimiter` ',') or TSV ('\t'); the first non-blank record is the header. */
export function csvParser(options: ParserOptions, delimiter: ',' | '\t'): LineParser {
  const records = new CsvRecords(delimiter, options.maxLineBytes);
  let columns: Columns | null = null;
  const take = (record: CsvRecord | null): Parsed | null => {
    if (record === null) return null;
    if (columns === null) {
      columns = readHeader(record, options, delimiter);
      return null;
    }
    if ('problem' in record) return bad(record.line, record.problem);
    return outcome(record.line, exampleFromRecord(record.fields, columns, options.requireLabels));
  };
  return {
    push: (line: RawLine) => take(records.push(line)),
    end(): Parsed | null {
      const last = take(records.end());
      if (columns === null) {
        throw new DataError(options.file, 1, 'the file is empty; expected a header row naming its columns');
      }
      return last;
    },
  };
}
