/**
 * Group commit for feedback: the events of every request that arrives while no commit is in flight
 * (the same turn of the event loop, for SQLite; the network round trip, for PostgreSQL) go into one
 * transaction (one fsync), and each request is answered only after that transaction committed, so
 * an acknowledged event is never lost and 64 concurrent clients cost one flush, not 64. One commit
 * is in flight at a time: what arrives meanwhile waits for the next.
 */
import type { FeedbackEvent } from '../registry/types.js';

interface Waiting {
  events: FeedbackEvent[];
  resolve: (ids: number[]) => void;
  reject: (err: unknown) => void;
}

export class FeedbackQueue {
  private waiting: Waiting[] = [];
  private scheduled = false;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly write: (events: FeedbackEvent[]) => Promise<number[]>,
    private readonly afterCommit: (events: FeedbackEvent[]) => void,
  ) {}

  add(events: FeedbackEvent[]): Promise<number[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ events, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  /** Commits everything waiting now (after the commit in flight, if any); resolves when all of it is answered. */
  async flush(): Promise<void> {
    this.scheduled = false;
    while (this.inFlight) await this.inFlight;
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return;
    this.inFlight = this.commit(batch);
    try {
      await this.inFlight;
    } finally {
      this.inFlight = null;
      if (this.waiting.length) this.schedule();
    }
  }

  private async commit(batch: Waiting[]): Promise<void> {
    const all = batch.flatMap((w) => w.events);
    let ids: number[];
    try {
      ids = await this.write(all);
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    let at = 0;
    for (const w of batch) {
      w.resolve(ids.slice(at, at + w.events.length));
      at += w.events.length;
    }
    this.afterCommit(all);
  }
}
