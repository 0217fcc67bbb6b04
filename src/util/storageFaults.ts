/**
 * Storage faults told apart from bugs: a full disk, a read-only file system, an I/O error or a
 * database locked too long, whether node:fs (errno codes) or SQLite (SQLITE_* codes) reported it,
 * become a StorageError with a message a user can act on. Anything else is not a storage fault.
 */
import { StorageError, type StorageFaultKind } from '../errors.js';

const ERRNO: Record<string, StorageFaultKind> = { ENOSPC: 'full', EDQUOT: 'full', EROFS: 'read-only', EACCES: 'read-only', EPERM: 'read-only', EIO: 'io' };

function kindOfSqlite(code: string): StorageFaultKind | null {
  if (code === 'SQLITE_FULL') return 'full';
  if (code.startsWith('SQLITE_READONLY')) return 'read-only';
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) return 'io';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  return null;
}

const ADVICE: Record<StorageFaultKind, string> = {
  full: 'the disk is full: free some space',
  'read-only': 'the storage is read-only or not writable by this process: make it writable',
  io: 'the storage reported an I/O error: check the disk',
  busy: 'the database was locked by another process for too long',
  unreachable: 'the registry database does not answer (down, restarting or cut off): the server reconnects by itself',
};

/** The StorageError `err` stands for, or null when it is not a storage fault. */
export function storageError(err: unknown): StorageError | null {
  if (err instanceof StorageError) return err;
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return null;
  const kind = ERRNO[code] ?? kindOfSqlite(code);
  if (kind === null) return null;
  return new StorageError(kind, `${ADVICE[kind]} (${code}: ${(err as Error).message}); nothing was written, try again once it is fixed`, { cause: err });
}
