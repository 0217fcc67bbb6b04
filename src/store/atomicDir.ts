/**
 * Writes a directory so that a crash leaves either the old one or the new one, never a mix:
 * everything goes into a temporary sibling, is fsynced, and then takes the target's place.
 * Replacing a non-empty directory needs two renames on POSIX; between them the old version waits
 * at `replacedPath(target)`, and `recoverInterruptedSave` puts it back if the process died right there.
 * The crash tests stop a save at each step (`dir-written`, `dir-moved-aside`, `dir-swapped`; see
 * util/crashPoint.ts) and kill it there.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { claimantAlive } from '../util/processLiveness.js';
import { holdsWriteLock, tryWriteLock } from './writeLock.js';
import { crashPoint } from '../util/crashPoint.js';

/** Flushes a directory's entries (renames, new files) to disk. */
export function fsyncDir(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Where the old version waits between the two renames: a hidden sibling named for Accrete, since
 * whatever is there is deleted (a user's own `model.old` backup must not be), and built from the
 * base name so that a target spelled with a trailing slash does not put it inside itself.
 */
export function replacedPath(target: string): string {
  return join(dirname(target), `.${basename(target)}.accrete-old`);
}

/** Restores the old version when a save was interrupted between its two renames (a writer's job: see recoverForReader). */
export function recoverInterruptedSave(target: string): void {
  const old = replacedPath(target);
  if (existsSync(target) || !existsSync(old)) return;
  try {
    renameSync(old, target);
  } catch (err) {
    // Another process put it back first.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !existsSync(target)) throw err;
  }
}

/**
 * recoverInterruptedSave for a reader, who may not tell a save interrupted by a crash from one
 * going on right now: it recovers only holding the directory's write lock (or when this process
 * holds it), and leaves a live writer's swap alone (the reader retries; see readWhileSwapping).
 */
export function recoverForReader(target: string): void {
  if (existsSync(target) || !existsSync(replacedPath(target))) return;
  if (holdsWriteLock(target)) return recoverInterruptedSave(target);
  let lock;
  try {
    lock = tryWriteLock(target, 'recovering an interrupted save');
  } catch {
    return; // no right to write beside the directory: nor to recover it; reading says what is missing
  }
  if (!lock) return;
  try {
    recoverInterruptedSave(target);
  } finally {
    lock.release();
  }
}

export interface WriteDirOptions {
  /**
   * Called once the new version is on disk, right before it takes the target's place: throwing
   * leaves the target as it was (a fencing check: is the target still what the writer expects?).
   */
  beforeSwap?: () => void;
}

/**
 * Removes the temporary siblings of `target` that writers killed before their swap left behind
 * (a whole model each: hundreds of MB), those of processes no longer running.
 */
function removeDeadWritersTmp(target: string): void {
  const prefix = `.${basename(target)}.tmp-`;
  const parent = dirname(target);
  for (const name of readdirSync(parent)) {
    const pid = name.startsWith(prefix) ? Number(name.slice(prefix.length).split('-')[0]) : NaN;
    if (Number.isSafeInteger(pid) && pid !== process.pid && !claimantAlive({ host: hostname(), pid, start: null })) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** Replaces `target` by what `fill` writes, whatever it held: the caller decides whether it may go (saveModel does). */
export function writeDirAtomic(target: string, fill: (tmpDir: string) => void, options: WriteDirOptions = {}): void {
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  recoverInterruptedSave(target);
  removeDeadWritersTmp(target);
  const tmp = join(parent, `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp);
  try {
    fill(tmp);
    fsyncDir(tmp);
    options.beforeSwap?.();
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  crashPoint('dir-written');
  const old = replacedPath(target);
  if (existsSync(target)) {
    rmSync(old, { recursive: true, force: true });
    renameSync(target, old);
    crashPoint('dir-moved-aside');
  }
  renameSync(tmp, target);
  fsyncDir(parent);
  crashPoint('dir-swapped');
  rmSync(old, { recursive: true, force: true });
}
