/**
 * The registry's SQLite file: opened in WAL mode with full fsync, so a committed transaction
 * survives a killed process or a power cut, and readers never wait for the writer. The schema is
 * versioned with `PRAGMA user_version`.
 */
import type Database from 'better-sqlite3';
import { AccreteError } from '../errors.js';
import { sqliteDriver } from '../util/sqliteDriver.js';
import { sleepSync } from '../util/sleepSync.js';
import { storageError } from '../util/storageFaults.js';

export type Db = Database.Database;

export const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE versions (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  parent TEXT REFERENCES versions(id),
  created_at TEXT NOT NULL,
  fingerprint TEXT,
  options TEXT NOT NULL,
  metrics TEXT NOT NULL,
  decision TEXT NOT NULL,
  path TEXT NOT NULL,
  checksum TEXT NOT NULL,
  labels TEXT NOT NULL,
  job INTEGER REFERENCES jobs(id)
);
CREATE TABLE activations (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  version TEXT NOT NULL REFERENCES versions(id),
  previous TEXT,
  at TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  state TEXT NOT NULL,
  trigger TEXT NOT NULL,
  parent TEXT NOT NULL REFERENCES versions(id),
  version TEXT REFERENCES versions(id),
  options TEXT NOT NULL,
  after_id INTEGER NOT NULL,
  upto_id INTEGER NOT NULL,
  examples INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  finished_at TEXT,
  reasons TEXT,
  metrics TEXT,
  report TEXT,
  error TEXT
);
CREATE TABLE feedback (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  text TEXT NOT NULL,
  labels TEXT NOT NULL,
  weight REAL,
  predicted TEXT,
  score REAL,
  error INTEGER NOT NULL,
  version TEXT,
  created_at INTEGER NOT NULL,
  source TEXT NOT NULL
);
CREATE INDEX feedback_time ON feedback(created_at);
`;

/**
 * Version 2: each feedback event has a state (pending, claimed by a running job, used by a finished
 * one, or quarantined with its reason), replacing the watermark after the last job's largest id,
 * which let a failed job throw its events away; the row that names the one server owning the
 * registry; and when garbage collection removed a version's files (its row stays: jobs and
 * activations name it).
 */
const V2 = `
ALTER TABLE feedback ADD COLUMN state TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE feedback ADD COLUMN job INTEGER REFERENCES jobs(id);
ALTER TABLE feedback ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feedback ADD COLUMN reason TEXT;
CREATE INDEX feedback_state ON feedback(state, id);
CREATE INDEX feedback_job ON feedback(job);
ALTER TABLE jobs ADD COLUMN fault TEXT;
ALTER TABLE versions ADD COLUMN removed_at TEXT;
CREATE TABLE owner (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pid INTEGER NOT NULL,
  started TEXT,
  host TEXT NOT NULL,
  token TEXT NOT NULL,
  since TEXT NOT NULL
);
`;

/** Version 1 kept a watermark: events of accepted and rejected jobs were used; those of failed jobs become pending again. */
function upgradeToV2(db: Db): void {
  db.exec(V2);
  const finished = db.prepare(`SELECT id, after_id, upto_id FROM jobs WHERE state IN ('accepted', 'rejected') ORDER BY id`).all() as { id: number; after_id: number; upto_id: number }[];
  const use = db.prepare(`UPDATE feedback SET state = 'used', job = ? WHERE id > ? AND id <= ? AND state = 'pending'`);
  for (const j of finished) use.run(j.id, j.after_id, j.upto_id);
}

/**
 * Switches a connection to WAL. Of two processes doing it at once on a new file, SQLite answers
 * one SQLITE_BUSY at once, without waiting out the busy timeout; once the other is done the mode
 * is set, so the switch is tried again, a few times.
 */
function toWal(db: Db): void {
  for (let attempt = 1; ; attempt++) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'SQLITE_BUSY' || attempt >= 20) throw err;
      sleepSync(25 * attempt);
    }
  }
}

/** Opens (creating when absent) the registry database at `file`. */
export function openDatabase(file: string, options: { readonly?: boolean; mustExist?: boolean } = {}): Db {
  const Driver = sqliteDriver(); // outside the try: a missing driver is not a bad registry file
  let db: Db;
  try {
    db = new Driver(file, { readonly: options.readonly ?? false, fileMustExist: (options.readonly || options.mustExist) ?? false, timeout: 5000 });
  } catch (cause) {
    throw new AccreteError('BAD_MODEL_FILE', `cannot open the registry ${file}: ${(cause as Error).message}`, { cause });
  }
  try {
    if (!options.readonly) {
      toWal(db);
      // FULL: a feedback event answered with 200 is on disk, whatever happens next.
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    migrate(db, file);
  } catch (err) {
    db.close();
    if (err instanceof AccreteError) throw err;
    const storage = storageError(err);
    if (storage) throw Object.assign(storage, { message: `cannot use ${file} as a registry: ${storage.message}` });
    throw new AccreteError('BAD_MODEL_FILE', `cannot use ${file} as a registry: ${(err as Error).message}`, { cause: err });
  }
  return db;
}

function migrate(db: Db, file: string): void {
  // The version and the tables from one snapshot (a read transaction): of two processes creating
  // one registry, the second could otherwise read version 0 before the first committed its schema
  // and the tables after, and call the new registry "not an Accrete registry".
  const { version, tables } = db.transaction(() => ({
    version: db.pragma('user_version', { simple: true }) as number,
    tables: db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number },
  }))();
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION) throw new AccreteError('BAD_MODEL_FILE', `${file}: registry schema version ${version} is newer than this Accrete reads (${SCHEMA_VERSION}); upgrade accrete`);
  if (version === 0 && tables.n > 0) throw new AccreteError('BAD_MODEL_FILE', `${file} is an SQLite file but not an Accrete registry`);
  if (db.readonly) {
    if (version === 0) throw new AccreteError('BAD_MODEL_FILE', `${file} is not an Accrete registry (empty database)`);
    throw new AccreteError('CONFLICT', `${file} has registry schema version ${version}, older than this Accrete's (${SCHEMA_VERSION}); open it once for writing (accrete serve --registry ${file}) to upgrade it`);
  }
  // Write-locked from its first statement, and the version read again inside: of two processes
  // creating or upgrading one registry at once, the second finds the work done.
  db.transaction(() => {
    const now = db.pragma('user_version', { simple: true }) as number;
    if (now === SCHEMA_VERSION) return;
    if (now === 0) db.exec(SCHEMA);
    upgradeToV2(db);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** Reads a JSON column (null stays null). */
export function fromJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}
