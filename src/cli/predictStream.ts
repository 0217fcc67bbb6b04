/**
 * The loop of `accrete predict`: lines in, one JSON line of predictions out per line, while the
 * model's weights may still be loading. Lines that arrive before the weights are verified are
 * featurised (which needs only the vocabulary) and held, up to a cap; their predictions are
 * written once the weights are in. Nothing is predicted from unverified weights: the model is
 * only reachable through `pending.ready`.
 */
import type { PredictOptions, TextClassifier } from '../model/classifier.js';
import type { ForwardThread } from '../model/forwardThread.js';
import type { PendingModel } from '../store/modelFiles.js';
import { IntBuffer } from '../util/intBuffer.js';
import { PredictionQueue, type Chunk } from './predictionQueue.js';

/**
 * Input rows plus lines held while the weights load, at most (4 bytes each: 64 MiB); once they are
 * in, the same cap holds for lines not yet written.
 */
export const WAITING_CAP = 1 << 24;

/** Input rows per chunk when the lines held while the weights load are handed out (to the worker, if up). */
const HELD_CHUNK_ROWS = 1 << 16;

/**
 * Input rows after which the forward worker is started (once the weights are in): below, its
 * start-up (some tens of milliseconds of the other core, and ~12 MB) costs more than it saves.
 * Forward passes take ~20 ns per row: on the SpamAssassin test texts (1.1M rows) a worker saved
 * nothing, on ten times that input it saves 14%. Started while the weights load, it would take
 * that core from their reads (measured: verified ~10 ms later).
 */
const WORKER_START_ROWS = 1 << 21;

/** How predictStream holds lines and shares the work; every field has a default. */
export interface StreamOptions {
  /** Input rows plus lines held at most (WAITING_CAP). */
  cap?: number;
  /** The forward worker to share the forward passes with (none by default); the caller closes it. */
  forward?: ForwardThread | null;
  /** Input rows seen before the worker is started (WORKER_START_ROWS). */
  workerAfterRows?: number;
}

/** Writes output text (batching it); null flushes. */
export type Write = (text: string | null) => Promise<void>;

/** Featurised lines waiting for the weights. */
class WaitingLines {
  rows = new IntBuffer(1 << 16);
  ends = new IntBuffer(1024);

  add(rows: Int32Array): void {
    this.rows.pushAll(rows);
    this.ends.push(this.rows.length);
  }

  get size(): number {
    return this.rows.length + this.ends.length;
  }

  /** The lines in chunks of about `rows` input rows each, copied. */
  *chunks(rows: number): Generator<Chunk> {
    const all = this.rows.view();
    const ends = this.ends.view();
    for (let first = 0, from = 0, i = 0; i < ends.length; i++) {
      if (ends[i] - from >= rows || i === ends.length - 1) {
        yield { rows: all.slice(from, ends[i]), ends: ends.slice(first, i + 1).map((end) => end - from) };
        first = i + 1;
        from = ends[i];
      }
    }
  }

  /** Drops the lines (and their memory: up to the cap). */
  clear(): void {
    this.rows = new IntBuffer(0);
    this.ends = new IntBuffer(0);
  }
}

/** The featurised lines of a batch, in arrays of their own. */
function chunkOf(lines: readonly string[], features: (text: string) => Int32Array): Chunk {
  const rows = new IntBuffer(1 << 12);
  const ends = new IntBuffer(lines.length);
  for (const line of lines) {
    rows.pushAll(features(line));
    ends.push(rows.length);
  }
  return { rows: rows.view(), ends: ends.view() };
}

/**
 * Predicts every line of `batches` in order, writing one output line each. Lines are held only
 * while the weights load, and then no more than `cap` (past it, reading waits for the weights):
 * an endless input is never buffered whole. Held lines are predicted as soon as the weights are
 * in, not when more input comes. Rejects with the load's error as soon as the weights fail
 * verification (even while no input comes), having written nothing. With `how.forward`, forward
 * passes run on that worker once it is up, while this thread featurises; it is started here once
 * `how.workerAfterRows` input rows have been seen (if the caller has not started it), and the
 * caller closes it.
 */
export async function predictStream(batches: AsyncIterable<string[]>, pending: PendingModel, options: PredictOptions, write: Write, how: StreamOptions = {}): Promise<void> {
  const { cap = WAITING_CAP, forward = null, workerAfterRows = WORKER_START_ROWS } = how;
  const input = batches[Symbol.asyncIterator]();
  const ready = pending.ready.then((model) => ({ model }));
  let next = input.next();
  const waiting = new WaitingLines();
  let rowsSeen = 0;
  /** Once the weights are in: starts the worker when the input has proved long enough. */
  const startWorkerIfLong = () => {
    if (rowsSeen >= workerAfterRows) forward?.start();
  };
  /** With the verified model: the queue, given the held lines (and the worker, unless the input has ended). */
  const start = (model: TextClassifier, inputDone = false): PredictionQueue => {
    forward?.attach(model, options);
    if (!inputDone) startWorkerIfLong();
    const queue = new PredictionQueue(model, options, write, forward, cap);
    for (const chunk of waiting.chunks(HELD_CHUNK_ROWS)) queue.add(chunk);
    waiting.clear();
    return queue;
  };
  try {
    let queue: PredictionQueue | null = null;
    while (queue === null) {
      const first = await Promise.race([next, ready]);
      if ('model' in first) {
        queue = start(first.model);
      } else if (first.done) {
        await start((await ready).model, true).finish();
        await write(null);
        return;
      } else {
        const before = waiting.rows.length;
        for (const line of first.value) waiting.add(pending.features(line));
        rowsSeen += waiting.rows.length - before;
        if (waiting.size >= cap) queue = start((await ready).model);
        next = input.next();
      }
    }
    await queue.room();
    for (let r = await next; !r.done; r = await (next = input.next())) {
      const chunk = chunkOf(r.value, pending.features);
      rowsSeen += chunk.rows.length;
      startWorkerIfLong();
      queue.add(chunk);
      await queue.room();
    }
    await queue.finish();
    await write(null);
  } catch (err) {
    // A read still in flight may fail too, once the caller closes the input: not the error to report.
    next.catch(() => {});
    throw err;
  }
}
