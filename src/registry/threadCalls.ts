/**
 * What the server's thread and its registry thread say to each other: the Registry methods the
 * thread runs, and errors carried across with their class (an AccreteError's code, a
 * StorageError's kind, SQLite's error code), so a fault is told apart as if the server's thread had met it.
 */
import { AccreteError, StorageError, type ErrorCode, type StorageFaultKind } from '../errors.js';
import { sqliteDriver } from '../util/sqliteDriver.js';

/** The Registry methods run on the registry thread: the job transactions, and the reads whose cost grows with the feedback. */
export const THREAD_METHODS = [
  'startJob',
  'commitVersion',
  'rejectJob',
  'failJob',
  'diagnoseJob',
  'interruptJob',
  'claimedBy',
  'claimedIds',
  'examplesById',
  'pendingCount',
  'feedbackCount',
  'quarantinedCount',
  'quarantined',
  'feedbackSeries',
] as const;

export type ThreadMethod = (typeof THREAD_METHODS)[number];

export interface ThreadCall {
  id: number;
  method: ThreadMethod;
  args: unknown[];
}

export type WireError = { class: 'storage'; kind: StorageFaultKind; message: string } | { class: 'accrete'; code: ErrorCode; message: string } | { class: 'other'; code: string | null; message: string };

export type ThreadReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

export function toWire(err: unknown): WireError {
  if (err instanceof StorageError) return { class: 'storage', kind: err.kind, message: err.message };
  if (err instanceof AccreteError) return { class: 'accrete', code: err.code, message: err.message };
  const code = (err as { code?: unknown })?.code;
  return { class: 'other', code: typeof code === 'string' ? code : null, message: err instanceof Error ? err.message : String(err) };
}

/** The error again, in its class: SQLite's errors as SqliteError with their code (storageError() reads it). */
export function fromWire(e: WireError): Error {
  if (e.class === 'storage') return new StorageError(e.kind, e.message);
  if (e.class === 'accrete') return new AccreteError(e.code, e.message);
  if (e.code?.startsWith('SQLITE_')) return new (sqliteDriver().SqliteError)(e.message, e.code);
  return e.code === null ? new Error(e.message) : Object.assign(new Error(e.message), { code: e.code });
}
