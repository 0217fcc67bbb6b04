/**
 * One writer per model directory, without flock (Node 20 has none): a lock file beside the directory
 * (`.NAME.accrete-lock`, a sibling, so that the directory swap of writeDirAtomic does not take it
 * along) naming its owner: host, pid, the process's start time (Linux; it tells a reused pid from
 * the owner) and a random token.
 *
 * - Taking a free lock is one link(2) of a fully written temporary file: it fails with EEXIST when
 *   the lock exists, and nobody ever sees a half-written lock.
 * - A lock whose owner is dead (no such pid on this host, or the pid now belongs to a process that
 *   started at another time) is stale and is taken over atomically: never "remove, then create"
 *   (two contenders could both remove and both create). A contender first claims the stale lock by
 *   linking `LOCK.claim-KEY` (KEY: a hash of the stale lock's bytes, so every contender that saw the
 *   same stale lock races for the same name and exactly one wins); the winner checks that the lock
 *   still holds those bytes and renames its own lock over it. A claim whose owner died is itself
 *   stale and is taken over the same way (its claim is `LOCK.claim-KEY.claim-KEY2`).
 * - Release removes the lock only while it still holds our token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { claimantAlive, processStart, thisProcess, type Claimant } from '../util/processLiveness.js';
import { basename, dirname, join, resolve } from 'node:path';
import { ModelLockedError } from '../errors.js';
import { sleepSync } from '../util/sleepSync.js';

/** Who holds a lock. */
export interface LockOwner extends Claimant {
  token: string;
  /** What the owner is doing, for messages ("accrete update"). */
  what: string;
  /** When it took the lock (ISO time). */
  since: string;
}

/** The lock file of a directory: a hidden sibling named for Accrete. */
export function lockPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.accrete-lock`);
}

export { processStart };

/**
 * Whether the owner of a lock may still be running (util/processLiveness.ts: a gone, zombie or
 * reused pid is dead; an owner on another host counts as alive).
 */
export function ownerAlive(owner: LockOwner | null): boolean {
  if (owner === null) return false; // unreadable lock: nobody can be waiting on it
  return claimantAlive(owner);
}

/** A lock file as read: its bytes' hash (which names its claim), its owner (null when unreadable). */
interface Entry {
  key: string;
  owner: LockOwner | null;
}

function parseOwner(raw: string): LockOwner | null {
  try {
    const o = JSON.parse(raw) as Partial<LockOwner> | null;
    if (!o || typeof o.pid !== 'number' || typeof o.token !== 'string' || typeof o.host !== 'string') return null;
    return { host: o.host, pid: o.pid, start: typeof o.start === 'string' ? o.start : null, token: o.token, what: String(o.what ?? 'a writer'), since: String(o.since ?? '') };
  } catch {
    return null;
  }
}

/** The entry at `path`, or null when there is none. */
function readEntry(path: string): Entry | null {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return { key: createHash('sha256').update(raw).digest('hex').slice(0, 24), owner: parseOwner(raw) };
}

/** Writes `content` to a fresh temporary file beside `path`, for link or rename. */
function tempFile(path: string, content: string): string {
  const tmp = `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { flag: 'wx' });
  return tmp;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Creates `path` with `content` unless it exists (atomically, never half-written): whether it did. */
function createExclusive(path: string, content: string): boolean {
  const tmp = tempFile(path, content);
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    removeQuietly(tmp);
  }
}

/** Removes `path` only while it holds `token`. */
function removeIfOurs(path: string, token: string): void {
  if (readEntry(path)?.owner?.token === token) removeQuietly(path);
}

type TakeOver = 'replaced' | 'changed' | 'busy';

/**
 * Replaces the stale entry `seen` at `path` by `content` (ours), unless another contender does:
 * 'replaced' (ours now), 'changed' (path no longer holds `seen`: look again), 'busy' (a live
 * contender is taking it over right now: wait).
 */
function takeOver(path: string, seen: Entry, content: string, token: string, depth = 0): TakeOver {
  if (depth > 8) return 'busy'; // contenders dying in a chain: give the living ones a moment
  const claim = `${path}.claim-${seen.key}`;
  for (;;) {
    if (createExclusive(claim, content)) break;
    const holder = readEntry(claim);
    if (holder === null) continue; // released meanwhile: try again
    if (ownerAlive(holder.owner)) return 'busy';
    const r = takeOver(claim, holder, content, token, depth + 1);
    if (r === 'replaced') break;
    if (r === 'busy') return 'busy';
  }
  // The claim is ours: nobody else may replace `seen`. Those who could change `path` otherwise are
  // its owner (dead) and whoever claimed it before us (done, or dead with the claim taken over).
  try {
    if (readEntry(path)?.key !== seen.key) return 'changed';
    renameSync(tempFile(path, content), path);
    return 'replaced';
  } finally {
    removeIfOurs(claim, token);
  }
}

/** How long past the wait a lock may stay in the middle of a takeover before we give up. */
const BUSY_GRACE_MS = 2000;

/** The locks this process holds, by lock path. */
const held = new Map<string, WriteLock>();
let exitHookInstalled = false;

/** A held lock on a directory. */
export class WriteLock {
  constructor(
    readonly target: string,
    readonly path: string,
    readonly owner: LockOwner,
  ) {}

  /** Whether the lock file still names us (false only if someone took it over, wrongly judging us dead). */
  stillHeld(): boolean {
    return readEntry(this.path)?.owner?.token === this.owner.token;
  }

  /** Removes the lock, if it is still ours. */
  release(): void {
    if (held.get(this.path) === this) held.delete(this.path);
    removeIfOurs(this.path, this.owner.token);
  }
}

/** Whether this process holds the lock on `target`. */
export function holdsWriteLock(target: string): boolean {
  return held.has(resolve(lockPath(target)));
}

export interface LockOptions {
  /** What the owner does, shown to those who wait ("accrete update"). */
  what?: string;
  /** How long to wait for a live owner, in milliseconds (0: refuse at once). */
  waitMs?: number;
  /** Called once when the lock is held by a live owner and we start to wait. */
  onWait?: (owner: LockOwner, path: string) => void;
}

/** One try: 'ours', the live owner who holds it, 'busy' (being taken over by a live contender), or null (try again at once). */
function tryOnce(path: string, content: string, token: string): 'ours' | LockOwner | 'busy' | null {
  if (createExclusive(path, content)) return 'ours';
  const seen = readEntry(path);
  if (seen === null) return null; // released meanwhile
  if (seen.owner && ownerAlive(seen.owner)) return seen.owner;
  const r = takeOver(path, seen, content, token);
  if (r === 'replaced') return 'ours';
  return r === 'busy' ? 'busy' : null;
}

/**
 * Takes the write lock of directory `target`: at once when it is free or its owner is dead, else
 * after waiting up to `waitMs` for the owner to finish; throws ModelLockedError (CONFLICT) when the
 * wait runs out. A lock left by a process that died (killed, crashed) never blocks.
 */
export function acquireWriteLock(target: string, options: LockOptions = {}): WriteLock {
  const path = resolve(lockPath(target));
  if (held.get(path)?.stillHeld()) throw new Error(`this process already holds the write lock of ${target}`);
  held.delete(path);
  const owner: LockOwner = { ...thisProcess(), token: randomBytes(16).toString('hex'), what: options.what ?? 'a writer', since: new Date().toISOString() };
  const content = JSON.stringify(owner) + '\n';
  const waitMs = options.waitMs ?? 0;
  const deadline = Date.now() + waitMs;
  let waitedFor: LockOwner | null = null;
  let pause = 20;
  for (;;) {
    const r = tryOnce(path, content, owner.token);
    if (r === 'ours') {
      const lock = new WriteLock(target, path, owner);
      held.set(path, lock);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.on('exit', () => {
          for (const l of [...held.values()]) l.release();
        });
      }
      return lock;
    }
    if (r === null) continue;
    if (r === 'busy') {
      // A live contender is between claiming a dead owner's lock and taking it: microseconds, unless it was stopped.
      if (Date.now() >= deadline + BUSY_GRACE_MS) throw new ModelLockedError(target, path, null, waitMs);
    } else {
      if (Date.now() >= deadline) throw new ModelLockedError(target, path, r, waitMs);
      if (waitedFor?.token !== r.token) options.onWait?.(r, path);
      waitedFor = r;
    }
    sleepSync(Math.min(pause, Math.max(1, deadline - Date.now())));
    pause = Math.min(pause * 2, 250);
  }
}

/** The lock of `target` if it can be had right now (free, or its owner dead), else null. */
export function tryWriteLock(target: string, what: string): WriteLock | null {
  try {
    return acquireWriteLock(target, { what, waitMs: 0 });
  } catch (err) {
    if (err instanceof ModelLockedError) return null;
    throw err;
  }
}
