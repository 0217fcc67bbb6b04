/**
 * A version's model files in PostgreSQL: the list of its files (name, blob hash, size), uploaded
 * before the row that names them is committed, and fetched into a replica's cache on demand.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { BlobCache, listFiles, upload, type FileEntry } from './blobs.js';
import type { Queryable } from './connect.js';

/** Uploads every file of the model directory `dir` the database lacks; returns the file list and the bytes sent. */
export async function uploadDir(pool: pg.Pool, blobs: BlobCache, dir: string): Promise<{ files: FileEntry[]; sent: number }> {
  const files: FileEntry[] = [];
  let sent = 0;
  for (const name of listFiles(dir)) {
    const path = join(dir, name);
    const hash = blobs.hashOf(path);
    sent += await upload(pool, path, hash);
    blobs.adopt(path, hash);
    files.push({ name, hash, bytes: statSync(path).size });
  }
  return { files, sent };
}

export async function insertFiles(c: Queryable, version: string, files: readonly FileEntry[]): Promise<void> {
  for (const f of files) await c.query('INSERT INTO accrete_version_files (version, name, hash, bytes) VALUES ($1, $2, $3, $4)', [version, f.name, f.hash, f.bytes]);
}

export async function filesOf(c: Queryable, version: string): Promise<FileEntry[]> {
  return (await c.query<{ name: string; hash: string; bytes: string }>('SELECT name, hash, bytes FROM accrete_version_files WHERE version = $1 ORDER BY name', [version])).rows.map((r) => ({ name: r.name, hash: r.hash, bytes: Number(r.bytes) }));
}

/** What each live version adds (files no earlier live version has) and the total, each blob counted once. */
export async function diskUsage(c: Queryable): Promise<{ total: number; byVersion: Map<string, number> }> {
  const rows = (
    await c.query<{ id: string; hash: string; bytes: string }>(
      `SELECT v.id, f.hash, f.bytes FROM accrete_versions v JOIN accrete_version_files f ON f.version = v.id WHERE v.removed_at IS NULL ORDER BY v.seq, f.name`,
    )
  ).rows;
  const seen = new Set<string>();
  const byVersion = new Map<string, number>();
  let total = 0;
  for (const r of rows) {
    if (!byVersion.has(r.id)) byVersion.set(r.id, 0);
    if (seen.has(r.hash)) continue;
    seen.add(r.hash);
    byVersion.set(r.id, byVersion.get(r.id)! + Number(r.bytes));
    total += Number(r.bytes);
  }
  return { total, byVersion };
}

/** Removes the file lists of removed versions and the blobs no live version uses (uploads younger than `graceMs` are kept: their version may be about to commit). */
export async function dropUnused(c: Queryable, removed: readonly string[], graceMs = 3_600_000): Promise<number> {
  await c.query('DELETE FROM accrete_version_files WHERE version = ANY($1)', [removed]);
  const r = await c.query(
    `DELETE FROM accrete_blobs b WHERE NOT EXISTS (SELECT 1 FROM accrete_version_files f WHERE f.hash = b.hash) AND b.created_at < now() - make_interval(secs => $1)`,
    [graceMs / 1000],
  );
  return r.rowCount ?? 0;
}
