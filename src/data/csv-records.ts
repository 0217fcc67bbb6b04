/**
 * RFC 4180 record assembly over physical lines: quoted fields, doubled quotes, line breaks inside
 * quotes (kept as '\n'). A record is reported at the line where it starts.
 */
import { countQuotes, type RawLine } from './lines.js';
import { decodeLine, tooLong } from './parser.js';

/** A complete record's fields, or the problem that makes it bad. */
export type CsvRecord = { line: number; fields: string[] } | { line: number; problem: string };

const QUOTE = 34;

/** Assembles records from lines; `delimiter` is ',' for CSV and '\t' for TSV. */
export class CsvRecords {
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  private quoteLine = 0;
  private start = 0;
  private bytes = 0;
  /** Once set, the record is bad: its text is dropped and only the quoting is followed to its end. */
  private failed: string | null = null;
  private readonly delimCode: number;

  constructor(
    private readonly delimiter: string,
    private readonly maxLineBytes: number,
  ) {
    this.delimCode = delimiter.charCodeAt(0);
  }

  /** Consumes one line; returns the record it completes, or null (blank line, record continues). */
  push(line: RawLine): CsvRecord | null {
    const text = line.bytes === null ? null : decodeLine(line.bytes);
    if (this.start === 0) {
      if (text !== null && text.trim() === '') return null;
      this.start = line.no;
      this.bytes = 0;
    }
    this.bytes += line.size;
    this.failed ??= this.check(line, text);
    if (this.failed === null && text !== null) this.scan(text, line.no);
    else this.followQuotes(line);
    if (this.inQuotes) {
      if (this.failed === null) this.field += '\n';
      return null;
    }
    return this.finish();
  }

  /** Call once at the end: a record still open here has an unterminated quote. */
  end(): CsvRecord | null {
    if (this.start === 0) return null;
    this.failed ??= `unterminated quoted field: the quote opened on line ${this.quoteLine} never closes`;
    return this.finish();
  }

  /** The problem that makes this line's record bad before its text is even looked at, if any. */
  private check(line: RawLine, text: string | null): string | null {
    const here = line.no === this.start ? '' : ` on line ${line.no}`;
    if (line.bytes === null) return tooLong(line.size, this.maxLineBytes) + here;
    if (this.bytes > this.maxLineBytes) {
      const span = `lines ${this.start}-${line.no}`;
      return `record is longer than the limit ${this.maxLineBytes} bytes (${span}; an unterminated quote?)`;
    }
    return text === null ? `invalid UTF-8${here}` : null;
  }

  /** On a bad record only the quote parity matters: doubled quotes and open/close pairs cancel out. */
  private followQuotes(line: RawLine): void {
    const quotes = line.bytes === null ? line.quotes : countQuotes(line.bytes);
    if (quotes % 2 === 1) this.inQuotes = !this.inQuotes;
  }

  private finish(): CsvRecord {
    const record: CsvRecord =
      this.failed !== null ? { line: this.start, problem: this.failed } : { line: this.start, fields: this.fields };
    this.fields = [];
    this.field = '';
    this.inQuotes = false;
    this.start = 0;
    this.failed = null;
    return record;
  }

  /** Splits one decoded line into fields, continuing an open quoted field if there is one. */
  private scan(text: string, no: number): void {
    let i = 0;
    for (;;) {
      if (!this.inQuotes) {
        if (text.charCodeAt(i) === QUOTE) {
          this.inQuotes = true;
          this.quoteLine = no;
          i++;
          continue;
        }
        const d = text.indexOf(this.delimiter, i);
        this.fields.push(text.slice(i, d === -1 ? text.length : d));
        if (d === -1) return;
        i = d + 1;
        continue;
      }
      const q = text.indexOf('"', i);
      if (q === -1) {
        this.field += text.slice(i);
        return;
      }
      this.field += text.slice(i, q);
      if (text.charCodeAt(q + 1) === QUOTE) {
        this.field += '"';
        i = q + 2;
        continue;
      }
      this.inQuotes = false;
      this.fields.push(this.field);
      this.field = '';
      i = q + 1;
      if (i === text.length) return;
      if (text.charCodeAt(i) !== this.delimCode) {
        this.failed = `text after the closing quote of field ${this.fields.length} (write a quote inside a quoted field as "")`;
        this.inQuotes = text.slice(i).split('"').length % 2 === 0;
        return;
      }
      i++;
    }
  }
}
