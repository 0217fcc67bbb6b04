/**
 * Feedback events in PostgreSQL, with the states of the SQLite registry (pending, claimed, used,
 * quarantined: feedback.ts there says why a state and not a watermark). A batch of events is one
 * multi-row INSERT in the caller's transaction; ids come back in the order given.
 */
import type { Example } from '../../data/example.js';
import { isError, type FeedbackSeries, type FeedbackState, type QuarantinedEvent } from '../feedback.js';
import type { FeedbackEvent } from '../types.js';
import type { Queryable } from './connect.js';

/** Rows per INSERT statement (PostgreSQL allows 65,535 parameters per statement; 10 per row). */
const ROWS_PER_INSERT = 5000;

export async function insertFeedback(c: Queryable, events: readonly FeedbackEvent[]): Promise<number[]> {
  const ids: number[] = [];
  for (let at = 0; at < events.length; at += ROWS_PER_INSERT) {
    const part = events.slice(at, at + ROWS_PER_INSERT);
    const values: unknown[] = [];
    const rows = part.map((e, i) => {
      values.push(e.text, JSON.stringify(e.labels), e.weight ?? null, e.predicted, e.score, isError(e) ? 1 : 0, e.version, e.createdAt, e.source);
      const b = i * 9;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9})`;
    });
    // RETURNING gives the rows in the order of VALUES (ids from one sequence, taken in order).
    const r = await c.query<{ id: string }>(`INSERT INTO accrete_feedback (text, labels, weight, predicted, score, error, version, created_at, source) VALUES ${rows.join(', ')} RETURNING id`, values);
    ids.push(...r.rows.map((x) => Number(x.id)));
  }
  return ids;
}

export async function countIn(c: Queryable, state: FeedbackState): Promise<number> {
  return Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM accrete_feedback WHERE state = $1', [state])).rows[0].n);
}

export async function feedbackCount(c: Queryable): Promise<number> {
  return Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM accrete_feedback')).rows[0].n);
}

/** Claims every pending event for `job` (rows being inserted by other replicas are not pending yet: they wait for the next job). */
export async function claimPending(c: Queryable, job: number): Promise<{ count: number; first: number; last: number }> {
  const r = await c.query<{ n: string; first: string | null; last: string | null }>(
    `WITH claimed AS (UPDATE accrete_feedback SET state = 'claimed', job = $1 WHERE state = 'pending' RETURNING id)
     SELECT count(*) AS n, min(id) AS first, max(id) AS last FROM claimed`,
    [job],
  );
  const row = r.rows[0];
  return { count: Number(row.n), first: Number(row.first ?? 0), last: Number(row.last ?? 0) };
}

export async function useClaimed(c: Queryable, job: number): Promise<number> {
  return (await c.query(`UPDATE accrete_feedback SET state = 'used' WHERE job = $1 AND state = 'claimed'`, [job])).rowCount ?? 0;
}

export async function releaseClaimed(c: Queryable, job: number, failed: boolean): Promise<number> {
  return (await c.query(`UPDATE accrete_feedback SET state = 'pending', job = NULL, attempts = attempts + $2 WHERE job = $1 AND state = 'claimed'`, [job, failed ? 1 : 0])).rowCount ?? 0;
}

export async function quarantine(c: Queryable, job: number, events: readonly { id: number; reason: string }[]): Promise<void> {
  for (const e of events) await c.query(`UPDATE accrete_feedback SET state = 'quarantined', job = $1, reason = $2 WHERE id = $3 AND state IN ('pending', 'claimed')`, [job, e.reason, e.id]);
}

export async function quarantined(c: Queryable, job?: number, limit = 1000): Promise<QuarantinedEvent[]> {
  const r =
    job === undefined
      ? await c.query<{ id: string; text: string; labels: string; reason: string | null; job: string }>(`SELECT id, text, labels, reason, job FROM accrete_feedback WHERE state = 'quarantined' ORDER BY id LIMIT $1`, [limit])
      : await c.query<{ id: string; text: string; labels: string; reason: string | null; job: string }>(`SELECT id, text, labels, reason, job FROM accrete_feedback WHERE state = 'quarantined' AND job = $1 ORDER BY id LIMIT $2`, [job, limit]);
  return r.rows.map((x) => ({ id: Number(x.id), text: x.text, labels: JSON.parse(x.labels) as string[], reason: x.reason ?? '', job: Number(x.job) }));
}

type ExampleRow = { id: string; text: string; labels: string; weight: number | null };
const toExample = (r: ExampleRow): Example => (r.weight === null ? { text: r.text, labels: JSON.parse(r.labels) as string[] } : { text: r.text, labels: JSON.parse(r.labels) as string[], weight: r.weight });

export async function claimedBy(c: Queryable, job: number): Promise<{ ids: number[]; examples: Example[] }> {
  const rows = (await c.query<ExampleRow>(`SELECT id, text, labels, weight FROM accrete_feedback WHERE job = $1 AND state = 'claimed' ORDER BY id`, [job])).rows;
  return { ids: rows.map((r) => Number(r.id)), examples: rows.map(toExample) };
}

export async function claimedIds(c: Queryable, job: number): Promise<number[]> {
  return (await c.query<{ id: string }>(`SELECT id FROM accrete_feedback WHERE job = $1 AND state = 'claimed' ORDER BY id`, [job])).rows.map((r) => Number(r.id));
}

/** The events with these ids, in the order given (ids that do not exist are left out). */
export async function examplesById(c: Queryable, ids: readonly number[]): Promise<Example[]> {
  const rows = (await c.query<ExampleRow>('SELECT id, text, labels, weight FROM accrete_feedback WHERE id = ANY($1)', [ids])).rows;
  const byId = new Map(rows.map((r) => [Number(r.id), r]));
  return ids.flatMap((id) => (byId.has(id) ? [toExample(byId.get(id)!)] : []));
}

export async function recentOutcomes(c: Queryable, n: number): Promise<{ error: number; version: string | null }[]> {
  return (await c.query<{ error: number; version: string | null }>('SELECT error, version FROM accrete_feedback ORDER BY id DESC LIMIT $1', [n])).rows.reverse();
}

/** Outcomes of the events after id `after` (every replica's), oldest first, and the last id read. */
export async function outcomesAfter(c: Queryable, after: number, limit = 10_000): Promise<{ last: number; outcomes: number[] }> {
  // after < 0: where the stream stands now (nothing read).
  if (after < 0) return { last: Number((await c.query<{ n: string | null }>('SELECT max(id) AS n FROM accrete_feedback')).rows[0].n ?? 0), outcomes: [] };
  const rows = (await c.query<{ id: string; error: number }>('SELECT id, error FROM accrete_feedback WHERE id > $1 ORDER BY id LIMIT $2', [after, limit])).rows;
  return { last: rows.length ? Number(rows[rows.length - 1].id) : after, outcomes: rows.map((r) => r.error) };
}

const WIDTHS = [1_000, 10_000, 60_000, 600_000, 3_600_000, 86_400_000];

export async function feedbackSeries(c: Queryable, maxBuckets = 60): Promise<FeedbackSeries> {
  const span = (await c.query<{ first: string | null; last: string | null }>('SELECT min(created_at) AS first, max(created_at) AS last FROM accrete_feedback')).rows[0];
  if (span.first === null || span.last === null) return { bucketMs: WIDTHS[0], buckets: [] };
  const first = Number(span.first);
  const last = Number(span.last);
  const width = WIDTHS.find((w) => (last - first) / w < maxBuckets) ?? WIDTHS[WIDTHS.length - 1];
  const from = (Math.floor(last / width) - maxBuckets + 1) * width;
  const rows = (
    await c.query<{ start: string; count: string; errors: string }>(
      'SELECT (created_at / $1) * $1 AS start, count(*) AS count, sum(error) AS errors FROM accrete_feedback WHERE created_at >= $2 GROUP BY created_at / $1 ORDER BY start',
      [width, from],
    )
  ).rows;
  return { bucketMs: width, buckets: rows.map((r) => ({ start: Number(r.start), count: Number(r.count), errors: Number(r.errors) })) };
}
