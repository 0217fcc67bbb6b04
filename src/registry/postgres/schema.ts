/**
 * The registry's tables in PostgreSQL, created and upgraded by numbered migrations. The schema's
 * version and the oldest version of Accrete's schema that can still use it (`min_reader`) are rows
 * of accrete_meta: a migration that only adds (columns with defaults, tables, indexes) keeps
 * min_reader, so replicas can be upgraded one at a time; a database whose min_reader is newer than
 * this code's schema is refused. Migrations run in one transaction under an advisory lock, so two
 * replicas starting together migrate once. Every table is prefixed accrete_, and the database
 * records its registry's id: a replica whose cache belongs to another registry is refused.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { AccreteError, UsageError } from '../../errors.js';
import { inTransaction } from './connect.js';

export const PG_SCHEMA_VERSION = 1;

/** Each migration takes the schema from its index to its index + 1; `minReader` is the schema it leaves readable by. */
const MIGRATIONS: { sql: string; minReader: number }[] = [
  {
    minReader: 1,
    sql: `
CREATE TABLE accrete_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE SEQUENCE accrete_version_seq;
CREATE TABLE accrete_versions (
  seq bigint PRIMARY KEY,
  id text NOT NULL UNIQUE,
  parent text REFERENCES accrete_versions(id),
  created_at text NOT NULL,
  fingerprint text,
  options text NOT NULL,
  metrics text NOT NULL,
  decision text NOT NULL,
  path text NOT NULL,
  checksum text NOT NULL,
  labels text NOT NULL,
  job bigint,
  removed_at text
);
CREATE TABLE accrete_activations (
  seq bigserial PRIMARY KEY,
  version text NOT NULL REFERENCES accrete_versions(id),
  previous text,
  at text NOT NULL,
  reason text NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE accrete_jobs (
  id bigserial PRIMARY KEY,
  state text NOT NULL,
  trigger text NOT NULL,
  parent text,
  version text,
  options text NOT NULL,
  after_id bigint NOT NULL DEFAULT 0,
  upto_id bigint NOT NULL DEFAULT 0,
  examples integer NOT NULL DEFAULT 0,
  created_at text NOT NULL,
  finished_at text,
  reasons text,
  metrics text,
  report text,
  error text,
  fault text,
  fence bigint
);
CREATE TABLE accrete_feedback (
  id bigserial PRIMARY KEY,
  text text NOT NULL,
  labels text NOT NULL,
  weight double precision,
  predicted text,
  score double precision,
  error integer NOT NULL,
  version text,
  created_at bigint NOT NULL,
  source text NOT NULL,
  state text NOT NULL DEFAULT 'pending',
  job bigint,
  attempts integer NOT NULL DEFAULT 0,
  reason text
);
CREATE INDEX accrete_feedback_state ON accrete_feedback(state, id);
CREATE INDEX accrete_feedback_job ON accrete_feedback(job);
CREATE INDEX accrete_feedback_time ON accrete_feedback(created_at);
CREATE TABLE accrete_blobs (
  hash text PRIMARY KEY,
  bytes bigint NOT NULL,
  chunks integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE accrete_blob_chunks (
  hash text NOT NULL REFERENCES accrete_blobs(hash) ON DELETE CASCADE,
  n integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (hash, n)
);
CREATE TABLE accrete_version_files (
  version text NOT NULL REFERENCES accrete_versions(id),
  name text NOT NULL,
  hash text NOT NULL REFERENCES accrete_blobs(hash),
  bytes bigint NOT NULL,
  PRIMARY KEY (version, name)
);
CREATE INDEX accrete_version_files_hash ON accrete_version_files(hash);
CREATE TABLE accrete_replicas (
  id text PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  role text NOT NULL,
  version text,
  serving_since timestamptz,
  lag_ms double precision,
  started_at timestamptz NOT NULL DEFAULT now(),
  seen_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
];

/** The advisory lock key of migrations (the updater's is another). */
const MIGRATE_LOCK = 0x61636372; // "accr"

export interface SchemaState {
  version: number;
  minReader: number;
  registryId: string | null;
}

async function meta(c: pg.ClientBase, key: string): Promise<string | null> {
  const r = await c.query<{ value: string }>('SELECT value FROM accrete_meta WHERE key = $1', [key]);
  return r.rows[0]?.value ?? null;
}

/** The schema of the database (version 0: no registry in it). */
export async function schemaState(c: pg.ClientBase): Promise<SchemaState> {
  const t = await c.query<{ n: string }>(`SELECT count(*) AS n FROM pg_tables WHERE tablename = 'accrete_meta' AND schemaname = current_schema()`);
  if (Number(t.rows[0].n) === 0) return { version: 0, minReader: 0, registryId: null };
  return { version: Number((await meta(c, 'schema_version')) ?? 0), minReader: Number((await meta(c, 'min_reader')) ?? 0), registryId: await meta(c, 'registry_id') };
}

/** Refuses a schema this code cannot use; `label` names the database. */
export function checkReadable(s: SchemaState, label: string): void {
  if (s.minReader > PG_SCHEMA_VERSION) {
    throw new UsageError(`the registry database ${label} has schema version ${s.version}, which needs an Accrete that reads schema ${s.minReader} or newer (this one reads ${PG_SCHEMA_VERSION}); upgrade accrete`);
  }
}

/**
 * Brings the database to this code's schema (creating the registry when empty); returns the
 * migrations applied. `create`: false refuses an empty database (accrete models, a read).
 */
export async function migrate(pool: pg.Pool, label: string, create = true): Promise<{ from: number; to: number; registryId: string }> {
  return inTransaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
    const s = await schemaState(c);
    checkReadable(s, label);
    if (s.version === 0) {
      const other = await c.query<{ n: string }>(`SELECT count(*) AS n FROM pg_tables WHERE tablename LIKE 'accrete\\_%' AND schemaname = current_schema()`);
      if (Number(other.rows[0].n) > 0) throw new AccreteError('BAD_MODEL_FILE', `the database ${label} holds accrete_ tables but no registry metadata; it is not an Accrete registry (or a damaged one)`);
      if (!create) throw new AccreteError('NOT_FOUND', `no registry in the database ${label} (accrete registry migrate --registry URL creates one)`);
    }
    for (let v = s.version; v < PG_SCHEMA_VERSION; v++) {
      await c.query(MIGRATIONS[v].sql);
      await c.query(`INSERT INTO accrete_meta (key, value) VALUES ('min_reader', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [String(MIGRATIONS[v].minReader)]);
    }
    if (s.version < PG_SCHEMA_VERSION) await c.query(`INSERT INTO accrete_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [String(PG_SCHEMA_VERSION)]);
    let registryId = s.registryId;
    if (registryId === null) {
      registryId = randomUUID();
      await c.query(`INSERT INTO accrete_meta (key, value) VALUES ('registry_id', $1), ('fence', '0')`, [registryId]);
    }
    return { from: s.version, to: Math.max(s.version, PG_SCHEMA_VERSION), registryId };
  });
}
