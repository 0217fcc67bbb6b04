/**
 * Splits a byte stream into physical lines without holding more than one line in memory, and
 * without even holding that one when it is longer than the limit (it is then only measured).
 */

/** One physical line, without its `\n` or `\r\n` terminator. */
export interface RawLine {
  /** 1-based physical line number. */
  no: number;
  /** The line's bytes, or null when the line is longer than the limit and was dropped. */
  bytes: Uint8Array | null;
  /** Length in bytes; the full length even when the bytes were dropped. */
  size: number;
  /** Number of `"` bytes; set only for dropped lines, so CSV can keep track of its quoting. */
  quotes: number;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const BOM = [0xef, 0xbb, 0xbf];

/** Counts `"` bytes, the one thing CSV needs to know about a line it cannot keep. */
export function countQuotes(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(QUOTE); i !== -1; i = bytes.indexOf(QUOTE, i + 1)) n++;
  return n;
}

/** Push chunks in, get complete lines out; a UTF-8 BOM at the very start is dropped. */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private dropped = false;
  private quotes = 0;
  private lastByte = -1;
  private no = 0;
  private head: Buffer | null = Buffer.alloc(0);

  /** @param maxLineBytes lines longer than this are reported with `bytes: null`. */
  constructor(private readonly maxLineBytes: number) {}

  /** Bytes currently held for the unfinished line (at most `maxLineBytes + 1`). */
  get pendingBytes(): number {
    return this.dropped ? 0 : this.size;
  }

  /** Takes the next chunk; returns the lines it completes. */
  push(bytes: Uint8Array): RawLine[] {
    // Typed Uint8Array, not Buffer, so the published .d.ts does not need @types/node.
    const chunk = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.head === null) return this.split(chunk);
    // Hold back the first bytes until there are enough to recognise a BOM split across chunks.
    this.head = Buffer.concat([this.head, chunk]);
    return this.head.length < BOM.length ? [] : this.split(this.takeHead());
  }

  /** Call once at the end of input: returns the lines still held, the last one possibly unterminated. */
  end(): RawLine[] {
    const lines = this.head === null ? [] : this.split(this.takeHead());
    if (this.size > 0) lines.push(this.finish());
    return lines;
  }

  private takeHead(): Buffer {
    const head = this.head ?? Buffer.alloc(0);
    this.head = null;
    const hasBom = head.length >= BOM.length && BOM.every((b, i) => head[i] === b);
    return hasBom ? head.subarray(BOM.length) : head;
  }

  private split(chunk: Buffer): RawLine[] {
    const lines: RawLine[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(LF); nl !== -1; nl = chunk.indexOf(LF, start)) {
      this.keep(chunk.subarray(start, nl));
      lines.push(this.finish());
      start = nl + 1;
    }
    this.keep(chunk.subarray(start));
    return lines;
  }

  private keep(part: Buffer): void {
    if (part.length === 0) return;
    this.size += part.length;
    this.lastByte = part[part.length - 1];
    if (this.dropped) {
      this.quotes += countQuotes(part);
    } else if (this.size > this.maxLineBytes + 1) {
      // +1 leaves room for the '\r' of a CRLF line exactly at the limit.
      this.dropped = true;
      this.quotes = countQuotes(part) + this.parts.reduce((n, p) => n + countQuotes(p), 0);
      this.parts = [];
    } else {
      this.parts.push(part);
    }
  }

  private finish(): RawLine {
    const hasCr = this.lastByte === CR;
    const size = hasCr ? this.size - 1 : this.size;
    let bytes: Buffer | null = null;
    let quotes = this.quotes;
    if (!this.dropped) {
      const whole = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.size);
      if (size <= this.maxLineBytes) bytes = whole.subarray(0, size);
      else quotes = countQuotes(whole);
    }
    this.no++;
    const line: RawLine = { no: this.no, bytes, size, quotes: bytes === null ? quotes : 0 };
    this.parts = [];
    this.size = 0;
    this.dropped = false;
    this.quotes = 0;
    this.lastByte = -1;
    return line;
  }
}
