/**
 * Connections to the registry's PostgreSQL: the pg driver loaded on first use (an optional peer
 * dependency, like better-sqlite3), a pool for requests and jobs, the connection string shown
 * without its password, and PostgreSQL's connection failures told apart as storage faults (503
 * with Retry-After; the pool reconnects on the next query) from everything else.
 * `sslmode` and every other parameter of the connection string go to the driver as given.
 */
import { createRequire } from 'node:module';
import type pg from 'pg';
import { AccreteError, StorageError, UsageError } from '../../errors.js';

/** The major version our PostgreSQL registry is written and tested against. */
export const PG_DRIVER = 'pg@8';

let driver: typeof pg | null = null;

/** The pg module; an AccreteError saying how to install it when it is missing. */
export function pgDriver(): typeof pg {
  if (driver !== null) return driver;
  try {
    driver = createRequire(import.meta.url)('pg') as typeof pg;
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw cause;
    throw new AccreteError('UNAVAILABLE', `a PostgreSQL registry (--registry postgres://...) needs the pg driver, an optional dependency that is not installed: npm install ${PG_DRIVER}`, { cause });
  }
  return driver;
}

/** The connection string as messages show it: no password. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
}

/** Checks the connection string's shape (a wrong one stops `serve` with exit 2, before any connection). */
export function checkUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--registry ${redact(url)} is not a valid connection string; write postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=require]`);
  }
  if (!/^postgres(ql)?:$/.test(u.protocol)) throw new UsageError(`--registry ${redact(url)}: the scheme must be postgres:// or postgresql://`);
  if (u.pathname.length <= 1) throw new UsageError(`--registry ${redact(url)} names no database; write postgres://USER@HOST:PORT/DATABASE`);
}

/** SQLSTATE classes and driver errors that mean "the server is not there" rather than "the query is wrong". */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300']);

/** Whether `err` says PostgreSQL is unreachable (down, restarting, the connection cut). */
export function isUnreachable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e) return false;
  if (typeof e.code === 'string' && (UNREACHABLE_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  const m = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connection is closed|Client has encountered a connection error|timeout exceeded when trying to connect|Client was closed/i.test(m);
}

/** `err` as a StorageError when PostgreSQL is unreachable; itself otherwise. */
export function asStorageFault(err: unknown, label: string): unknown {
  if (err instanceof AccreteError || !isUnreachable(err)) return err;
  return new StorageError('unreachable', `the registry database ${label} does not answer (${(err as Error).message}); feedback and versions are refused until it is back (predictions go on); the server reconnects by itself`, { cause: err });
}

/** Why the first connection failed, as a message a user can act on (exit 2: the connection string is wrong, or the server is not there). */
export function connectError(err: unknown, label: string): UsageError {
  const e = err as { code?: string; message?: string };
  const why =
    e.code === '3D000'
      ? 'no such database (create it first: createdb NAME)'
      : e.code === '28P01' || e.code === '28000'
        ? 'authentication failed (check the user and password)'
        : e.code === 'ECONNREFUSED'
          ? 'nothing listens there (is PostgreSQL running, on that host and port?)'
          : e.code === 'ENOTFOUND'
            ? 'no such host'
            : (e.message ?? String(err));
  return new UsageError(`cannot connect to the registry database ${label}: ${why}`);
}

export function newPool(url: string, max = 8): pg.Pool {
  const { Pool } = pgDriver();
  const pool = new Pool({ connectionString: url, max, keepAlive: true, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000, application_name: 'accrete' });
  // An idle client whose server went away: the pool drops it; the next query connects anew.
  pool.on('error', () => undefined);
  return pool;
}

/** A connection of its own (not from the pool): the updater lock's and the listener's. TCP keepalives on. */
export function newClient(url: string): pg.Client {
  const { Client } = pgDriver();
  return new Client({ connectionString: url, keepAlive: true, keepAliveInitialDelayMillis: 10_000, connectionTimeoutMillis: 5000, application_name: 'accrete' });
}

export type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * Runs `fn` on a client checked out of the pool, then gives it back. While checked out, a client
 * has no 'error' listener of the pool's: when the server ends its connection (a restart, `pg_ctl
 * stop -m immediate`, pg_terminate_backend), the pg driver emits 'error' on it, which without a
 * listener kills the process. Ours marks the client broken (so the pool drops it); the query in
 * flight, or the next one, fails with the cause, which asStorageFault tells as the database being down.
 */
export async function withClient<T>(pool: pg.Pool, fn: (c: pg.PoolClient, markBroken: () => void) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken = false;
  const markBroken = () => {
    broken = true;
  };
  c.on('error', markBroken);
  try {
    return await fn(c, markBroken);
  } finally {
    c.removeListener('error', markBroken);
    c.release(broken || undefined);
  }
}

/** Runs `fn` in one transaction on a client of the pool (rolled back when it throws; see withClient). */
export function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (c, markBroken) => {
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      try {
        await c.query('ROLLBACK');
      } catch {
        markBroken();
      }
      throw err;
    }
  });
}
