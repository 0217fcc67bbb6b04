/** `accrete predict`: text lines on stdin, one JSON line of predictions out per line in. */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { AccreteError } from '../errors.js';
import { prefetchWeights } from '../store/weightsPrefetch.js';
import { help, optionalString, parseFlags, predictOptions, requireString } from './args.js';
import { asFileError } from './outputDir.js';
import type { Write } from './predictStream.js';

export const predictHelp = `usage: accrete predict --model MODEL [--k K] [--threshold P] [--input FILE] < texts.txt

Reads one text per line (stdin, or --input FILE) and writes one JSON line per text:
  {"predictions":[{"label":"spam","score":0.97}]}
Lines keep their order; an empty line gets the model's prior for empty text.

  --model MODEL   model directory
  --k K           labels per text, best first, >= 1 (1)
  --threshold P   leave out labels below this probability, in [0, 1] (0)
  --input FILE    read texts from FILE instead of stdin ('-' = stdin)`;

/** Read size for the weights: one piece for a file up to 1 GiB (more would exceed what one read call takes). */
const WHOLE_FILE = 2 ** 30;

/** Where the texts come from: their bytes, chunk by chunk, and how to let go of the source. */
interface TextSource {
  chunks: AsyncIterable<Buffer>;
  close(): void;
}

/** Bytes per blocking read of a regular file. */
const FILE_CHUNK = 1 << 18;

/**
 * The text source: stdin, or a file opened now so that a missing file fails before any output.
 * A regular file (also as stdin: `< texts.txt`) is read with blocking reads: a stream's reads
 * each go through libuv's thread pool and back, and those round trips left this thread idle for
 * ~10 ms of a SpamAssassin test run (median of 11: 268 -> 258 ms). A pipe or a terminal is
 * read as a stream: a blocking read there would wait for the writer.
 */
function openInput(path: string | undefined): TextSource {
  if (path === undefined || path === '-') {
    if (isRegularFile(0)) return { chunks: fileChunks(0), close: () => {} };
    return { chunks: process.stdin, close: () => process.stdin.destroy() };
  }
  const doing = `cannot read input file ${path}`;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw asFileError(err, doing, 'BAD_DATA');
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw new AccreteError('BAD_DATA', `${doing}: it is a directory`);
  }
  if (isRegularFile(fd)) return { chunks: fileChunks(fd), close: () => closeSync(fd) };
  const stream = createReadStream('', { fd });
  return { chunks: stream, close: () => stream.destroy() };
}

function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

/** A regular file's bytes from its current position, by blocking reads (see openInput). */
async function* fileChunks(fd: number): AsyncGenerator<Buffer> {
  for (;;) {
    const buf = Buffer.allocUnsafe(FILE_CHUNK);
    const n = readSync(fd, buf, 0, FILE_CHUNK, null);
    if (n === 0) return;
    yield buf.subarray(0, n);
  }
}

export async function predictCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, { model: { type: 'string' }, k: { type: 'string' }, threshold: { type: 'string' }, input: { type: 'string' } });
  if (flags.help) return help(predictHelp);
  const modelDir = requireString(flags, 'model');
  const options = predictOptions(flags);
  const inputPath = optionalString(flags, 'input');
  // The weights are read in the background from here on, while the rest of the code loads, model.json
  // is parsed and the first lines are featurised. One read of the whole file: it runs on one of
  // libuv's threads without coming back to this one, which is busy for tens of milliseconds at a
  // time, and faulting in fresh memory does not go faster on more threads (measured on 111 MB:
  // start+load 145 ms against 152 ms for two reads of half the file, 158 ms for 16 MiB pieces).
  const reads = { parallel: 1, chunk: WHOLE_FILE };
  const prefetched = prefetchWeights(modelDir, reads);
  // Loaded only now, so that the read above overlaps the ~15 ms it takes to load them.
  const [{ beginLoad }, { ForwardThread }, { predictStream }] = await Promise.all([
    import('../store/modelFiles.js'),
    import('../model/forwardThread.js'),
    import('./predictStream.js'),
  ]);
  // The forward passes run on a worker thread while this one featurises: predictStream starts it
  // once the weights are in and the input has proved long enough to pay for it.
  const forward = new ForwardThread();
  try {
    const pending = beginLoad(modelDir, reads, prefetched);
    const input = openInput(inputPath);
    try {
      await predictStream(lineBatchesOf(input.chunks, inputPath), pending, options, batchedWriter(), { forward });
      // A failed worker costs time, not output (this thread predicted its share), but it is a bug to report.
      if (forward.error) process.stderr.write(`accrete predict: warning: ${forward.error.message}; its share was predicted on the main thread\n`);
    } finally {
      // On an error (a model that fails verification) stop reading: an open stdin would keep the process alive.
      input.close();
    }
  } finally {
    // Not awaited: the process need not wait for the thread to wind down (it is unreferenced when idle).
    void forward.close();
  }
  return 0;
}

/** The lines of a byte stream, in batches (see splitLines); read errors become AccreteErrors naming `path`. */
async function* lineBatchesOf(input: AsyncIterable<Buffer>, path: string | undefined): AsyncGenerator<string[]> {
  try {
    yield* splitLines(input);
  } catch (err) {
    throw asFileError(err, `cannot read ${path ?? 'stdin'}`, 'BAD_DATA');
  }
}

/**
 * The lines of a byte stream, a chunk's worth at a time, split on \n (a \r before it is dropped)
 * and decoded as UTF-8: several times faster than readline, and than yielding line by line, when
 * lines are short.
 */
async function* splitLines(input: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
  let rest: Buffer | null = null;
  for await (const chunk of input) {
    const buf: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
    const lines: string[] = [];
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      lines.push(buf.toString('utf8', start, end));
      start = nl + 1;
    }
    rest = start < buf.length ? buf.subarray(start) : null;
    if (lines.length > 0) yield lines;
  }
  if (rest) yield [rest.toString('utf8', 0, rest.length > 0 && rest[rest.length - 1] === 13 ? rest.length - 1 : rest.length)];
}

/** Collects output and writes it in 64 KiB batches (one write per line would dominate); null flushes. */
function batchedWriter(): Write {
  let out = '';
  return async (text) => {
    if (text !== null) out += text;
    if (out.length > 1 << 16 || (text === null && out)) {
      const ok = process.stdout.write(out);
      out = '';
      if (!ok) await new Promise((r) => process.stdout.once('drain', r));
    }
  };
}
