/**
 * Model files in PostgreSQL, stored once by content: a file is a blob named by its SHA-256, kept as
 * rows of at most CHUNK_BYTES (a bytea value stops at 1 GB, and the driver buffers whole rows), so
 * a version that shares its parent's base (hard links) adds only its patch and small files. Each
 * replica keeps the blobs it fetched under `<cache>/blobs/<sha256>`, each one verified by its hash
 * when fetched and once per process before use; a version's directory is made of hard links to
 * them (model files are never written in place), and a blob no directory links to any more
 * (link count 1) is removable.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type pg from 'pg';
import { AccreteError } from '../../errors.js';
import { inTransaction } from './connect.js';

export const CHUNK_BYTES = 8 << 20;

export interface FileEntry {
  /** Path inside the model directory, with / separators. */
  name: string;
  hash: string;
  bytes: number;
}

/** Every regular file under `dir`, with its relative name (sorted). */
export function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

/** Reads a file in chunks: `each` gets every chunk (a Buffer valid until the next). */
function readChunks(path: string, each: (b: Buffer, n: number) => void): void {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  try {
    for (let n = 0; ; n++) {
      let got = 0;
      while (got < CHUNK_BYTES) {
        const r = readSync(fd, buf, got, CHUNK_BYTES - got, null);
        if (r === 0) break;
        got += r;
      }
      if (got === 0 && n > 0) break;
      each(buf.subarray(0, got), n);
      if (got < CHUNK_BYTES) break;
    }
  } finally {
    closeSync(fd);
  }
}

export function sha256File(path: string): string {
  const h = createHash('sha256');
  readChunks(path, (b) => h.update(b));
  return h.digest('hex');
}

export class BlobCache {
  /** Hashes known by inode (a hard link of a blob is the blob): no file is hashed twice. */
  private readonly byInode = new Map<string, string>();
  /** Blobs verified by their hash in this process. */
  private readonly verified = new Set<string>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  pathOf(hash: string): string {
    return join(this.dir, hash);
  }

  private key(path: string): string {
    const s = statSync(path);
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
  }

  /** The file's SHA-256 (remembered by inode). */
  hashOf(path: string): string {
    const key = this.key(path);
    let h = this.byInode.get(key);
    if (!h) {
      h = sha256File(path);
      this.byInode.set(key, h);
    }
    return h;
  }

  /** Whether the cached blob is there and (once per process) has its hash; a bad one is removed. */
  private haveVerified(hash: string): boolean {
    const path = this.pathOf(hash);
    if (!existsSync(path)) return false;
    if (this.verified.has(hash)) return true;
    if (this.hashOf(path) !== hash) {
      rmSync(path, { force: true });
      return false;
    }
    this.verified.add(hash);
    return true;
  }

  /** Puts a local file into the cache as blob `hash` (a hard link, else a copy). */
  adopt(path: string, hash: string): void {
    const to = this.pathOf(hash);
    if (existsSync(to)) return;
    try {
      linkSync(path, to);
    } catch (err) {
      // Another file system (a copy between registries): the blob is not cached, nothing more.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EXDEV') return;
      if (code !== 'EEXIST') throw err;
    }
    this.verified.add(hash);
  }

  /** Fetches blob `hash` from the database unless cached; returns the bytes fetched. */
  async fetch(pool: pg.Pool, hash: string): Promise<number> {
    if (this.haveVerified(hash)) return 0;
    const head = await pool.query<{ bytes: string; chunks: number }>('SELECT bytes, chunks FROM accrete_blobs WHERE hash = $1', [hash]);
    if (!head.rows[0]) throw new AccreteError('BAD_MODEL_FILE', `model file ${hash} is missing from the registry database (removed by gc?)`);
    const tmp = join(this.dir, `.${hash}.${randomBytes(4).toString('hex')}.tmp`);
    const fd = openSync(tmp, 'w');
    const h = createHash('sha256');
    let bytes = 0;
    try {
      // One chunk per query: the driver holds one chunk at a time, whatever the file's size.
      for (let n = 0; n < head.rows[0].chunks; n++) {
        const r = await pool.query<{ data: Buffer }>('SELECT data FROM accrete_blob_chunks WHERE hash = $1 AND n = $2', [hash, n]);
        const data = r.rows[0]?.data;
        if (!data) throw new AccreteError('BAD_MODEL_FILE', `model file ${hash} lacks its part ${n + 1} of ${head.rows[0].chunks} in the registry database`);
        h.update(data);
        writeSync(fd, data);
        bytes += data.length;
      }
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw err;
    }
    closeSync(fd);
    const got = h.digest('hex');
    if (got !== hash || bytes !== Number(head.rows[0].bytes)) {
      rmSync(tmp, { force: true });
      throw new AccreteError('BAD_MODEL_FILE', `model file ${hash} fetched from the registry database does not match its checksum (got ${got}, ${bytes} bytes)`);
    }
    renameSync(tmp, this.pathOf(hash));
    this.verified.add(hash);
    return bytes;
  }

  /** Makes `target` a directory of hard links to the blobs of `files` (atomically: renamed into place whole). */
  materialize(target: string, files: readonly FileEntry[]): void {
    if (existsSync(target)) return;
    const tmp = `${target}.fetch-${process.pid}-${randomBytes(4).toString('hex')}`;
    mkdirSync(tmp, { recursive: true });
    try {
      for (const f of files) {
        const to = join(tmp, f.name);
        mkdirSync(dirname(to), { recursive: true });
        linkSync(this.pathOf(f.hash), to);
      }
      renameSync(tmp, target);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      if (existsSync(target)) return;
      throw err;
    }
  }

  /** Removes cached blobs that no version directory links to any more; returns how many. */
  prune(): number {
    let n = 0;
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      if (name.startsWith('.') || statSync(path).nlink === 1) {
        rmSync(path, { force: true });
        n++;
      }
    }
    return n;
  }
}

/** Uploads a local file as blob `hash` unless the database has it; returns the bytes sent. */
export async function upload(pool: pg.Pool, path: string, hash: string): Promise<number> {
  const have = await pool.query('SELECT 1 FROM accrete_blobs WHERE hash = $1', [hash]);
  if (have.rowCount) return 0;
  return inTransaction(pool, async (c) => {
    // The header row first: of two uploaders of one blob, the second waits here, then finds it.
    const size = statSync(path).size;
    const chunks = Math.max(1, Math.ceil(size / CHUNK_BYTES));
    const mine = await c.query('INSERT INTO accrete_blobs (hash, bytes, chunks) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING RETURNING hash', [hash, size, chunks]);
    if (!mine.rowCount) return 0;
    // One chunk in memory at a time, whatever the file's size.
    const fd = openSync(path, 'r');
    const buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(size, 1)));
    let sent = 0;
    try {
      for (let n = 0; n < chunks; n++) {
        const want = Math.min(CHUNK_BYTES, size - n * CHUNK_BYTES);
        let got = 0;
        while (got < want) {
          const r = readSync(fd, buf, got, want - got, n * CHUNK_BYTES + got);
          if (r === 0) throw new AccreteError('BAD_MODEL_FILE', `${path} got shorter while it was uploaded`);
          got += r;
        }
        await c.query('INSERT INTO accrete_blob_chunks (hash, n, data) VALUES ($1, $2, $3)', [hash, n, buf.subarray(0, got)]);
        sent += got;
      }
    } finally {
      closeSync(fd);
    }
    return sent;
  });
}
