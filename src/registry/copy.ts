/**
 * `accrete registry copy`: a whole registry from SQLite to PostgreSQL or back, with every version
 * (rows and model files), the activation history, every feedback event (state, job, attempts) and
 * every job, ids kept. The destination must hold no registry data yet (two registries never mix).
 * At the end both sides are read again and compared: counts per table, a SHA-256 of each table's
 * rows, and each kept version's files by their SHA-256.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { AccreteError } from '../errors.js';
import { copyModelDir } from './files.js';
import { isPostgresUrl } from './open.js';
import { Registry } from './registry.js';
import { listFiles, sha256File } from './postgres/blobs.js';
import type { PostgresStore } from './postgres/store.js';

export const TABLES = {
  versions: ['seq', 'id', 'parent', 'created_at', 'fingerprint', 'options', 'metrics', 'decision', 'path', 'checksum', 'labels', 'job', 'removed_at'],
  activations: ['seq', 'version', 'previous', 'at', 'reason'],
  jobs: ['id', 'state', 'trigger', 'parent', 'version', 'options', 'after_id', 'upto_id', 'examples', 'created_at', 'finished_at', 'reasons', 'metrics', 'report', 'error', 'fault'],
  feedback: ['id', 'text', 'labels', 'weight', 'predicted', 'score', 'error', 'version', 'created_at', 'source', 'state', 'job', 'attempts', 'reason'],
} as const;
export type Table = keyof typeof TABLES;
/** Integer columns (PostgreSQL returns bigint as text). */
const NUMERIC: Record<Table, ReadonlySet<string>> = {
  versions: new Set(['seq', 'job']),
  activations: new Set(['seq']),
  jobs: new Set(['id', 'after_id', 'upto_id', 'examples']),
  feedback: new Set(['id', 'error', 'created_at', 'job', 'attempts']),
};

type Row = Record<string, unknown>;

export interface Contents {
  rows: Record<Table, Row[]>;
  active: string | null;
}

export interface Summary {
  counts: Record<Table, number>;
  digests: Record<Table, string>;
  active: string | null;
  /** Each kept version's files: name -> SHA-256. */
  files: Record<string, Record<string, string>>;
}

/** A row with its values in one canonical form (numbers as numbers, whatever the database). */
function canonical(table: Table, r: Row): Row {
  const out: Row = {};
  for (const col of TABLES[table]) {
    const v = r[col];
    out[col] = v === null || v === undefined ? null : NUMERIC[table].has(col) ? Number(v) : v;
  }
  if (table === 'jobs' && out.parent === '') out.parent = null;
  return out;
}

const KEY: Record<Table, string> = { versions: 'seq', activations: 'seq', jobs: 'id', feedback: 'id' };

/** One side of a copy: reads and writes rows and model files. */
interface Side {
  read(): Promise<Contents>;
  /** The files of a kept version, in a local directory (fetched when needed). */
  dirOf(id: string): Promise<string>;
  write(c: Contents, filesFrom: (id: string) => Promise<string>): Promise<void>;
  /** Whether the side already holds registry data. */
  holdsData(): Promise<boolean>;
  files(id: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

function sqliteSide(file: string, create: boolean): Side {
  const reg = Registry.open(file, create ? {} : { mustExist: true });
  const db = reg.db;
  return {
    async read() {
      const rows = {} as Record<Table, Row[]>;
      for (const t of Object.keys(TABLES) as Table[]) rows[t] = (db.prepare(`SELECT ${TABLES[t].join(', ')} FROM ${t} ORDER BY ${KEY[t]}`).all() as Row[]).map((r) => canonical(t, r));
      return { rows, active: reg.activeId() };
    },
    async dirOf(id) {
      return reg.dirOf(id);
    },
    async holdsData() {
      return (db.prepare('SELECT (SELECT count(*) FROM versions) + (SELECT count(*) FROM feedback) + (SELECT count(*) FROM jobs) AS n').get() as { n: number }).n > 0;
    },
    async write(c, filesFrom) {
      for (const v of c.rows.versions) if (!v.removed_at) copyModelDir(await filesFrom(v.id as string), reg.dirOf(v.id as string));
      db.pragma('foreign_keys = OFF');
      try {
        db.transaction(() => {
          for (const t of ['jobs', 'versions', 'activations', 'feedback'] as Table[]) {
            const cols = TABLES[t];
            const insert = db.prepare(`INSERT INTO ${t} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
            for (const r of c.rows[t]) insert.run(...cols.map((k) => r[k] as never));
          }
          if (c.active) db.prepare(`INSERT INTO meta (key, value) VALUES ('active', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(c.active);
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length) throw new AccreteError('BAD_MODEL_FILE', `the copied rows do not hold together (${broken.length} foreign key problem(s)); nothing was written`);
        })();
      } finally {
        db.pragma('foreign_keys = ON');
      }
    },
    async files(id) {
      const dir = reg.dirOf(id);
      return Object.fromEntries(listFiles(dir).map((n) => [n, sha256File(join(dir, n))]));
    },
    async close() {
      reg.close();
    },
  };
}

async function postgresSide(url: string, create: boolean, cache: string): Promise<Side> {
  const { PostgresStore: Store } = await import('./postgres/store.js');
  const store: PostgresStore = await Store.open(url, { cache, mustExist: !create, role: 'serve' });
  const q = <T extends Row>(sql: string, params: unknown[] = []) => store.query<T>(sql, params);
  return {
    async read() {
      const rows = {} as Record<Table, Row[]>;
      for (const t of Object.keys(TABLES) as Table[]) rows[t] = (await q(`SELECT ${TABLES[t].join(', ')} FROM accrete_${t} ORDER BY ${KEY[t]}`)).map((r) => canonical(t, r));
      return { rows, active: await store.activeId() };
    },
    async dirOf(id) {
      await store.ensureLocal(id);
      return store.dirOf(id);
    },
    async holdsData() {
      const r = await q<{ n: string }>('SELECT (SELECT count(*) FROM accrete_versions) + (SELECT count(*) FROM accrete_feedback) + (SELECT count(*) FROM accrete_jobs) AS n');
      return Number(r[0].n) > 0;
    },
    async write(c, filesFrom) {
      const uploaded = new Map<string, Awaited<ReturnType<PostgresStore['uploadFiles']>>>();
      for (const v of c.rows.versions) if (!v.removed_at) uploaded.set(v.id as string, await store.uploadFiles(await filesFrom(v.id as string)));
      await store.transaction(async (tx) => {
        for (const t of ['jobs', 'versions', 'activations', 'feedback'] as Table[]) {
          const cols = TABLES[t];
          for (const r of c.rows[t]) await tx(`INSERT INTO accrete_${t} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, cols.map((k) => r[k]));
          if (t === 'versions') for (const [id, files] of uploaded) for (const f of files) await tx('INSERT INTO accrete_version_files (version, name, hash, bytes) VALUES ($1, $2, $3, $4)', [id, f.name, f.hash, f.bytes]);
        }
        if (c.active) await tx(`INSERT INTO accrete_meta (key, value) VALUES ('active', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [c.active]);
        // The sequences go on after the copied ids.
        await tx(`SELECT setval('accrete_version_seq', greatest(1, (SELECT coalesce(max(seq), 0) FROM accrete_versions)), (SELECT count(*) > 0 FROM accrete_versions))`);
        for (const [table, col] of [['jobs', 'id'], ['feedback', 'id'], ['activations', 'seq']]) {
          await tx(`SELECT setval(pg_get_serial_sequence('accrete_${table}', '${col}'), greatest(1, (SELECT coalesce(max(${col}), 0) FROM accrete_${table})), (SELECT count(*) > 0 FROM accrete_${table}))`);
        }
      });
    },
    async files(id) {
      const r = await q<{ name: string; hash: string }>('SELECT name, hash FROM accrete_version_files WHERE version = $1 ORDER BY name', [id]);
      return Object.fromEntries(r.map((x) => [x.name, x.hash]));
    },
    async close() {
      await store.close();
    },
  };
}

async function summarize(side: Side): Promise<Summary> {
  const c = await side.read();
  const counts = {} as Record<Table, number>;
  const digests = {} as Record<Table, string>;
  for (const t of Object.keys(TABLES) as Table[]) {
    counts[t] = c.rows[t].length;
    const h = createHash('sha256');
    for (const r of c.rows[t]) h.update(JSON.stringify(TABLES[t].map((k) => r[k])) + '\n');
    digests[t] = h.digest('hex');
  }
  const files: Summary['files'] = {};
  for (const v of c.rows.versions) if (!v.removed_at) files[v.id as string] = await side.files(v.id as string);
  return { counts, digests, active: c.active, files };
}

export interface CopyResult {
  from: Summary;
  to: Summary;
  /** What differs (empty: the copy is whole). */
  differences: string[];
}

/** Copies registry `from` into `to` (one a SQLite file, the other a postgres:// URL, or both of one kind). */
export async function copyRegistry(from: string, to: string): Promise<CopyResult> {
  const scratch = mkdtempSync(join(tmpdir(), 'accrete-copy-'));
  const open = (spec: string, create: boolean, name: string) => (isPostgresUrl(spec) ? postgresSide(spec, create, join(scratch, name)) : Promise.resolve(sqliteSide(spec, create)));
  const source = await open(from, false, 'from');
  let target: Side | null = null;
  try {
    target = await open(to, true, 'to');
    if (await target.holdsData()) throw new AccreteError('CONFLICT', `${isPostgresUrl(to) ? 'the database' : to} already holds a registry's data; copy into an empty one (two registries never mix)`);
    const contents = await source.read();
    await target.write(contents, (id) => source.dirOf(id));
    const a = await summarize(source);
    const b = await summarize(target);
    const differences: string[] = [];
    for (const t of Object.keys(TABLES) as Table[]) {
      if (a.counts[t] !== b.counts[t]) differences.push(`${t}: ${a.counts[t]} rows in the source, ${b.counts[t]} in the copy`);
      else if (a.digests[t] !== b.digests[t]) differences.push(`${t}: the rows differ (SHA-256 ${a.digests[t].slice(0, 12)} against ${b.digests[t].slice(0, 12)})`);
    }
    if (a.active !== b.active) differences.push(`active version: ${a.active} in the source, ${b.active} in the copy`);
    for (const [id, files] of Object.entries(a.files)) if (JSON.stringify(files) !== JSON.stringify(b.files[id])) differences.push(`version ${id}: its files differ`);
    return { from: a, to: b, differences };
  } finally {
    await source.close();
    await target?.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
