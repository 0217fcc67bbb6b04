/**
 * The last lines of a child process's output, kept in memory (at most `max` lines), for a test to
 * show when it fails: what a spawned server said before it stopped answering.
 */
export class LogTail {
  private readonly kept: string[] = [];
  private partial = '';
  private dropped = 0;

  /** `stamp` prefixes each line when it arrives (say, the seconds since the test began). */
  constructor(
    readonly max = 200,
    private readonly stamp: () => string = () => '',
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`LogTail: max must be a positive integer; got ${max}`);
  }

  /** A chunk of output; a line is kept once its newline arrives. */
  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop()!;
    for (const line of parts) this.keep(line);
  }

  /** The kept lines, the unfinished last one included, after a note of how many were dropped. */
  lines(): string[] {
    const out = this.dropped > 0 ? [`(${this.dropped} earlier line(s) dropped)`] : [];
    return [...out, ...this.kept, ...(this.partial ? [`${this.stamp()}${this.partial}`] : [])];
  }

  private keep(line: string): void {
    this.kept.push(`${this.stamp()}${line}`);
    if (this.kept.length > this.max) {
      this.kept.shift();
      this.dropped++;
    }
  }
}
