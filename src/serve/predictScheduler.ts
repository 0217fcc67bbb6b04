/**
 * Prediction work of the service, shared fairly between requests. Each request becomes a task over
 * its texts; tasks run round-robin on the server's thread in slices bounded by a time budget (and,
 * for tests, a character budget), and the scheduler yields to the event loop (setImmediate) between
 * slices, so new requests are read and small ones answered while a large batch is under way. A new
 * task gets its first slice before the tasks that have had one already get their next (least
 * attained service first): a one-text request waits for the slice under way and the first slices of
 * other new tasks, not for a turn of every large batch. Then it joins the round-robin.
 *
 * Admission: a task is refused (OverloadedError: 503 with Retry-After) when the work the server
 * would do before finishing it exceeds `maxQueuedChars`. Under round-robin that is its own
 * characters plus, for each task ahead of it, the smaller of that task's remaining characters and
 * its own: a large batch is refused when much is queued, a one-text request almost never.
 * An idle scheduler admits any task (the request limits bound its size).
 *
 * Thread model: everything runs on the server's thread, one item at a time; the scheduler knows
 * nothing of models. The caller pins what the task reads (the service pins the model it serves when
 * the request is admitted) and `step` must use only that, so every item of a task sees the same
 * weights however many slices, and version swaps, it spans. A task whose signal aborts (its client
 * disconnected) is dropped at once: no more of its items run.
 */
import { AccreteError, OverloadedError } from '../errors.js';

export interface SchedulerOptions {
  /** Time budget of one slice, in ms (at least one item runs per slice). */
  sliceMs: number;
  /** Character budget of one slice (at least one item runs per slice); Infinity: time alone. */
  sliceChars: number;
  /** Refuse a task when the work before its end (see above) would pass this many characters. */
  maxQueuedChars: number;
}

export const DEFAULT_SCHEDULER: SchedulerOptions = { sliceMs: 4, sliceChars: Infinity, maxQueuedChars: 2_000_000 };

/** The task's client went away (or its caller aborted it): it was dropped unfinished. */
export class TaskDropped extends Error {}

interface Task {
  /** Characters of the texts not yet run. */
  left: number;
  finished(): boolean;
  /** Runs the next text and returns its characters. */
  step(): number;
  done(): void;
  fail(err: unknown): void;
  detach(): void;
}

export interface SchedulerStats {
  tasks: number;
  queuedChars: number;
  admitted: number;
  refused: number;
  dropped: number;
}

export class PredictScheduler {
  readonly options: SchedulerOptions;
  /** Tasks that have not had a slice yet, in arrival order: they run before `ring`. */
  private readonly fresh: Task[] = [];
  /** Tasks that have had a slice, in round-robin order. */
  private readonly ring: Task[] = [];
  private scheduled = false;
  /** While a barrier holds: tasks admitted wait here, not started, until it is lifted. */
  private held: Task[] | null = null;
  private drained: (() => void) | null = null;
  /** Characters per ms measured over slices (moving average); null before the first slice. */
  private rate: number | null = null;
  private counts = { admitted: 0, refused: 0, dropped: 0 };

  constructor(options: Partial<SchedulerOptions> = {}) {
    this.options = { ...DEFAULT_SCHEDULER, ...options };
    const { sliceMs, sliceChars, maxQueuedChars } = this.options;
    if (!(sliceMs > 0) || !(sliceChars >= 1) || !(maxQueuedChars >= 1)) {
      throw new AccreteError('BAD_CONFIG', `scheduler options must be positive (sliceMs ${sliceMs}, sliceChars ${sliceChars}, maxQueuedChars ${maxQueuedChars})`);
    }
  }

  /**
   * Runs `step` over `texts` (as many slices as it takes) and resolves with the results in order.
   * Throws OverloadedError at once when refused; rejects with TaskDropped when `signal` aborts.
   */
  run<R>(texts: readonly string[], step: (text: string, index: number) => R, signal?: AbortSignal): Promise<R[]> {
    const cost = texts.reduce((s, t) => s + t.length, 0);
    this.admit(cost);
    if (signal?.aborted) return Promise.reject(new TaskDropped('the client disconnected before its predictions started'));
    return new Promise<R[]>((resolve, reject) => {
      const results: R[] = [];
      const onAbort = () => {
        const queue = this.fresh.includes(task) ? this.fresh : this.held?.includes(task) ? this.held : this.ring;
        const i = queue.indexOf(task);
        if (i < 0) return;
        queue.splice(i, 1);
        this.counts.dropped++;
        this.checkDrained();
        reject(new TaskDropped(`the client disconnected; ${texts.length - results.length} of ${texts.length} predictions dropped`));
      };
      const task: Task = {
        left: cost,
        finished: () => results.length === texts.length,
        step: () => {
          const text = texts[results.length];
          results.push(step(text, results.length));
          task.left -= text.length;
          return text.length;
        },
        done: () => resolve(results),
        fail: reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.counts.admitted++;
      if (this.held) {
        this.held.push(task);
        return;
      }
      const idle = this.size === 0 && !this.scheduled;
      this.fresh.push(task);
      // Alone: its first slice runs now (no hop through the event loop for a small request on an idle server).
      if (idle) this.slice();
      else this.schedule();
    });
  }

  /**
   * An epoch barrier (docs/decisions.md, thread model): tasks admitted from now on wait; resolves
   * once every task already started or queued has finished, with the function that lets the
   * waiting ones start. Between the two, nothing reads a model through this scheduler, so the
   * serving model may be changed in place (a patch applied).
   */
  async barrier(): Promise<() => void> {
    if (this.held) throw new Error('PredictScheduler.barrier: a barrier is up already');
    this.held = [];
    if (this.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    return () => {
      const waiting = this.held ?? [];
      this.held = null;
      this.fresh.push(...waiting);
      this.schedule();
    };
  }

  private get size(): number {
    return this.fresh.length + this.ring.length;
  }

  private get queued(): number {
    return this.fresh.reduce((s, t) => s + t.left, 0) + this.ring.reduce((s, t) => s + t.left, 0);
  }

  stats(): SchedulerStats {
    return { tasks: this.size, queuedChars: this.queued, ...this.counts };
  }

  /** Throws OverloadedError when a task of `cost` characters would finish after more than maxQueuedChars of work. */
  private admit(cost: number): void {
    if (this.size === 0) return;
    const ahead = [...this.fresh, ...this.ring].reduce((s, t) => s + Math.min(t.left, cost), 0);
    if (ahead + cost <= this.options.maxQueuedChars) return;
    this.counts.refused++;
    const queued = this.queued;
    // The time until the queue has drained to where this task would fit, at the measured rate.
    const seconds = this.rate === null ? 1 : Math.ceil((ahead + cost - this.options.maxQueuedChars) / this.rate / 1000);
    const retryAfter = Math.min(60, Math.max(1, seconds));
    throw new OverloadedError(
      retryAfter,
      `too much prediction work queued (${this.size} request(s), ${queued} characters; this one has ${cost}); retry after ${retryAfter} s, or send smaller batches`,
    );
  }

  private schedule(): void {
    if (this.scheduled || this.size === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.slice();
    });
  }

  /** Runs the first new task, or else the head of the ring, for one slice; then puts it at the back of the ring (or finishes it). */
  private slice(): void {
    const task = this.fresh.shift() ?? this.ring.shift();
    if (!task) return;
    const { sliceMs, sliceChars } = this.options;
    const started = performance.now();
    let chars = 0;
    try {
      while (!task.finished()) {
        chars += task.step();
        if (chars >= sliceChars || performance.now() - started >= sliceMs) break;
      }
    } catch (err) {
      task.detach();
      task.fail(err);
      this.checkDrained();
      this.schedule();
      return;
    }
    const ms = performance.now() - started;
    if (ms > 0.05 && chars > 0) this.rate = this.rate === null ? chars / ms : 0.8 * this.rate + 0.2 * (chars / ms);
    if (task.finished()) {
      task.detach();
      task.done();
    } else {
      this.ring.push(task);
    }
    this.checkDrained();
    this.schedule();
  }

  private checkDrained(): void {
    if (this.size > 0 || !this.drained) return;
    const drained = this.drained;
    this.drained = null;
    drained();
  }
}
