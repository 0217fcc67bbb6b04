/**
 * What the server's thread and its registry thread say to each other: the Registry methods the
 * thread runs, and errors carried across in their class (errorWire.ts: an AccreteError's code, a
 * StorageError's kind, SQLite's error code), so a fault is told apart as if the server's thread had met it.
 */
import type { WireError } from '../errorWire.js';

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

export type ThreadReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };
