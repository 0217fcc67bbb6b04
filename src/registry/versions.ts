/** Version rows and the active pointer (with its history). Every function runs inside the caller's transaction when there is one. */
import { AccreteError } from '../errors.js';
import { fromJson, type Db } from './db.js';
import { isVersionId, versionId } from './files.js';
import type { VersionRecord } from './types.js';

export interface VersionRow {
  seq: number;
  id: string;
  parent: string | null;
  created_at: string;
  fingerprint: string | null;
  options: string;
  metrics: string;
  decision: string;
  path: string;
  checksum: string;
  labels: string;
  /** A number from SQLite; a string from PostgreSQL, whose driver gives bigint columns as text. */
  job: number | string | null;
  removed_at: string | null;
}

/** A versions row (the same columns in SQLite and PostgreSQL) as a record. */
export function toRecord(r: VersionRow): VersionRecord {
  return {
    id: r.id,
    parent: r.parent,
    createdAt: r.created_at,
    fingerprint: r.fingerprint,
    options: fromJson(r.options) ?? {},
    metrics: fromJson(r.metrics) ?? { guard: null, fresh: null },
    decision: fromJson(r.decision)!,
    path: r.path,
    checksum: r.checksum,
    labels: fromJson(r.labels) ?? [],
    job: r.job === null ? null : Number(r.job),
    removedAt: r.removed_at,
  };
}

export function listVersions(db: Db): VersionRecord[] {
  return (db.prepare('SELECT * FROM versions ORDER BY seq').all() as VersionRow[]).map(toRecord);
}

/** The version named `id`; a NOT_FOUND error that names it otherwise. */
export function getVersion(db: Db, id: string): VersionRecord {
  const row = isVersionId(id) ? (db.prepare('SELECT * FROM versions WHERE id = ?').get(id) as VersionRow | undefined) : undefined;
  if (!row) throw new AccreteError('NOT_FOUND', `no version ${JSON.stringify(id.slice(0, 80))} in the registry`);
  return toRecord(row);
}

/** The id the next version will get: one more than the highest ever recorded. */
export function nextVersionId(db: Db): string {
  const row = db.prepare('SELECT max(seq) AS seq FROM versions').get() as { seq: number | null };
  return versionId((row.seq ?? 0) + 1);
}

export function insertVersion(db: Db, v: VersionRecord): void {
  db.prepare(
    `INSERT INTO versions (seq, id, parent, created_at, fingerprint, options, metrics, decision, path, checksum, labels, job)
     VALUES (@seq, @id, @parent, @createdAt, @fingerprint, @options, @metrics, @decision, @path, @checksum, @labels, @job)`,
  ).run({
    seq: Number(v.id.slice(1)),
    id: v.id,
    parent: v.parent,
    createdAt: v.createdAt,
    fingerprint: v.fingerprint,
    options: JSON.stringify(v.options),
    metrics: JSON.stringify(v.metrics),
    decision: JSON.stringify(v.decision),
    path: v.path,
    checksum: v.checksum,
    labels: JSON.stringify(v.labels),
    job: v.job,
  });
}

export function activeId(db: Db): string | null {
  const row = db.prepare(`SELECT value FROM meta WHERE key = 'active'`).get() as { value: string } | undefined;
  return row?.value ?? null;
}

/** Points the registry at `id` (which must exist) and logs the move; returns the previous active id. */
export function setActive(db: Db, id: string, reason: string): string | null {
  // Checked in the caller's transaction: a gc may have removed the version since its files were verified.
  if (getVersion(db, id).removedAt) throw new AccreteError('CONFLICT', `${id} was removed by gc: its files are gone; nothing was changed`);
  const previous = activeId(db);
  db.prepare(`INSERT INTO meta (key, value) VALUES ('active', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(id);
  db.prepare('INSERT INTO activations (version, previous, at, reason) VALUES (?, ?, ?, ?)').run(id, previous, new Date().toISOString(), reason);
  return previous;
}

export interface Activation {
  version: string;
  previous: string | null;
  at: string;
  reason: string;
}

export function activations(db: Db, limit = 100): Activation[] {
  return db.prepare('SELECT version, previous, at, reason FROM activations ORDER BY seq DESC LIMIT ?').all(limit) as Activation[];
}

/** Records that garbage collection removed these versions' files (their rows stay). */
export function markRemoved(db: Db, ids: readonly string[]): void {
  const mark = db.prepare('UPDATE versions SET removed_at = ? WHERE id = ? AND removed_at IS NULL');
  const at = new Date().toISOString();
  for (const id of ids) mark.run(at, id);
}
