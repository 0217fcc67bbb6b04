/**
 * One updater at a time: the replica that holds a PostgreSQL advisory lock, taken on a connection
 * of its own (not the pool's: a session lock lives and dies with its connection; TCP keepalives
 * on, so a dead peer is noticed). Taking the lock bumps the registry's fencing token; every job
 * commit checks, in its transaction, that the token is still the one it took (fence.ts), so an
 * updater that lost its connection, and with it the lock, cannot commit even if it does not know yet.
 */
import type pg from 'pg';
import { AccreteError } from '../../errors.js';
import { newClient, type Queryable } from './connect.js';

/** The advisory lock key of the updater (two int4 keys: "accr", "updt"). */
const KEYS = [0x61636372, 0x75706474] as const;

export class UpdaterLock {
  private client: pg.Client | null = null;
  private token: number | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly onLost: (why: string) => void,
  ) {}

  /** The fencing token while this process holds the lock; null otherwise. */
  get fence(): number | null {
    return this.token;
  }

  /**
   * Tries once to take the lock (without waiting); on success bumps the fencing token and runs
   * `taken` (the recovery of a dead updater's jobs) before any job. Returns whether it holds the lock.
   */
  async tryTake(taken: (fence: number) => Promise<void>): Promise<boolean> {
    if (this.closed) return false;
    if (this.token !== null) return true;
    const client = newClient(this.url);
    client.on('error', (err) => this.lose(`the updater connection failed: ${err.message}`));
    client.on('end', () => this.lose('the updater connection closed'));
    try {
      await client.connect();
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [...KEYS]);
      if (!r.rows[0].ok) {
        await client.end().catch(() => undefined);
        return false;
      }
      const f = await client.query<{ value: string }>(`UPDATE accrete_meta SET value = (value::bigint + 1)::text WHERE key = 'fence' RETURNING value`);
      this.client = client;
      this.token = Number(f.rows[0].value);
      await taken(this.token);
      return true;
    } catch (err) {
      this.client = null;
      this.token = null;
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  private lose(why: string): void {
    if (this.token === null && this.client === null) return;
    const had = this.token;
    this.token = null;
    this.client = null;
    if (had !== null && !this.closed) this.onLost(why);
  }

  /** Gives the lock up (closing its connection releases it). */
  async release(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    this.token = null;
    await c?.end().catch(() => undefined);
  }
}

/** Inside a job's transaction: throws CONFLICT unless `fence` is still the registry's fencing token. */
export async function checkFence(c: Queryable, fence: number | null): Promise<void> {
  const r = await c.query<{ value: string }>(`SELECT value FROM accrete_meta WHERE key = 'fence' FOR SHARE`);
  const now = Number(r.rows[0]?.value ?? -1);
  if (fence === null) throw new AccreteError('CONFLICT', 'this replica does not hold the updater lock; nothing was written (the updater replica runs update jobs)');
  if (now !== fence) throw new AccreteError('CONFLICT', `this replica lost the updater lock (fencing token ${fence}, the registry's is now ${now}: another replica took over); nothing was written`);
}
