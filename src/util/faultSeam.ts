/**
 * A seam for storage faults in tests and the chaos benchmark: mounting a full or read-only file
 * system needs privileges CI may lack, so when ACCRETE_FAULT_FILE names a file, every registry
 * write and every model save first reads it, and a line `full`, `read-only` or `io` makes the
 * write fail exactly as the real fault would (SqliteError SQLITE_FULL / SQLITE_READONLY /
 * SQLITE_IOERR_WRITE for the database, ENOSPC / EROFS / EIO for files); `database:FAULT` or
 * `file:FAULT` limits it to one of the two. An empty or missing file
 * injects nothing, so a test clears the fault by emptying it. Unset (always, in production), it
 * costs one property read.
 */
import { readFileSync } from 'node:fs';
import { sqliteDriver } from './sqliteDriver.js';

export type SeamTarget = 'database' | 'file';

const SQLITE = { full: 'SQLITE_FULL', 'read-only': 'SQLITE_READONLY', io: 'SQLITE_IOERR_WRITE' } as const;
const ERRNO = { full: 'ENOSPC', 'read-only': 'EROFS', io: 'EIO' } as const;
type Fault = keyof typeof SQLITE;

function injected(target: SeamTarget): Fault | null {
  const file = process.env.ACCRETE_FAULT_FILE;
  if (!file) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
  const [only, fault] = text.includes(':') ? text.split(':', 2) : [target, text];
  if (only !== target) return null;
  return fault === 'full' || fault === 'read-only' || fault === 'io' ? fault : null;
}

/** Throws the injected fault, if any, as `target` would report it. */
export function faultSeam(target: SeamTarget): void {
  const fault = injected(target);
  if (fault === null) return;
  if (target === 'database') throw new (sqliteDriver().SqliteError)(`injected fault: ${fault} (ACCRETE_FAULT_FILE)`, SQLITE[fault]);
  throw Object.assign(new Error(`${ERRNO[fault]}: injected fault: ${fault} (ACCRETE_FAULT_FILE)`), { code: ERRNO[fault] });
}
