/**
 * What the chaos benchmark checks in a registry, opened read-only beside (or after) the server:
 * SQLite's integrity check, every acknowledged event present with the text it was sent with (an id
 * reused after a lost commit would carry another text), the events by state, claims that no running
 * job holds, and every recorded version loading with its recorded checksum.
 */
import { join, dirname } from 'node:path';
import Database from 'better-sqlite3';
import { loadModel } from '../../store/modelFiles.js';

export interface RegistryCheck {
  integrity: string;
  stored: number;
  /** Acknowledged events not in the feedback table (or there with another text). */
  lost: number;
  lostIds: number[];
  /** Ids acknowledged twice. */
  duplicateAcks: number;
  states: Record<string, number>;
  /** Events claimed by a job that is not running. */
  orphanClaims: number;
  runningJobs: number[];
  jobs: Record<string, number>;
  versions: number;
  active: string | null;
  /** Versions that do not load, or load with another checksum than the one recorded. */
  badVersions: string[];
}

/** Opens `file` read-only for `fn` (the server may be running: WAL readers do not block it). */
export function readRegistry<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The largest job id so far (0 when none). */
export const maxJobId = (file: string) => readRegistry(file, (db) => (db.prepare('SELECT coalesce(max(id), 0) AS n FROM jobs').get() as { n: number }).n);

/** Jobs started before `afterId` still running, and claimed events no running job holds: after a recovery both must be none. */
export function staleClaims(file: string, afterId: number): { staleJobs: number; orphanClaims: number } {
  return readRegistry(file, (db) => ({
    staleJobs: (db.prepare(`SELECT count(*) AS n FROM jobs WHERE state = 'running' AND id <= ?`).get(afterId) as { n: number }).n,
    orphanClaims: (db.prepare(`SELECT count(*) AS n FROM feedback WHERE state = 'claimed' AND (job IS NULL OR job NOT IN (SELECT id FROM jobs WHERE state = 'running'))`).get() as { n: number }).n,
  }));
}

export function checkRegistry(file: string, acked: readonly { id: number; text: string }[], loadVersions = true): RegistryCheck {
  return readRegistry(file, (db) => {
    const integrity = String(db.pragma('integrity_check', { simple: true }));
    const texts = new Map((db.prepare('SELECT id, text FROM feedback').all() as { id: number; text: string }[]).map((r) => [r.id, r.text]));
    const lostIds = acked.filter((a) => texts.get(a.id) !== a.text).map((a) => a.id);
    const states = Object.fromEntries((db.prepare('SELECT state, count(*) AS n FROM feedback GROUP BY state').all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));
    const jobs = Object.fromEntries((db.prepare('SELECT state, count(*) AS n FROM jobs GROUP BY state').all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));
    const runningJobs = (db.prepare(`SELECT id FROM jobs WHERE state = 'running'`).all() as { id: number }[]).map((r) => r.id);
    const orphanClaims = (db.prepare(`SELECT count(*) AS n FROM feedback WHERE state = 'claimed' AND (job IS NULL OR job NOT IN (SELECT id FROM jobs WHERE state = 'running'))`).get() as { n: number }).n;
    const versions = db.prepare('SELECT id, path, checksum FROM versions').all() as { id: string; path: string; checksum: string }[];
    const badVersions: string[] = [];
    if (loadVersions) {
      for (const v of versions) {
        try {
          const sum = loadModel(join(dirname(file), v.path)).source?.weightsChecksum;
          if (sum !== v.checksum) badVersions.push(`${v.id} (checksum ${sum} != recorded ${v.checksum})`);
        } catch (err) {
          badVersions.push(`${v.id} (${(err as Error).message.slice(0, 200)})`);
        }
      }
    }
    const active = (db.prepare(`SELECT value FROM meta WHERE key = 'active'`).get() as { value: string } | undefined)?.value ?? null;
    return {
      integrity,
      stored: texts.size,
      lost: lostIds.length,
      lostIds: lostIds.slice(0, 20),
      duplicateAcks: acked.length - new Set(acked.map((a) => a.id)).size,
      states,
      orphanClaims,
      runningJobs,
      jobs,
      versions: versions.length,
      active,
      badVersions,
    };
  });
}
