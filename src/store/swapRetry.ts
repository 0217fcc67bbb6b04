/**
 * Reading a model directory while another process replaces it. writeDirAtomic swaps whole
 * directories, so every version on disk is complete; but a reader that opens model.json of one
 * version may open the weights after the swap, from the next one (their checksums then fail), or
 * arrive between the swap's two renames, when the directory is briefly missing. Such a read is
 * tried again, a few times; an error the directory did not change under is thrown at once.
 */
import { existsSync, statSync } from 'node:fs';
import { ModelFileError } from '../errors.js';
import { sleepSync } from '../util/sleepSync.js';
import { replacedPath } from './atomicDir.js';

/**
 * How often a read overtaken by a save is tried in all. A save takes milliseconds and saves come
 * seconds apart, so a second try nearly always succeeds; the rest are for a loaded machine, where a
 * read can be overtaken several times running (seen in CI with 5).
 */
export const READ_ATTEMPTS = 10;

/**
 * Which directory `dir` names right now, or null when there is none: device, inode and the time of
 * its last change in nanoseconds (a save's rename changes it; inodes alone are reused when saves
 * follow each other closely).
 */
export function dirIdentity(dir: string): string | null {
  try {
    const s = statSync(dir, { bigint: true });
    return `${s.dev}:${s.ino}:${s.ctimeNs}`;
  } catch {
    return null;
  }
}

/** Whether a read of `dir` that began when it was `before` may have been overtaken by a save. */
function swapped(dir: string, before: string | null): boolean {
  const now = dirIdentity(dir);
  // Missing: between the two renames of a save (the old version waits beside it).
  return now !== before || (now === null && existsSync(replacedPath(dir)));
}

const pause = (attempt: number) => Math.min(200, 10 * 2 ** attempt);

/** Errors a save can cause a reader: a file that fails its checks, or one gone between a look and an open. */
const mayBeSwap = (err: unknown) => err instanceof ModelFileError || (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';

/** `read()` of `dir`, again when it failed (ModelFileError, ENOENT) and a save replaced the directory meanwhile. */
export function readWhileSwapping<T>(dir: string, read: () => T): T {
  for (let attempt = 1; ; attempt++) {
    const before = dirIdentity(dir);
    try {
      return read();
    } catch (err) {
      if (!mayBeSwap(err) || attempt >= READ_ATTEMPTS || !swapped(dir, before)) throw err;
      sleepSync(pause(attempt));
    }
  }
}

/** readWhileSwapping for asynchronous reads. */
export async function readWhileSwappingAsync<T>(dir: string, read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const before = dirIdentity(dir);
    try {
      return await read();
    } catch (err) {
      if (!mayBeSwap(err) || attempt >= READ_ATTEMPTS || !swapped(dir, before)) throw err;
      await new Promise((resolve) => setTimeout(resolve, pause(attempt)));
    }
  }
}
