/**
 * The safetensors layout (u64 little-endian header length, a JSON header, then raw tensor bytes),
 * so other tools can read Accrete weights. Tensors are written straight from arena memory and read
 * straight into it, hashing them (XXH64) in place as they go: no full-size copies of an 800 MB table.
 */
import { closeSync, fstatSync, fsyncSync, openSync, read, readSync, writeSync } from 'node:fs';
import { ModelFileError } from '../errors.js';
import type { Arena } from '../model/arena.js';
import { Xxh64 } from './xxh64.js';
/**
 * Anything with float32 rows: a Matrix, or a plain per-row vector ({ rows, cols: 1, data }).
 * When `arena` is given, `data` is a view of that arena's memory and is hashed in place;
 * otherwise its bytes are copied through a small scratch buffer to be hashed.
 */
export interface TensorLike {
  readonly rows: number;
  readonly cols: number;
  /** float32 values (F32), int32 ones (I32: row ids of a patch), or bytes (U8: a patch's coded rows). */
  readonly data: Float32Array | Int32Array | Uint8Array;
  readonly arena?: Arena;
}

export interface TensorEntry {
  dtype: 'F32' | 'I32' | 'U8';
  shape: [number, number];
  data_offsets: [number, number];
}

export type SafetensorsHeader = Record<string, TensorEntry> & { __metadata__?: Record<string, string> };

/** Bytes per read or write call; small enough that each piece is hashed while still in cache. */
const CHUNK = 1 << 21;

const dtypeOf = (m: TensorLike): TensorEntry['dtype'] => (m.data instanceof Int32Array ? 'I32' : m.data instanceof Uint8Array ? 'U8' : 'F32');
const elementBytes = (dtype: TensorEntry['dtype']) => (dtype === 'U8' ? 1 : 4);

function bytesOf(m: TensorLike): Buffer {
  return Buffer.from(m.data.buffer, m.data.byteOffset, m.rows * m.cols * m.data.BYTES_PER_ELEMENT);
}

/** A hasher in the arena of the first tensor that has one (so the tensors are hashed in place). */
function hasherFor(tensors: [string, TensorLike][]): Xxh64 {
  const arena = tensors.find(([, m]) => m.arena)?.[1].arena;
  return arena ? new Xxh64(arena) : new Xxh64();
}

/** Hashes bytes [from, from + n) of `m` (whose bytes are `all`): in place when m is in the hasher's arena. */
function hashPart(hash: Xxh64, m: TensorLike, all: Buffer, from: number, n: number): void {
  if (m.arena === hash.arena) hash.update(m.data.byteOffset + from, n);
  else hash.updateBytes(all.subarray(from, from + n));
}

/** Writes tensors to `path` (fsynced); returns the file's XXH64 and size. */
export function writeSafetensors(path: string, tensors: [string, TensorLike][], metadata: Record<string, string> = {}): { xxh64: string; bytes: number } {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, m] of tensors) {
    const bytes = m.rows * m.cols * m.data.BYTES_PER_ELEMENT;
    header[name] = { dtype: dtypeOf(m), shape: [m.rows, m.cols], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const jsonBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(jsonBytes.length));
  const hash = hasherFor(tensors);
  let fd: number | null = null;
  try {
    fd = openSync(path, 'w');
    const write = (b: Buffer) => {
      let done = 0;
      while (done < b.length) done += writeSync(fd!, b, done, b.length - done);
    };
    const head = Buffer.concat([prefix, jsonBytes]);
    write(head);
    hash.updateBytes(head);
    for (const [, m] of tensors) {
      const all = bytesOf(m);
      for (let at = 0; at < all.length; at += CHUNK) {
        const n = Math.min(CHUNK, all.length - at);
        write(all.subarray(at, at + n));
        hashPart(hash, m, all, at, n);
      }
    }
    fsyncSync(fd);
    return { xxh64: hash.digest(), bytes: 8 + jsonBytes.length + offset };
  } finally {
    if (fd !== null) closeSync(fd);
    hash.dispose();
  }
}

/** The header length a file of `size` bytes announces, checked to fit (shared by every reader). */
function checkedHeaderLength(path: string, headerLength: number, size: number): number {
  if (headerLength > 100_000_000 || 8 + headerLength > size) throw new ModelFileError(path, `header length ${headerLength} does not fit in a ${size}-byte file (truncated or not safetensors)`);
  return headerLength;
}

/** The header's JSON, parsed and checked to be an object (shared by every reader). */
function parsedHeader(path: string, json: Buffer): SafetensorsHeader {
  let header: SafetensorsHeader;
  try {
    header = JSON.parse(json.toString('utf8')) as SafetensorsHeader;
  } catch (cause) {
    throw new ModelFileError(path, 'the safetensors header is not valid JSON (corrupted file)', { cause });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new ModelFileError(path, 'the safetensors header is not a JSON object (corrupted file)');
  return header;
}

/**
 * The F32 tensors of a safetensors file already read whole (`bytes`, its checksum verified by the
 * caller), as copies: a small file (memory.safetensors) need not be read and hashed a second time
 * by a SafetensorsReader. The same checks as the reader's: header, dtype, extents, the tensors
 * covering the data section in order, no trailing bytes.
 */
export function f32TensorsOf(path: string, bytes: Uint8Array): Map<string, Float32Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) throw new ModelFileError(path, `file is ${bytes.length} bytes, too short for a safetensors header (truncated?)`);
  const headerLength = checkedHeaderLength(path, Number(view.getBigUint64(0, true)), bytes.length);
  const header = parsedHeader(path, Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength));
  const dataStart = 8 + headerLength;
  const entries = Object.keys(header)
    .filter((name) => name !== '__metadata__')
    .map((name) => {
      const e = header[name] as TensorEntry | undefined;
      if (!e || typeof e !== 'object' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets) || e.data_offsets.length !== 2) throw new ModelFileError(path, `tensor "${name}" has no shape or data_offsets pair (corrupted header)`);
      if (e.dtype !== 'F32') throw new ModelFileError(path, `tensor "${name}" has dtype ${String(e.dtype)}, expected F32`);
      const [begin, end] = e.data_offsets;
      const n = e.shape[0] * e.shape[1];
      if (!Number.isSafeInteger(n) || n < 0 || end - begin !== 4 * n || dataStart + end > bytes.length) throw new ModelFileError(path, `tensor "${name}" extends past the end of the file (truncated?)`);
      return { name, begin, n };
    })
    .sort((a, b) => a.begin - b.begin);
  const out = new Map<string, Float32Array>();
  let at = 0;
  for (const { name, begin, n } of entries) {
    if (begin !== at) throw new ModelFileError(path, `tensor "${name}" is not where expected (not written by Accrete?)`);
    const data = new Float32Array(n);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + begin, dataStart + begin + 4 * n));
    out.set(name, data);
    at = begin + 4 * n;
  }
  if (dataStart + at !== bytes.length) throw new ModelFileError(path, `${bytes.length - dataStart - at} unexpected bytes after the last tensor`);
  return out;
}

/** How readAllAsync reads: pieces in flight at once, their size, and a signal that stops it early. */
export interface AsyncReadOptions {
  parallel?: number;
  chunk?: number;
  /** Once aborted, no further piece is read and the read rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A tensor's place in the file (`at`) and the bytes of its target. */
interface Piece {
  name: string;
  m: TensorLike;
  bytes: Buffer;
  at: number;
}

/** Bytes [from, from + n) of a piece, read by one async read (or a few, when the OS returns less). */
interface ReadJob {
  piece: Piece;
  from: number;
  n: number;
  done: boolean;
}

/** An open safetensors file: its header, ready to copy tensors into matrices. */
export class SafetensorsReader {
  readonly header: SafetensorsHeader;
  private readonly fd: number;
  private readonly dataStart: number;
  private readonly size: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    try {
      this.size = fstatSync(this.fd).size;
      if (this.size < 8) throw new ModelFileError(path, `file is ${this.size} bytes, too short for a safetensors header (truncated?)`);
      const prefix = Buffer.alloc(8);
      readSync(this.fd, prefix, 0, 8, 0);
      const headerLength = checkedHeaderLength(path, Number(prefix.readBigUInt64LE()), this.size);
      const json = Buffer.alloc(headerLength);
      readSync(this.fd, json, 0, headerLength, 8);
      this.header = parsedHeader(path, json);
      this.dataStart = 8 + headerLength;
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  /** The tensor entry named `name`, checked for dtype and extent. */
  entry(name: string): TensorEntry {
    const e = this.header[name] as TensorEntry | undefined;
    if (!e || typeof e !== 'object' || !Array.isArray(e.shape)) throw new ModelFileError(this.path, `tensor "${name}" is missing`);
    if (e.dtype !== 'F32' && e.dtype !== 'I32' && e.dtype !== 'U8') throw new ModelFileError(this.path, `tensor "${name}" has dtype ${String(e.dtype)}; only F32, I32 and U8 are supported`);
    if (!Array.isArray(e.data_offsets) || e.data_offsets.length !== 2) throw new ModelFileError(this.path, `tensor "${name}" has no data_offsets pair (corrupted header)`);
    const [begin, end] = e.data_offsets;
    if (end - begin !== e.shape[0] * e.shape[1] * elementBytes(e.dtype) || this.dataStart + end > this.size) {
      throw new ModelFileError(this.path, `tensor "${name}" extends past the end of the file (truncated?)`);
    }
    return e;
  }

  /**
   * Where each target goes, in file order, checked against the header: shapes, offsets (the tensors
   * must cover the data section in file order, as writeSafetensors lays them out), no trailing bytes.
   */
  private layout(targets: [string, TensorLike][]): Piece[] {
    const sorted = targets.map(([name, m]) => ({ name, m, e: this.entry(name) })).sort((a, b) => a.e.data_offsets[0] - b.e.data_offsets[0]);
    const pieces: Piece[] = [];
    let at = this.dataStart;
    for (const { name, m, e } of sorted) {
      if (e.shape[0] !== m.rows || e.shape[1] !== m.cols) throw new ModelFileError(this.path, `tensor "${name}" is ${e.shape.join('x')}, expected ${m.rows}x${m.cols}`);
      if (e.dtype !== dtypeOf(m)) throw new ModelFileError(this.path, `tensor "${name}" has dtype ${e.dtype}, expected ${dtypeOf(m)}`);
      if (this.dataStart + e.data_offsets[0] !== at) throw new ModelFileError(this.path, `tensor "${name}" is not where expected (not written by Accrete?)`);
      const bytes = bytesOf(m);
      pieces.push({ name, m, bytes, at });
      at += bytes.length;
    }
    if (at !== this.size) throw new ModelFileError(this.path, `${this.size - at} unexpected bytes after the last tensor`);
    return pieces;
  }

  /** Reads the header bytes (everything before the tensors) into the hash. */
  private hashHead(hash: Xxh64): void {
    const head = Buffer.alloc(this.dataStart);
    readSync(this.fd, head, 0, this.dataStart, 0);
    hash.updateBytes(head);
  }

  private truncated(name: string): ModelFileError {
    return new ModelFileError(this.path, `unexpected end of file in tensor "${name}" (truncated)`);
  }

  /**
   * Reads the whole file in one sequential pass: each named tensor straight into its matrix (which
   * must have its shape), and the XXH64 of every byte, each piece hashed in place right after it
   * is read.
   */
  readAll(targets: [string, TensorLike][]): { xxh64: string } {
    const pieces = this.layout(targets);
    const hash = hasherFor(targets);
    try {
      this.hashHead(hash);
      for (const { name, m, bytes, at } of pieces) {
        for (let done = 0; done < bytes.length; ) {
          const n = readSync(this.fd, bytes, done, Math.min(CHUNK, bytes.length - done), at + done);
          if (n === 0) throw this.truncated(name);
          hashPart(hash, m, bytes, done, n);
          done += n;
        }
      }
      return { xxh64: hash.digest() };
    } finally {
      hash.dispose();
    }
  }

  /**
   * readAll with the reads on libuv's thread pool, `parallel` pieces of `chunk` bytes at a time, so
   * the calling thread is free meanwhile (and several reads fault in fresh memory at once). Pieces
   * are hashed in file order as soon as every byte before them is in. Same checks and errors as
   * readAll; settles only once no read is in flight, so the file may be closed right after.
   */
  async readAllAsync(targets: [string, TensorLike][], { parallel = 4, chunk = 8 * CHUNK, signal }: AsyncReadOptions = {}): Promise<{ xxh64: string }> {
    const pieces = this.layout(targets);
    const jobs: ReadJob[] = [];
    for (const piece of pieces) {
      for (let from = 0; from < piece.bytes.length; from += chunk) jobs.push({ piece, from, n: Math.min(chunk, piece.bytes.length - from), done: false });
    }
    const hash = hasherFor(targets);
    try {
      this.hashHead(hash);
      let next = 0;
      let hashed = 0;
      let failed = false;
      /** Hashes the jobs done so far that every byte before is in for (XXH64 is sequential). */
      const hashReady = () => {
        for (; hashed < jobs.length && jobs[hashed].done; hashed++) {
          const { piece, from, n } = jobs[hashed];
          for (let at = from; at < from + n; at += CHUNK) hashPart(hash, piece.m, piece.bytes, at, Math.min(CHUNK, from + n - at));
        }
      };
      /** One of `parallel` loops that each keep a read in flight until no job is left. */
      const reader = async () => {
        while (next < jobs.length && !failed) {
          const job = jobs[next++];
          try {
            signal?.throwIfAborted();
            await this.readJob(job);
          } catch (err) {
            failed = true;
            throw err;
          }
          job.done = true;
          hashReady();
        }
      };
      const results = await Promise.allSettled(Array.from({ length: Math.max(1, parallel) }, reader));
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw failure.reason;
      return { xxh64: hash.digest() };
    } finally {
      hash.dispose();
    }
  }

  /** Fills the bytes of one job from the file. */
  private async readJob({ piece, from, n }: ReadJob): Promise<void> {
    for (let done = 0; done < n; ) {
      const got = await new Promise<number>((resolve, reject) =>
        read(this.fd, piece.bytes, from + done, n - done, piece.at + from + done, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead))),
      );
      if (got === 0) throw this.truncated(piece.name);
      done += got;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
