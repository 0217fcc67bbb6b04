/**
 * One server per registry: the server that owns a registry has its row in the `owner` table,
 * claimed in an immediate transaction (SQLite's write lock makes the check and the claim one step,
 * so of two servers starting together exactly one wins) and checked again inside every transaction
 * that writes feedback or versions (a server that lost the row cannot write). The row names the
 * owner's host, pid and the process's start time, so a dead owner (gone, a zombie not yet reaped
 * after kill -9, or its pid reused by another process) never blocks a restart.
 * Node 20 has no flock; a lock file beside the database needs a remove-then-create that two
 * starters can both win, which is why the database itself holds the claim.
 */
import { randomBytes } from 'node:crypto';
import { claimantAlive, thisProcess } from '../util/processLiveness.js';
import { AccreteError } from '../errors.js';
import type { Db } from './db.js';

export interface Owner {
  pid: number;
  /** The process's start time (Linux: clock ticks after boot, /proc/PID/stat field 22), null elsewhere. */
  started: string | null;
  host: string;
  token: string;
  since: string;
}

/** Whether the owner recorded in the row may still be running (util/processLiveness.ts). */
function ownerAlive(o: Owner): boolean {
  return claimantAlive({ host: o.host, pid: o.pid, start: o.started });
}

export function currentOwner(db: Db): Owner | null {
  return (db.prepare('SELECT pid, started, host, token, since FROM owner WHERE id = 1').get() as Owner | undefined) ?? null;
}

/** Claims the registry for this process; returns the claim's token. Throws CONFLICT while a live owner holds it. */
export function claimOwnership(db: Db, file: string): string {
  const me = thisProcess();
  const token = randomBytes(12).toString('hex');
  db.transaction(() => {
    const o = currentOwner(db);
    if (o && ownerAlive(o)) {
      const who = o.host === me.host ? `pid ${o.pid}` : `pid ${o.pid} on ${o.host}`;
      throw new AccreteError('CONFLICT', `another accrete serve (${who}, since ${o.since}) uses the registry ${file}; stop it first, or give this server its own --registry`);
    }
    db.prepare(`INSERT OR REPLACE INTO owner (id, pid, started, host, token, since) VALUES (1, ?, ?, ?, ?, ?)`).run(me.pid, me.start, me.host, token, new Date().toISOString());
  }).immediate();
  return token;
}

/** Gives the registry up, only if this claim still holds it. */
export function releaseOwnership(db: Db, token: string): void {
  db.prepare('DELETE FROM owner WHERE id = 1 AND token = ?').run(token);
}

/** Inside a write transaction: throws CONFLICT unless `token` still owns the registry. */
export function assertOwner(db: Db, token: string): void {
  const o = currentOwner(db);
  if (o?.token !== token) throw new AccreteError('CONFLICT', `this server no longer owns the registry${o ? ` (pid ${o.pid} on ${o.host} took it over)` : ''}; nothing was written`);
}
