/** Update jobs: one row per update attempt, with its trigger, options, outcome and report. */
import { AccreteError } from '../errors.js';
import type { UpdateReport } from '../update/update.js';
import { fromJson, type Db } from './db.js';
import { quarantined, type QuarantinedEvent } from './feedback.js';
import type { JobFault, JobRecord, JobState, JobTrigger, VersionMetrics } from './types.js';
import type { GateIssue } from '../update/gate.js';

/** A jobs row (the same columns in SQLite and PostgreSQL; PostgreSQL's driver gives bigint ids as text and a job may have no parent there yet). */
export interface JobRow {
  id: number | string;
  state: JobState;
  trigger: JobTrigger;
  parent: string | null;
  version: string | null;
  options: string;
  after_id: number | string;
  upto_id: number | string;
  examples: number;
  created_at: string;
  finished_at: string | null;
  reasons: string | null;
  metrics: string | null;
  error: string | null;
  fault: JobFault | null;
}

export const JOB_COLUMNS = 'id, state, trigger, parent, version, options, after_id, upto_id, examples, created_at, finished_at, reasons, metrics, error, fault';

/** A jobs row as a record. */
export function toJob(r: JobRow): JobRecord {
  return {
    id: Number(r.id),
    state: r.state,
    trigger: r.trigger,
    parent: r.parent ?? '',
    version: r.version,
    options: fromJson(r.options) ?? {},
    feedback: { after: Number(r.after_id), upto: Number(r.upto_id) },
    examples: r.examples,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    reasons: fromJson(r.reasons),
    metrics: fromJson(r.metrics),
    error: r.error,
    fault: r.fault,
  };
}

export function insertJob(db: Db, trigger: JobTrigger, parent: string, options: Record<string, unknown>): number {
  const info = db
    .prepare(`INSERT INTO jobs (state, trigger, parent, options, after_id, upto_id, examples, created_at) VALUES ('running', ?, ?, ?, 0, 0, 0, ?)`)
    .run(trigger, parent, JSON.stringify(options), new Date().toISOString());
  return Number(info.lastInsertRowid);
}

/** Records which events the job claimed: how many, and the range of their ids (first - 1 < id <= last). */
export function setJobFeedback(db: Db, id: number, f: { count: number; first: number; last: number }): void {
  db.prepare('UPDATE jobs SET after_id = ?, upto_id = ?, examples = ? WHERE id = ?').run(Math.max(0, f.first - 1), f.last, f.count, id);
}

export interface JobOutcome {
  state: Exclude<JobState, 'running'>;
  version?: string | null;
  reasons?: GateIssue[] | null;
  metrics?: VersionMetrics | null;
  report?: UpdateReport | null;
  error?: string | null;
  fault?: JobFault | null;
}

export function finishJob(db: Db, id: number, o: JobOutcome): void {
  db.prepare('UPDATE jobs SET state = @state, version = @version, reasons = @reasons, metrics = @metrics, report = @report, error = @error, fault = @fault, finished_at = @at WHERE id = @id').run({
    id,
    state: o.state,
    version: o.version ?? null,
    reasons: o.reasons ? JSON.stringify(o.reasons) : null,
    metrics: o.metrics ? JSON.stringify(o.metrics) : null,
    report: o.report ? JSON.stringify(o.report) : null,
    error: o.error ?? null,
    fault: o.fault ?? null,
    at: new Date().toISOString(),
  });
}

export function listJobs(db: Db, limit = 100): JobRecord[] {
  return (db.prepare(`SELECT ${JOB_COLUMNS} FROM jobs ORDER BY id DESC LIMIT ?`).all(limit) as JobRow[]).map(toJob);
}

export function runningJobs(db: Db): number[] {
  return (db.prepare(`SELECT id FROM jobs WHERE state = 'running'`).all() as { id: number }[]).map((r) => r.id);
}

/** A job with its report and the feedback events its diagnosis quarantined. */
export type JobOutcomeRecord = JobRecord & { report: UpdateReport | null; quarantined: QuarantinedEvent[] };

/** A job with its report and the feedback events its diagnosis quarantined. */
export function getJob(db: Db, id: number): JobOutcomeRecord {
  const row = db.prepare(`SELECT ${JOB_COLUMNS}, report FROM jobs WHERE id = ?`).get(id) as (JobRow & { report: string | null }) | undefined;
  if (!row) throw new AccreteError('NOT_FOUND', `no update job ${id}`);
  return { ...toJob(row), report: fromJson(row.report), quarantined: quarantined(db, id) };
}
