/**
 * What the server knows of its own troubles: a streak of failed update jobs (with the backoff
 * before the next automatic one) and recent storage faults. `GET /v1/health` reports `degraded`
 * while either lasts; predictions go on from memory throughout.
 */
import type { JobFault } from '../registry/types.js';

/** First wait after a failed automatic update; it doubles with each failure in a row, up to MAX_BACKOFF_MS. */
export const FIRST_BACKOFF_MS = 5_000;
export const MAX_BACKOFF_MS = 600_000;
/** A storage fault keeps the server degraded this long after it was last seen. */
export const STORAGE_FAULT_WINDOW_MS = 60_000;

export interface UpdateFailure {
  at: string;
  job: number;
  fault: JobFault;
  message: string;
}

export class Health {
  /** Failed update jobs since the last one that finished (accepted or rejected). */
  private streak = 0;
  private lastFailure: UpdateFailure | null = null;
  private retryAt = 0;
  private storage = new Map<string, { at: number; message: string }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A job failed. `quarantined`: events were set aside, so the next try may succeed at once (no backoff). */
  updateFailed(f: UpdateFailure, quarantined: number): void {
    this.streak++;
    this.lastFailure = f;
    this.retryAt = quarantined > 0 ? 0 : this.now() + Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (this.streak - 1));
  }

  /** A job finished (the gate decided): the streak is over. */
  updateFinished(): void {
    this.streak = 0;
    this.retryAt = 0;
  }

  /** Milliseconds until an automatic update may run again (0: now). */
  backoffMs(): number {
    return Math.max(0, this.retryAt - this.now());
  }

  get failures(): number {
    return this.streak;
  }

  storageFault(kind: string, message: string): void {
    this.storage.set(kind, { at: this.now(), message });
  }

  report(): { status: 'ok' | 'degraded'; problems: string[]; updates: { consecutiveFailures: number; lastFailure: UpdateFailure | null; retryInMs: number } } {
    const problems: string[] = [];
    if (this.streak > 0 && this.lastFailure) {
      const f = this.lastFailure;
      problems.push(`${this.streak} update job(s) in a row failed; the last, job ${f.job} (${f.fault} fault): ${f.message}`);
    }
    const since = this.now() - STORAGE_FAULT_WINDOW_MS;
    for (const [kind, s] of this.storage) if (s.at >= since) problems.push(`storage (${kind}) at ${new Date(s.at).toISOString()}: ${s.message}`);
    return {
      status: problems.length ? 'degraded' : 'ok',
      problems,
      updates: { consecutiveFailures: this.streak, lastFailure: this.lastFailure, retryInMs: this.backoffMs() },
    };
  }
}
