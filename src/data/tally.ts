/** Counts what a read produced and turns bad lines into errors, or into a report with --skip-bad. */
import { DataError } from '../errors.js';

/** One line that could not be read as an example. */
export interface BadLine {
  file: string;
  /** 1-based physical line (for a CSV record spanning lines, the line where it starts). */
  line: number;
  problem: string;
}

/** What a read did: examples produced, bad lines skipped, and the first few of those. */
export interface ReadReport {
  examples: number;
  skipped: number;
  /** The first `MAX_REPORTED_BAD` bad lines only. */
  bad: BadLine[];
}

/** How many bad lines a report lists; the rest are only counted. */
export const MAX_REPORTED_BAD = 20;

/** Running counts for one read. */
export class Tally {
  private readonly report: ReadReport = { examples: 0, skipped: 0, bad: [] };

  constructor(
    private readonly file: string,
    private readonly skipBad: boolean,
  ) {}

  /** Counts one example. */
  example(): void {
    this.report.examples++;
  }

  /** Records a bad line; throws DataError unless bad lines are being skipped. */
  badLine(line: number, problem: string): void {
    if (!this.skipBad) throw new DataError(this.file, line, problem);
    this.report.skipped++;
    if (this.report.bad.length < MAX_REPORTED_BAD) this.report.bad.push({ file: this.file, line, problem });
  }

  /** The report so far (a copy). */
  result(): ReadReport {
    return { ...this.report, bad: [...this.report.bad] };
  }
}
