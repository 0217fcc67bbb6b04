/**
 * Writes a directory so that a crash leaves either the old one or the new one, never a mix:
 * everything goes into a temporary sibling, is fsynced, and then takes the target's place.
 * Replacing a non-empty directory needs two renames on POSIX; between them the old version waits
 * at `replacedPath(target)`, and `recoverInterruptedSave` puts it back if the process died right there.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

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

/** Restores the old version when a save was interrupted between its two renames. */
export function recoverInterruptedSave(target: string): void {
  const old = replacedPath(target);
  if (!existsSync(target) && existsSync(old)) renameSync(old, target);
}

/** Replaces `target` by what `fill` writes, whatever it held: the caller decides whether it may go (saveModel does). */
export function writeDirAtomic(target: string, fill: (tmpDir: string) => void): void {
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  recoverInterruptedSave(target);
  const tmp = join(parent, `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp);
  try {
    fill(tmp);
    fsyncDir(tmp);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const old = replacedPath(target);
  if (existsSync(target)) {
    rmSync(old, { recursive: true, force: true });
    renameSync(target, old);
  }
  renameSync(tmp, target);
  fsyncDir(parent);
  rmSync(old, { recursive: true, force: true });
}
