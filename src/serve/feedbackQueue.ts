/**
 * Group commit for feedback: the events of every request that arrives in the same turn of the
 * event loop go into one transaction (one fsync), and each request is answered only after that
 * transaction committed, so an acknowledged event is never lost and 64 concurrent clients cost
 * one disk flush, not 64.
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

  constructor(
    private readonly write: (events: FeedbackEvent[]) => number[],
    private readonly afterCommit: (events: FeedbackEvent[]) => void,
  ) {}

  add(events: FeedbackEvent[]): Promise<number[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ events, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything waiting now. */
  flush(): void {
    this.scheduled = false;
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return;
    const all = batch.flatMap((w) => w.events);
    let ids: number[];
    try {
      ids = this.write(all);
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
