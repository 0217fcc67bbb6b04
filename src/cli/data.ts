/** Reads a data file for a command and reports skipped lines on stderr (always: --quiet only silences progress). */
import { statSync } from 'node:fs';
import type { DataFormat, Example } from '../data/example.js';
import { readDataset } from '../data/read.js';
import { AccreteError, DataError } from '../errors.js';
import { formatHint, formatOf } from './hints.js';
import { asFileError } from './outputDir.js';
import { printable } from '../util/printable.js';

/** The examples of a data file, and how many bad lines --skip-bad skipped in it. */
export interface Loaded {
  examples: Example[];
  skipped: number;
}

/**
 * The examples of a data file. With `ifEmpty`, a file without a single example is an error that
 * names it and says `ifEmpty` (what the examples were for): an empty file must not turn silently
 * into a 0% score or a check with nothing to check.
 */
export async function loadExamples(path: string, options: { format?: DataFormat; skipBad?: boolean }, ifEmpty?: string): Promise<Loaded> {
  if (path !== '-') checkReadable(path);
  let read;
  try {
    read = await readDataset(path, { format: options.format, skipBad: options.skipBad });
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    const hint = hintFor(path, options.format);
    throw hint ? new DataError(err.file, err.line, err.problem + hint) : err;
  }
  const { examples, report } = read;
  if (report.skipped > 0) {
    process.stderr.write(`warning: skipped ${report.skipped} bad line(s) in ${path}; first ones:\n`);
    for (const b of report.bad.slice(0, 5)) process.stderr.write(`  ${b.file}:${b.line}: ${b.problem}\n`);
  }
  if (examples.length === 0 && ifEmpty !== undefined) {
    const skipped = report.skipped > 0 ? ` (all ${report.skipped} lines were bad and skipped)` : '';
    const hint = report.skipped > 0 ? hintFor(path, options.format) : '';
    throw new AccreteError('BAD_DATA', `${path === '-' ? '<stdin>' : path}: no examples${skipped}; ${ifEmpty}${hint}`);
  }
  return { examples, skipped: report.skipped };
}

/** A hint when the file's content is in another format than it is read in ('' for stdin, or when none). */
function hintFor(path: string, format: DataFormat | undefined): string {
  const used = path === '-' ? null : formatOf(path, format);
  return used === null ? '' : formatHint(path, used, format !== undefined);
}

/** A missing file or a directory is said as such, before the reader would guess a format from the name ("."). */
function checkReadable(path: string): void {
  let isDirectory;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (err) {
    throw asFileError(err, `cannot read data file ${path}`, 'BAD_DATA');
  }
  if (isDirectory) throw new AccreteError('BAD_DATA', `cannot read data file ${path}: it is a directory`);
}

/**
 * Warns on stderr when examples have labels outside `known`: the model never predicts those, so
 * they only count as errors. `which` says what the labels are, for the message ("the model does not know").
 */
export function warnUnknownLabels(path: string, examples: readonly Example[], known: Iterable<string>, which: string): void {
  const knownSet = new Set(known);
  const unknown = new Set<string>();
  let count = 0;
  for (const e of examples) {
    const missing = e.labels.filter((l) => !knownSet.has(l));
    if (missing.length === 0) continue;
    count++;
    for (const l of missing) unknown.add(l);
  }
  if (count === 0) return;
  const shown = [...unknown].slice(0, 10).map(printable).join(', ') + (unknown.size > 10 ? `, and ${unknown.size - 10} more` : '');
  process.stderr.write(`warning: ${count} of ${examples.length} examples in ${path} have labels ${which} (${shown}); they can only count as errors\n`);
}

/** Every label the examples have. */
export function labelsOf(examples: readonly Example[]): Set<string> {
  const labels = new Set<string>();
  for (const e of examples) for (const l of e.labels) labels.add(l);
  return labels;
}
