/**
 * Feedback events, numbered in arrival order. An update job takes every event up to the newest
 * (ids after_id < id <= upto_id); a job that ends (accepted, rejected or failed) moves the
 * watermark to its upto_id, so each event is learned from at most once, while a job interrupted by
 * a crash or a shutdown moves nothing and its events stay pending. Claiming and finishing a job
 * touch no feedback row: O(1) on the server's thread, however much feedback is waiting.
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

/** The id up to which finished jobs have used the feedback. */
export function watermark(db: Db): number {
  return (db.prepare(`SELECT coalesce(max(upto_id), 0) AS w FROM jobs WHERE state IN ('accepted', 'rejected', 'failed')`).get() as { w: number }).w;
}

export function newestId(db: Db): number {
  return (db.prepare('SELECT coalesce(max(id), 0) AS id FROM feedback').get() as { id: number }).id;
}

export function pendingCount(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM feedback WHERE id > ?').get(watermark(db)) as { n: number }).n;
}

export function feedbackCount(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM feedback').get() as { n: number }).n;
}

export function countRange(db: Db, after: number, upto: number): number {
  return (db.prepare('SELECT count(*) AS n FROM feedback WHERE id > ? AND id <= ?').get(after, upto) as { n: number }).n;
}

/** The events with after < id <= upto as examples, oldest first. */
export function examplesIn(db: Db, after: number, upto: number): Example[] {
  const rows = db.prepare('SELECT text, labels, weight FROM feedback WHERE id > ? AND id <= ? ORDER BY id').all(after, upto) as { text: string; labels: string; weight: number | null }[];
  return rows.map((r) => (r.weight === null ? { text: r.text, labels: JSON.parse(r.labels) as string[] } : { text: r.text, labels: JSON.parse(r.labels) as string[], weight: r.weight }));
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
