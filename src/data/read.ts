/**
 * Reading examples from data files, streamed: memory stays flat whatever the file size. Every format
 * follows the same rules for bad lines: an error naming file and line, or with `skipBad` a count.
 */
import { createReadStream } from 'node:fs';
import { AccreteError, UsageError } from '../errors.js';
import type { DataFormat, Example } from './example.js';
import { createParser, detectFormat } from './format.js';
import { LineSplitter, type RawLine } from './lines.js';
import type { LineParser, Parsed } from './parser.js';
import { Tally, type ReadReport } from './tally.js';

export type { DataFormat, Example } from './example.js';
export type { BadLine, ReadReport } from './tally.js';
export { detectFormat } from './format.js';
export { toFastTextLine } from './fasttext.js';
export { toJsonlLine } from './jsonl.js';

/** How to read a data file. */
export interface ReadOptions {
  /** Overrides detection from the file extension. */
  format?: DataFormat;
  /** Count and report bad lines instead of throwing on the first one. */
  skipBad?: boolean;
  /** Default true; false for prediction input, where examples may have no label. */
  requireLabels?: boolean;
  /** Longer lines are bad lines, measured without being held in memory. Default 8 MiB. */
  maxLineBytes?: number;
}

/** The default line limit: 8 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;

const READ_CHUNK_BYTES = 1024 * 1024;

interface Reader {
  lines: LineSplitter;
  parser: LineParser;
  tally: Tally;
}

function reader(file: string, format: DataFormat, options: ReadOptions): Reader {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes <= 0) {
    throw new UsageError(`maxLineBytes must be a positive integer, got ${maxLineBytes}`);
  }
  const parser = createParser(format, { file, requireLabels: options.requireLabels ?? true, maxLineBytes });
  return { lines: new LineSplitter(maxLineBytes), parser, tally: new Tally(file, options.skipBad ?? false) };
}

/** Counts one parser outcome; returns its example, null for nothing or a skipped bad line. */
function accept(parsed: Parsed | null, tally: Tally): Example | null {
  if (parsed === null) return null;
  if (parsed.ok) {
    tally.example();
    return parsed.example;
  }
  tally.badLine(parsed.line, parsed.problem);
  return null;
}

function cannotRead(path: string, err: unknown): unknown {
  if (err instanceof AccreteError || !(err instanceof Error) || !('code' in err)) return err;
  const reasons: Record<string, string> = { ENOENT: 'no such file', EISDIR: 'it is a directory', EACCES: 'permission denied' };
  const reason = reasons[String(err.code)] ?? err.message;
  return new AccreteError('BAD_DATA', `cannot read data file ${path}: ${reason}`, { cause: err });
}

async function* stream(path: string, r: Reader): AsyncGenerator<Example, ReadReport> {
  // Leave stdin open if the caller stops early; a file stream is closed when the loop exits.
  const chunks: AsyncIterable<Buffer> =
    path === '-'
      ? process.stdin.iterator({ destroyOnReturn: false })
      : createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  try {
    for await (const chunk of chunks) {
      for (const line of r.lines.push(chunk)) {
        const example = accept(r.parser.push(line), r.tally);
        if (example !== null) yield example;
      }
    }
    for (const line of r.lines.end()) {
      const example = accept(r.parser.push(line), r.tally);
      if (example !== null) yield example;
    }
    const last = accept(r.parser.end(), r.tally);
    if (last !== null) yield last;
    return r.tally.result();
  } catch (err) {
    throw cannotRead(path, err);
  }
}

/**
 * Streams the examples of a data file (`'-'` reads stdin); the generator's return value is the report.
 * Format detection and option checks happen on the call, before the first `next()`.
 * @example for await (const e of readExamples('train.jsonl')) learner.learn(e);
 */
export function readExamples(path: string, options: ReadOptions = {}): AsyncGenerator<Example, ReadReport> {
  const file = path === '-' ? '<stdin>' : path;
  return stream(path, reader(file, options.format ?? detectFormat(path), options));
}

/** Reads a whole data file into memory, with its report. */
export async function readDataset(
  path: string,
  options: ReadOptions = {},
): Promise<{ examples: Example[]; report: ReadReport }> {
  const examples: Example[] = [];
  const it = readExamples(path, options);
  for (let next = await it.next(); ; next = await it.next()) {
    if (next.done === true) return { examples, report: next.value };
    examples.push(next.value);
  }
}

/** Parses in-memory content by the same rules as a file (for tests and HTTP bodies); `file` names it in errors. */
export function parseExamples(
  content: string | Uint8Array,
  format: DataFormat,
  options: ReadOptions & { file?: string } = {},
): { examples: Example[]; report: ReadReport } {
  const r = reader(options.file ?? '<input>', format, options);
  const bytes =
    typeof content === 'string'
      ? Buffer.from(content, 'utf8')
      : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const examples: Example[] = [];
  const take = (lines: RawLine[]): void => {
    for (const line of lines) {
      const example = accept(r.parser.push(line), r.tally);
      if (example !== null) examples.push(example);
    }
  };
  take(r.lines.push(bytes));
  take(r.lines.end());
  const last = accept(r.parser.end(), r.tally);
  if (last !== null) examples.push(last);
  return { examples, report: r.tally.result() };
}
