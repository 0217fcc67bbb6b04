/** Version and job rows in PostgreSQL, read into the same records as the SQLite registry's. */
import { AccreteError } from '../../errors.js';
import type { UpdateReport } from '../../update/update.js';
import { fromJson } from '../db.js';
import { isVersionId } from '../files.js';
import { JOB_COLUMNS, toJob, type JobOutcome, type JobOutcomeRecord, type JobRow } from '../jobs.js';
import type { JobRecord, JobState, JobTrigger, VersionRecord } from '../types.js';
import { toRecord, type Activation, type VersionRow } from '../versions.js';
import type { Queryable } from './connect.js';
import { quarantined } from './feedback.js';

/** The channel every change is announced on (payloads are ids only: `active v7`, `job 12`). */
export const CHANNEL = 'accrete';


export async function listVersions(c: Queryable): Promise<VersionRecord[]> {
  return (await c.query<VersionRow>('SELECT * FROM accrete_versions ORDER BY seq')).rows.map(toRecord);
}

export async function getVersion(c: Queryable, id: string): Promise<VersionRecord> {
  const row = isVersionId(id) ? (await c.query<VersionRow>('SELECT * FROM accrete_versions WHERE id = $1', [id])).rows[0] : undefined;
  if (!row) throw new AccreteError('NOT_FOUND', `no version ${JSON.stringify(id.slice(0, 80))} in the registry`);
  return toRecord(row);
}

/** A new version id from the database's sequence (ids of versions never committed are skipped, never reused). */
export async function nextVersionId(c: Queryable): Promise<string> {
  const r = await c.query<{ n: string }>(`SELECT nextval('accrete_version_seq') AS n`);
  return `v${r.rows[0].n}`;
}

export async function insertVersion(c: Queryable, v: VersionRecord): Promise<void> {
  await c.query(
    `INSERT INTO accrete_versions (seq, id, parent, created_at, fingerprint, options, metrics, decision, path, checksum, labels, job, removed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [Number(v.id.slice(1)), v.id, v.parent, v.createdAt, v.fingerprint, JSON.stringify(v.options), JSON.stringify(v.metrics), JSON.stringify(v.decision), v.path, v.checksum, JSON.stringify(v.labels), v.job, v.removedAt ?? null],
  );
}

export async function activeId(c: Queryable): Promise<string | null> {
  const r = await c.query<{ value: string }>(`SELECT value FROM accrete_meta WHERE key = 'active'`);
  return r.rows[0]?.value ?? null;
}

/** Points the registry at `id` (inside the caller's transaction), logs it, and announces it at commit. */
export async function setActive(c: Queryable, id: string, reason: string): Promise<string | null> {
  await getVersion(c, id);
  const r = await c.query<{ value: string }>(`SELECT value FROM accrete_meta WHERE key = 'active' FOR UPDATE`);
  const previous = r.rows[0]?.value ?? null;
  await c.query(`INSERT INTO accrete_meta (key, value) VALUES ('active', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [id]);
  await c.query('INSERT INTO accrete_activations (version, previous, at, reason) VALUES ($1, $2, $3, $4)', [id, previous, new Date().toISOString(), reason]);
  await c.query('SELECT pg_notify($1, $2)', [CHANNEL, `active ${id}`]);
  return previous;
}

export async function activations(c: Queryable, limit = 100): Promise<Activation[]> {
  return (await c.query<Activation>('SELECT version, previous, at, reason FROM accrete_activations ORDER BY seq DESC LIMIT $1', [limit])).rows;
}

/** A new job row: 'running' (the updater runs it now) or 'queued' (a replica asked; the updater runs it). */
export async function insertJob(c: Queryable, state: 'running' | 'queued', trigger: JobTrigger, parent: string | null, options: Record<string, unknown>, fence: number | null): Promise<number> {
  const r = await c.query<{ id: string }>('INSERT INTO accrete_jobs (state, trigger, parent, options, created_at, fence) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id', [state, trigger, parent, JSON.stringify(options), new Date().toISOString(), fence]);
  return Number(r.rows[0].id);
}

/** Announces a queued job to the updater (NOTIFY, ids only). */
export async function notifyQueued(c: Queryable, job: number): Promise<void> {
  await c.query('SELECT pg_notify($1, $2)', [CHANNEL, `queued ${job}`]);
}

/** The oldest queued job, if any. */
export async function nextQueued(c: Queryable): Promise<{ job: number; trigger: JobTrigger; options: Record<string, unknown> } | null> {
  const r = await c.query<{ id: string; trigger: JobTrigger; options: string }>(`SELECT id, trigger, options FROM accrete_jobs WHERE state = 'queued' ORDER BY id LIMIT 1`);
  const row = r.rows[0];
  return row ? { job: Number(row.id), trigger: row.trigger, options: JSON.parse(row.options) as Record<string, unknown> } : null;
}

/** Moves a queued job to running on `parent`; CONFLICT when another updater took it first. */
export async function runQueued(c: Queryable, job: number, parent: string, fence: number | null): Promise<void> {
  const r = await c.query(`UPDATE accrete_jobs SET state = 'running', parent = $2, fence = $3 WHERE id = $1 AND state = 'queued'`, [job, parent, fence]);
  if (!r.rowCount) throw new AccreteError('CONFLICT', `update job ${job} is no longer queued`);
}

/** Records which feedback events a job claimed (ids after_id < id <= upto_id). */
export async function setClaimRange(c: Queryable, job: number, claimed: { first: number; last: number; count: number }): Promise<void> {
  await c.query('UPDATE accrete_jobs SET after_id = $2, upto_id = $3, examples = $4 WHERE id = $1', [job, Math.max(0, claimed.first - 1), claimed.last, claimed.count]);
}

/**
 * A short text that changes whenever the active version, the last event, job or activation, or
 * the queue moves: the periodic check compares it, for notices lost while disconnected.
 */
export async function changeSignature(c: Queryable): Promise<string> {
  const r = await c.query<{ s: string }>(
    `SELECT concat_ws(' ', (SELECT value FROM accrete_meta WHERE key = 'active'), (SELECT max(id) FROM accrete_feedback), (SELECT max(id) FROM accrete_jobs), (SELECT max(seq) FROM accrete_activations), (SELECT count(*) FROM accrete_jobs WHERE state = 'queued')) AS s`,
  );
  return r.rows[0].s;
}

export async function finishJob(c: Queryable, id: number, o: JobOutcome): Promise<void> {
  await c.query('UPDATE accrete_jobs SET state = $2, version = $3, reasons = $4, metrics = $5, report = $6, error = $7, fault = $8, finished_at = $9 WHERE id = $1', [
    id,
    o.state,
    o.version ?? null,
    o.reasons ? JSON.stringify(o.reasons) : null,
    o.metrics ? JSON.stringify(o.metrics) : null,
    o.report ? JSON.stringify(o.report) : null,
    o.error ?? null,
    o.fault ?? null,
    new Date().toISOString(),
  ]);
  await c.query('SELECT pg_notify($1, $2)', [CHANNEL, `job ${id}`]);
}

export async function listJobs(c: Queryable, limit = 100): Promise<JobRecord[]> {
  return (await c.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM accrete_jobs ORDER BY id DESC LIMIT $1`, [limit])).rows.map(toJob);
}

export async function jobsIn(c: Queryable, state: JobState): Promise<number[]> {
  return (await c.query<{ id: string }>('SELECT id FROM accrete_jobs WHERE state = $1 ORDER BY id', [state])).rows.map((r) => Number(r.id));
}

export async function getJob(c: Queryable, id: number): Promise<JobOutcomeRecord> {
  const row = (await c.query<JobRow & { report: string | null }>(`SELECT ${JOB_COLUMNS}, report FROM accrete_jobs WHERE id = $1`, [id])).rows[0];
  if (!row) throw new AccreteError('NOT_FOUND', `no update job ${id}`);
  return { ...toJob(row), report: fromJson<UpdateReport>(row.report), quarantined: await quarantined(c, id) };
}

export async function markRemoved(c: Queryable, ids: readonly string[]): Promise<void> {
  await c.query('UPDATE accrete_versions SET removed_at = $1 WHERE id = ANY($2) AND removed_at IS NULL', [new Date().toISOString(), ids]);
}
