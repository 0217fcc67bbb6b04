/**
 * The registry's SQLite file: opened in WAL mode with full fsync, so a committed transaction
 * survives a killed process or a power cut, and readers never wait for the writer. The schema is
 * versioned with `PRAGMA user_version`.
 */
import Database from 'better-sqlite3';
import { AccreteError } from '../errors.js';

export type Db = Database.Database;

export const SCHEMA_VERSION = 1;

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

/** Opens (creating when absent) the registry database at `file`. */
export function openDatabase(file: string, options: { readonly?: boolean; mustExist?: boolean } = {}): Db {
  let db: Db;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: (options.readonly || options.mustExist) ?? false, timeout: 5000 });
  } catch (cause) {
    throw new AccreteError('BAD_MODEL_FILE', `cannot open the registry ${file}: ${(cause as Error).message}`, { cause });
  }
  try {
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // FULL: a feedback event answered with 200 is on disk, whatever happens next.
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    migrate(db, file);
  } catch (err) {
    db.close();
    if (err instanceof AccreteError) throw err;
    throw new AccreteError('BAD_MODEL_FILE', `cannot use ${file} as a registry: ${(err as Error).message}`, { cause: err });
  }
  return db;
}

function migrate(db: Db, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version === SCHEMA_VERSION) return;
  if (version > SCHEMA_VERSION) throw new AccreteError('BAD_MODEL_FILE', `${file}: registry schema version ${version} is newer than this Accrete reads (${SCHEMA_VERSION}); upgrade accrete`);
  const tables = db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number };
  if (version === 0 && tables.n > 0) throw new AccreteError('BAD_MODEL_FILE', `${file} is an SQLite file but not an Accrete registry`);
  if (db.readonly) throw new AccreteError('BAD_MODEL_FILE', `${file} is not an Accrete registry (empty database)`);
  db.transaction(() => {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

/** Reads a JSON column (null stays null). */
export function fromJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}
