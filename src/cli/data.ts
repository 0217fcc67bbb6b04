/** Reads a data file for a command and reports skipped lines on stderr (always: --quiet only silences progress). */
import { statSync } from 'node:fs';
import type { DataFormat, Example } from '../data/example.js';
import { readDataset } from '../data/read.js';
import { AccreteError } from '../errors.js';
import { asFileError } from './outputDir.js';

export async function loadExamples(path: string, options: { format?: DataFormat; skipBad?: boolean }): Promise<Example[]> {
  if (path !== '-') checkReadable(path);
  const { examples, report } = await readDataset(path, { format: options.format, skipBad: options.skipBad });
  if (report.skipped > 0) {
    process.stderr.write(`warning: skipped ${report.skipped} bad line(s) in ${path}; first ones:\n`);
    for (const b of report.bad.slice(0, 5)) process.stderr.write(`  ${b.file}:${b.line}: ${b.problem}\n`);
  }
  return examples;
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
