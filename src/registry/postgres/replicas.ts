/**
 * The replicas table: each serving process reports its version, since when, and how long after
 * that version's activation it began serving it; /v1/health lists the ones seen recently.
 */
import { hostname } from 'node:os';
import type { ReplicaInfo } from '../store.js';
import type { Queryable } from './connect.js';

/** A replica that has not reported for this long is left out of /v1/health. */
const REPLICA_STALE_S = 30;

export interface ReplicaReport {
  id: string;
  role: string;
  serving: { id: string; since: Date } | null;
}

/** Inserts or refreshes this replica's row. */
export async function reportReplica(c: Queryable, r: ReplicaReport): Promise<void> {
  await c.query(
    `INSERT INTO accrete_replicas (id, host, pid, role, version, serving_since, lag_ms, seen_at)
     VALUES ($1, $2, $3, $4, $5::text, $6::timestamptz,
             greatest(0, extract(epoch FROM ($6::timestamptz - (SELECT max(committed_at) FROM accrete_activations WHERE version = $5::text))) * 1000), now())
     ON CONFLICT (id) DO UPDATE SET role = excluded.role, version = excluded.version, serving_since = excluded.serving_since, lag_ms = excluded.lag_ms, seen_at = now()`,
    [r.id, hostname(), process.pid, r.role, r.serving?.id ?? null, r.serving?.since ?? null],
  );
}

/** The replicas seen recently, oldest first; the lag is known only for one serving the active version. */
export async function listReplicas(c: Queryable): Promise<ReplicaInfo[]> {
  const r = await c.query<{ id: string; host: string; pid: number; role: string; version: string | null; lag_ms: number | null; seen_at: Date; active: string | null }>(
    `SELECT r.*, (SELECT value FROM accrete_meta WHERE key = 'active') AS active FROM accrete_replicas r WHERE r.seen_at > now() - make_interval(secs => $1) ORDER BY r.started_at`,
    [REPLICA_STALE_S],
  );
  return r.rows.map((x) => ({
    id: x.id,
    host: x.host,
    pid: x.pid,
    role: x.role,
    version: x.version,
    lagMs: x.version === x.active && x.lag_ms !== null ? Math.round(x.lag_ms) : null,
    behind: x.version !== x.active,
    seenAt: x.seen_at.toISOString(),
    updater: x.role.endsWith('(updater)'),
  }));
}

export async function removeReplica(c: Queryable, id: string): Promise<void> {
  await c.query('DELETE FROM accrete_replicas WHERE id = $1', [id]);
}
