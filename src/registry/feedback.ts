/**
 * Feedback events, numbered in arrival order, each in one state: pending (waiting for an update),
 * claimed by a running job, used by a job that finished (accepted or rejected by the gate), or
 * quarantined (an event that made updates fail, with the reason). A job that fails, diverges or is
 * interrupted gives its events back: they are pending again, so only a job that finished consumes
 * feedback. State, not a position after the last job's largest id: ids are not in commit order
 * when several writers insert at once, and a failed job must not take later events with it.
 */
import type { Example } from '../data/example.js';
import type { Db } from './db.js';
import type { FeedbackEvent } from './types.js';

/** Inserts events (one statement each, inside the caller's transaction); returns their ids. */
export function insertFeedback(db: Db, events: readonly FeedbackEvent[]): number[] {
  const insert = db.prepare(
    `INSERT INTO feedback (text, labels, weight, predicted, score, error, version, created_at, source)
     VALUES (@text, @labels, @weight, @predicted, @score, @error, @version, @createdAt, @source)`,
  );
  return events.map((e) =>
    Number(
      insert.run({
        text: e.text,
        labels: JSON.stringify(e.labels),
        weight: e.weight ?? null,
        predicted: e.predicted,
        score: e.score,
        error: isError(e) ? 1 : 0,
        version: e.version,
        createdAt: e.createdAt,
        source: e.source,
      }).lastInsertRowid,
    ),
  );
}

/** The serving model was wrong: its top label is not one of the true labels. */
export function isError(e: Pick<FeedbackEvent, 'labels' | 'predicted'>): boolean {
  return e.predicted === null || !e.labels.includes(e.predicted);
}

export type FeedbackState = 'pending' | 'claimed' | 'used' | 'quarantined';

export function pendingCount(db: Db): number {
  return countIn(db, 'pending');
}

export function feedbackCount(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM feedback').get() as { n: number }).n;
}

export function countIn(db: Db, state: FeedbackState): number {
  return (db.prepare('SELECT count(*) AS n FROM feedback WHERE state = ?').get(state) as { n: number }).n;
}

/** Claims every pending event for `job`; returns how many and their id range. */
export function claimPending(db: Db, job: number): { count: number; first: number; last: number } {
  const info = db.prepare(`UPDATE feedback SET state = 'claimed', job = ? WHERE state = 'pending'`).run(job);
  const range = db.prepare(`SELECT coalesce(min(id), 0) AS first, coalesce(max(id), 0) AS last FROM feedback WHERE job = ? AND state = 'claimed'`).get(job) as { first: number; last: number };
  return { count: info.changes, ...range };
}

/** The job finished (accepted or rejected): its events are used. */
export function useClaimed(db: Db, job: number): number {
  return db.prepare(`UPDATE feedback SET state = 'used' WHERE job = ? AND state = 'claimed'`).run(job).changes;
}

/**
 * The job did not finish: its events are pending again. `failed`: it failed (counts an attempt on
 * each event); otherwise it was interrupted (a shutdown, a crash), which is no fault of the events.
 */
export function releaseClaimed(db: Db, job: number, failed: boolean): number {
  return db.prepare(`UPDATE feedback SET state = 'pending', job = NULL, attempts = attempts + ? WHERE job = ? AND state = 'claimed'`).run(failed ? 1 : 0, job).changes;
}

/** Sets events aside with the reason they make updates fail (the job that found them is recorded). */
export function quarantine(db: Db, job: number, events: readonly { id: number; reason: string }[]): void {
  const set = db.prepare(`UPDATE feedback SET state = 'quarantined', job = ?, reason = ? WHERE id = ? AND state IN ('pending', 'claimed')`);
  for (const e of events) set.run(job, e.reason, e.id);
}

export interface QuarantinedEvent {
  id: number;
  text: string;
  labels: string[];
  reason: string;
  job: number;
}

/** Quarantined events (of one job, or all), oldest first. */
export function quarantined(db: Db, job?: number, limit = 1000): QuarantinedEvent[] {
  const rows = (job === undefined
    ? db.prepare(`SELECT id, text, labels, reason, job FROM feedback WHERE state = 'quarantined' ORDER BY id LIMIT ?`).all(limit)
    : db.prepare(`SELECT id, text, labels, reason, job FROM feedback WHERE state = 'quarantined' AND job = ? ORDER BY id LIMIT ?`).all(job, limit)) as { id: number; text: string; labels: string; reason: string | null; job: number }[];
  return rows.map((r) => ({ id: r.id, text: r.text, labels: JSON.parse(r.labels) as string[], reason: r.reason ?? '', job: r.job }));
}

type ExampleRow = { id: number; text: string; labels: string; weight: number | null };
const toExample = (r: ExampleRow): Example => (r.weight === null ? { text: r.text, labels: JSON.parse(r.labels) as string[] } : { text: r.text, labels: JSON.parse(r.labels) as string[], weight: r.weight });

/** The events a job claimed, oldest first, with their ids. */
export function claimedBy(db: Db, job: number): { ids: number[]; examples: Example[] } {
  const rows = db.prepare(`SELECT id, text, labels, weight FROM feedback WHERE job = ? AND state = 'claimed' ORDER BY id`).all(job) as ExampleRow[];
  return { ids: rows.map((r) => r.id), examples: rows.map(toExample) };
}

/** The events with these ids, in the order given (ids that do not exist are left out). */
export function examplesById(db: Db, ids: readonly number[]): Example[] {
  const get = db.prepare('SELECT id, text, labels, weight FROM feedback WHERE id = ?');
  return ids.map((id) => get.get(id) as ExampleRow | undefined).filter((r): r is ExampleRow => r !== undefined).map(toExample);
}

/**
 * The last `n` events, oldest first: whether the serving version was wrong (1) or right (0), and
 * which version it was. A server warms its live error rate and drift test with them after a restart.
 */
export function recentOutcomes(db: Db, n: number): { error: number; version: string | null }[] {
  const rows = db.prepare('SELECT error, version FROM feedback ORDER BY id DESC LIMIT ?').all(n) as { error: number; version: string | null }[];
  return rows.reverse();
}

export interface FeedbackSeries {
  /** Bucket width in milliseconds. */
  bucketMs: number;
  buckets: { start: number; count: number; errors: number }[];
}

const WIDTHS = [1_000, 10_000, 60_000, 600_000, 3_600_000, 86_400_000];

/** Feedback volume and error counts over time, in at most `maxBuckets` buckets of a round width. */
export function feedbackSeries(db: Db, maxBuckets = 60): FeedbackSeries {
  const span = db.prepare('SELECT min(created_at) AS first, max(created_at) AS last FROM feedback').get() as { first: number | null; last: number | null };
  if (span.first === null || span.last === null) return { bucketMs: WIDTHS[0], buckets: [] };
  const width = WIDTHS.find((w) => (span.last! - span.first!) / w < maxBuckets) ?? WIDTHS[WIDTHS.length - 1];
  const from = (Math.floor(span.last / width) - maxBuckets + 1) * width;
  const rows = db
    .prepare(
      `SELECT (created_at / CAST(@w AS INTEGER)) * CAST(@w AS INTEGER) AS start, count(*) AS count, sum(error) AS errors
       FROM feedback WHERE created_at >= @from GROUP BY created_at / CAST(@w AS INTEGER) ORDER BY start`,
    )
    .all({ w: width, from }) as { start: number; count: number; errors: number }[];
  return { bucketMs: width, buckets: rows };
}
