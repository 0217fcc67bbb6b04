/** Reads a data file for a command and reports skipped lines on stderr (always: --quiet only silences progress). */
import type { DataFormat, Example } from '../data/example.js';
import { readDataset } from '../data/read.js';

export async function loadExamples(path: string, options: { format?: DataFormat; skipBad?: boolean }): Promise<Example[]> {
  const { examples, report } = await readDataset(path, { format: options.format, skipBad: options.skipBad });
  if (report.skipped > 0) {
    process.stderr.write(`warning: skipped ${report.skipped} bad line(s) in ${path}; first ones:\n`);
    for (const b of report.bad.slice(0, 5)) process.stderr.write(`  ${b.file}:${b.line}: ${b.problem}\n`);
  }
  return examples;
}
