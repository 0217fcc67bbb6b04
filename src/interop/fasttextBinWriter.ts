/**
 * Writing fastText .bin files (the layout is in fasttextBin.ts): small fields buffered, the large
 * float arrays streamed straight from arena memory, the whole file written beside its target and
 * renamed into place.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { CHUNK } from './fasttextBin.js';

/** A writer that buffers small fields and streams large float arrays. */
export class FastTextBinWriter {
  private readonly fd: number;
  private readonly buf = Buffer.alloc(CHUNK);
  private len = 0;
  bytes = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  private room(n: number): number {
    if (this.len + n > this.buf.length) this.flush();
    const at = this.len;
    this.len += n;
    this.bytes += n;
    return at;
  }

  flush(): void {
    let done = 0;
    while (done < this.len) done += writeSync(this.fd, this.buf, done, this.len - done);
    this.len = 0;
  }

  int32(v: number): void {
    this.buf.writeInt32LE(v, this.room(4));
  }

  int64(v: number): void {
    this.buf.writeBigInt64LE(BigInt(v), this.room(8));
  }

  float64(v: number): void {
    this.buf.writeDoubleLE(v, this.room(8));
  }

  int8(v: number): void {
    this.buf.writeInt8(v, this.room(1));
  }

  cstring(bytes: Buffer): void {
    if (bytes.length + 1 > this.buf.length) {
      this.flush();
      writeSync(this.fd, bytes);
      this.bytes += bytes.length;
    } else bytes.copy(this.buf, this.room(bytes.length));
    this.int8(0);
  }

  floats(data: Float32Array): void {
    this.flush();
    const b = Buffer.from(data.buffer, data.byteOffset, data.length * 4);
    let done = 0;
    while (done < b.length) done += writeSync(this.fd, b, done, Math.min(CHUNK * 4, b.length - done));
    this.bytes += b.length;
  }

  /** Flushes, fsyncs and closes. */
  close(): void {
    try {
      this.flush();
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }

  /** Closes without flushing (after a failure). */
  abort(): void {
    closeSync(this.fd);
  }
}

/**
 * Writes `path` through a temporary sibling renamed into place, so a failure or a crash never
 * leaves a half-written model where a good one was.
 */
export function writeFileAtomic(path: string, write: (w: FastTextBinWriter) => void): number {
  const tmp = `${path}.tmp-${process.pid}`;
  const w = new FastTextBinWriter(tmp);
  try {
    write(w);
    w.close();
  } catch (err) {
    try {
      w.abort();
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw err;
  }
  renameSync(tmp, path);
  return w.bytes;
}
