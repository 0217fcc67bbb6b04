/**
 * fastText's .bin model file (FastText::saveModel, fastText 0.9.2; file format versions 11 and 12),
 * little-endian as fastText writes it on every platform it ships for:
 *
 *   int32 magic 793712314, int32 version
 *   args: int32 dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn,
 *         lrUpdateRate; float64 t
 *   dictionary: int32 size, nwords, nlabels; int64 ntokens, pruneidxSize;
 *         size x { NUL-terminated bytes, int64 count, int8 type (0 word, 1 label) };
 *         pruneidxSize x { int32, int32 }
 *   bool quantized; input matrix: int64 rows (nwords + bucket), int64 cols (dim), float32 data
 *   bool qout; output matrix: int64 rows (nlabels), int64 cols, float32 data
 *
 * The reader checks every field as it goes and refuses what it cannot use with a ModelFileError
 * that says what is wrong; tensors are read straight into the caller's arrays.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { ModelFileError } from '../errors.js';

export const FASTTEXT_MAGIC = 793712314;
export const FASTTEXT_VERSION = 12;

/** fastText's loss_name and model_name enums. */
export const LOSS_NAMES = { 1: 'hs', 2: 'ns', 3: 'softmax', 4: 'ova' } as const;
export const MODEL_NAMES = { 1: 'cbow', 2: 'skipgram', 3: 'supervised' } as const;
export type FastTextLoss = (typeof LOSS_NAMES)[keyof typeof LOSS_NAMES];
export type FastTextModelKind = (typeof MODEL_NAMES)[keyof typeof MODEL_NAMES];

export interface FastTextArgs {
  dim: number;
  ws: number;
  epoch: number;
  minCount: number;
  neg: number;
  wordNgrams: number;
  loss: FastTextLoss;
  model: FastTextModelKind;
  bucket: number;
  minn: number;
  maxn: number;
  lrUpdateRate: number;
  t: number;
}

export interface FastTextEntry {
  /** The token, or for bytes that are not UTF-8, rawWord() of them. */
  word: string;
  count: number;
  type: 'word' | 'label';
}

/** Everything before the input matrix's floats. */
export interface FastTextHeader {
  version: number;
  args: FastTextArgs;
  entries: FastTextEntry[];
  nwords: number;
  nlabels: number;
  ntokens: number;
  inputRows: number;
  inputCols: number;
}

/**
 * A token whose bytes are not UTF-8 cannot come out of Accrete's readers; it keeps its row under a
 * name no tokenizer produces (NUL, then the bytes in hex), and export writes the bytes back.
 */
export function rawWord(bytes: Uint8Array): string {
  return '\0' + Buffer.from(bytes).toString('hex');
}

/** The bytes to write for a word (see rawWord). @internal (its Buffer stays out of the published .d.ts) */
export function wordBytes(word: string): Buffer {
  return word.startsWith('\0') ? Buffer.from(word.slice(1), 'hex') : Buffer.from(word, 'utf8');
}

/** Bytes per read call. */
export const CHUNK = 1 << 20;

/** Sequential reads with bounds checks; every failure names what was being read. */
export class FastTextBinReader {
  private readonly fd: number;
  readonly size: number;
  private buf = Buffer.alloc(CHUNK);
  /** File offset of buf[0], and the valid bytes in buf. */
  private bufStart = 0;
  private bufLen = 0;
  /** Current file offset. */
  pos = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    const st = fstatSync(this.fd);
    if (st.isDirectory()) {
      closeSync(this.fd);
      throw new ModelFileError(path, 'is a directory, not a fastText .bin file');
    }
    this.size = st.size;
  }

  close(): void {
    closeSync(this.fd);
  }

  fail(problem: string): never {
    throw new ModelFileError(this.path, problem);
  }

  private truncated(n: number, what: string): never {
    this.fail(`truncated: ${what} needs ${n} bytes at offset ${this.pos}, but the file ends at ${this.size}`);
  }

  /** Makes bytes [pos, pos + n) available in buf (n <= CHUNK). */
  private fill(n: number, what: string): number {
    if (this.pos + n > this.size) this.truncated(n, what);
    if (this.pos < this.bufStart || this.pos + n > this.bufStart + this.bufLen) {
      this.bufStart = this.pos;
      this.bufLen = readSync(this.fd, this.buf, 0, Math.min(CHUNK, this.size - this.pos), this.pos);
    }
    const at = this.pos - this.bufStart;
    this.pos += n;
    return at;
  }

  int32(what: string): number {
    return this.buf.readInt32LE(this.fill(4, what));
  }

  int64(what: string): number {
    const v = this.buf.readBigInt64LE(this.fill(8, what));
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} is ${v}, out of range (corrupted file)`);
    return Number(v);
  }

  float64(what: string): number {
    return this.buf.readDoubleLE(this.fill(8, what));
  }

  int8(what: string): number {
    return this.buf.readInt8(this.fill(1, what));
  }

  bool(what: string): boolean {
    const b = this.int8(what);
    if (b !== 0 && b !== 1) this.fail(`${what} is ${b}, expected a bool (0 or 1) (corrupted file)`);
    return b === 1;
  }

  /** A NUL-terminated token; not UTF-8 -> rawWord. */
  cstring(what: string): string {
    const parts: Buffer[] = [];
    let length = 0;
    for (;;) {
      const at = this.fill(1, `${what} (no NUL terminator before the end of the file)`);
      const window = this.buf.subarray(0, this.bufLen);
      const end = window.indexOf(0, at);
      const stop = end >= 0 ? end : this.bufLen;
      const piece = window.subarray(at, stop);
      this.pos = this.bufStart + stop;
      if (end >= 0) {
        this.pos++;
        const bytes = parts.length > 0 ? Buffer.concat([...parts, piece]) : piece;
        return isUtf8(bytes) ? bytes.toString('utf8') : rawWord(bytes);
      }
      parts.push(Buffer.from(piece));
      length += piece.length;
      if (length > 1 << 20) this.fail(`${what} is longer than 1 MiB (corrupted file)`);
    }
  }

  /** Reads target.length float32 values at the current offset straight into `target`. */
  floats(target: Float32Array, what: string): void {
    const bytes = Buffer.from(target.buffer, target.byteOffset, target.length * 4);
    if (this.pos + bytes.length > this.size) this.truncated(bytes.length, what);
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(this.fd, bytes, done, Math.min(CHUNK * 4, bytes.length - done), this.pos + done);
      if (n === 0) this.truncated(bytes.length - done, what);
      done += n;
    }
    this.pos += bytes.length;
    this.bufLen = 0;
  }

  /** Moves past `n` bytes that are not needed (checked to exist). */
  skip(n: number, what: string): void {
    if (this.pos + n > this.size) this.truncated(n, what);
    this.pos += n;
  }
}
