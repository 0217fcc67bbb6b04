/**
 * One writer per model directory, for the commands that write one (train, update, import-fasttext):
 * the directory's write lock (store/writeLock.ts), waited for up to --wait seconds, and a fencing
 * check right before the new version takes the directory's place: it must still be the version
 * that was there when the lock was taken, or the save is refused rather than overwrite another's.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AccreteError } from '../errors.js';
import type { WriteDirOptions } from '../store/atomicDir.js';
import { acquireWriteLock, type WriteLock } from '../store/writeLock.js';
import { parseModelJsonFile } from '../store/modelFiles.js';
import { optionalNumberWhere, type FlagSpec, type Flags } from './args.js';

/** Seconds a writer waits for another's lock by default. */
export const DEFAULT_WAIT_SECONDS = 60;

export const LOCK_FLAGS: FlagSpec = {
  wait: { type: 'string' },
};

export const LOCK_HELP = `  --wait S             when another accrete command is writing the same model directory, wait up
                       to S seconds for it to finish, then give up with exit status 1; 0 = give up
                       at once (${DEFAULT_WAIT_SECONDS})`;

/** --wait in milliseconds. */
export function waitMsOf(flags: Flags): number {
  return 1000 * (optionalNumberWhere(flags, 'wait', 'float', (n) => n >= 0 && Number.isFinite(n), 'a number of seconds >= 0') ?? DEFAULT_WAIT_SECONDS);
}

/** The version of the model in `dir` as far as fencing cares: its weights checksum and save time, null when there is none. */
interface OnDisk {
  weights: string;
  createdAt: string;
}

function onDisk(dir: string): OnDisk | null {
  try {
    // Parsed once for the lock, its check before the swap and the load (the bytes are compared each time).
    const json = parseModelJsonFile(join(dir, 'model.json')) as { weights?: { xxh64?: unknown }; createdAt?: unknown } | null;
    if (json === null) return null;
    return { weights: String(json.weights?.xxh64), createdAt: String(json.createdAt) };
  } catch {
    return null;
  }
}

const describe = (v: OnDisk | null) => (v ? `the version with weights ${v.weights} (saved ${v.createdAt})` : 'no model');

/** A held model directory: release it when done; `saveOptions` fences the save. */
export interface ModelDirLock {
  readonly lock: WriteLock;
  /** Options for saveLearner/saveModel: the save is refused (CONFLICT) unless the directory is as it was when locked. */
  readonly saveOptions: WriteDirOptions;
  release(): void;
}

/**
 * Takes the write lock of model directory `dir` for `what` ("accrete update"), waiting up to
 * `waitMs` for another writer (saying so on stderr), and remembers which version is there.
 */
export function lockModelDir(dir: string, what: string, waitMs: number): ModelDirLock {
  // The lock lives beside the directory: its parent must exist (saving would create it anyway).
  mkdirSync(dirname(dir), { recursive: true });
  const lock = acquireWriteLock(dir, {
    what,
    waitMs,
    onWait: (o) => process.stderr.write(`waiting for ${o.what} (pid ${o.pid}, since ${o.since}) to finish writing ${dir} (up to ${Math.round(waitMs / 1000)}s; --wait S)...\n`),
  });
  const expected = onDisk(dir);
  const beforeSwap = () => {
    if (!lock.stillHeld()) {
      throw new AccreteError('CONFLICT', `lost the write lock of ${dir} (another process judged this one dead and took it over); nothing was written: run again`);
    }
    const now = onDisk(dir);
    if (now?.weights !== expected?.weights || now?.createdAt !== expected?.createdAt) {
      throw new AccreteError(
        'CONFLICT',
        `${dir} was changed by another writer while this one held its lock: it holds ${describe(now)}, not ${describe(expected)} as when this command started; ` +
          `nothing was written (run again on the new version); only an Accrete older than this one, or another program, writes without the lock`,
      );
    }
  };
  return { lock, saveOptions: { beforeSwap }, release: () => lock.release() };
}
