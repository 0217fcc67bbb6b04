/**
 * Predicts chunks of featurised lines and writes their output lines in input order, one JSON line
 * per text: {"predictions":[{"label":..,"score":..}, ..]}. Once the forward worker is started,
 * chunks go to it (so that the main thread can featurise the next lines meanwhile), else they are
 * predicted at once on the main thread. The worker is kept one chunk ahead; chunks beyond wait
 * here (as do all while it starts up), and the main thread predicts them itself when it has
 * nothing else to do (the input has ended) or when too much is waiting: no input waits for the
 * worker to start. Should the worker fail, this thread predicts what it had been sent: a worker
 * failure costs time, never output. (Formatting lives here too: one module fewer to load on every run.)
 */
import type { PredictOptions, TextClassifier } from '../model/classifier.js';
import type { ForwardThread } from '../model/forwardThread.js';
import { topRows, type TopRows } from '../model/topRows.js';
import type { Write } from './predictStream.js';

/** Featurised lines: line i is rows [ends[i-1], ends[i]), line 0 from 0. Owned by the chunk: they may be sent to the worker. */
export interface Chunk {
  rows: Int32Array;
  ends: Int32Array;
}

/** Chunks smaller than this (input rows + lines) are predicted at once on the main thread: a message would cost more than it saves. */
const MIN_WORKER_SIZE = 4096;
/** Chunks at the worker at most: one running and the next, so that it does not idle between messages. */
const AT_WORKER = 2;

/** Labels as JSON strings, by label id (quoted once, not per line). */
function labelsJson(labels: readonly string[]): string[] {
  return labels.map((l) => JSON.stringify(l));
}

/** The output lines of `top`, each ending in \n; `labels` from labelsJson. */
function predictionLines(top: TopRows, labels: readonly string[]): string {
  const { k } = top;
  let out = '';
  for (let i = 0; i < top.lines; i++) {
    let parts = '';
    for (let j = i * k; j < (i + 1) * k && top.labels[j] >= 0; j++) {
      parts += `${parts ? ',' : ''}{"label":${labels[top.labels[j]]},"score":${JSON.stringify(top.scores[j])}}`;
    }
    out += `{"predictions":[${parts}]}\n`;
  }
  return out;
}

interface Slot {
  chunk: Chunk;
  resolve(top: TopRows): void;
  reject(err: unknown): void;
}

export class PredictionQueue {
  private readonly labels: string[];
  private readonly k: number;
  private readonly threshold: number;
  /** Chunks bound for the worker that it has not been sent yet, oldest first. */
  private readonly queued: Slot[] = [];
  /** Chunks not yet written, oldest first: their size and when they are written. */
  private readonly unwritten: { size: number; written: Promise<void> }[] = [];
  private size = 0;
  /** Why a chunk could not be predicted or written, once one could not. */
  private failure: { err: unknown } | null = null;
  /** When the last chunk added is written (the writes are chained, so in order). */
  private written: Promise<void> = Promise.resolve();

  /** `limit`: input rows + lines of the chunks not yet written, past which room() waits. */
  constructor(
    private readonly model: TextClassifier,
    options: PredictOptions,
    private readonly write: Write,
    private readonly forward: ForwardThread | null,
    private readonly limit: number,
  ) {
    this.labels = labelsJson(model.labels);
    this.k = options.k ?? 1;
    this.threshold = options.threshold ?? 0;
    // A worker that fails before it is up has not been sent anything: this thread does its share.
    void forward?.whenUp.then((up) => (up ? this.dispatch() : this.helpAll()));
  }

  /** Predicts the lines of `chunk`, to be written after those of every chunk added before. */
  add(chunk: Chunk): void {
    const size = chunk.rows.length + chunk.ends.length;
    let top: TopRows | Promise<TopRows>;
    if (this.forward?.started && !this.forward.failed && size >= MIN_WORKER_SIZE) {
      top = new Promise<TopRows>((resolve, reject) => this.queued.push({ chunk, resolve, reject }));
      // Its failure is reported by the write chain, which may reach it only later.
      top.catch(() => {});
      this.dispatch();
    } else {
      top = this.predict(chunk);
    }
    const written = this.written.then(async () => {
      await this.write(predictionLines(await top, this.labels));
      this.size -= size;
      this.unwritten.shift();
    });
    // Recorded for room(), to stop reading at once; finish() and room() throw it.
    written.catch((err: unknown) => (this.failure ??= { err }));
    this.size += size;
    this.unwritten.push({ size, written });
    this.written = written;
  }

  /** Waits until the chunks not yet written are within the limit, predicting waiting ones meanwhile. */
  async room(): Promise<void> {
    if (this.failure) throw this.failure.err;
    while (this.size > this.limit) {
      if (!this.helpOne()) await this.unwritten[0].written;
    }
  }

  /** With no more input: predicts what waits (the worker and this thread side by side) and writes it all. */
  async finish(): Promise<void> {
    // Between chunks, let the worker's answers in, so that it is sent the next one.
    while (this.helpOne()) await new Promise((resolve) => setImmediate(resolve));
    await this.written;
  }

  private predict(chunk: Chunk): TopRows {
    return topRows((rows, start, end) => this.model.probsOfRows(rows, start, end), this.model.labels.length, chunk.rows, chunk.ends, this.k, this.threshold);
  }

  /** Sends waiting chunks to the worker, once up, while it has fewer than AT_WORKER. */
  private dispatch(): void {
    const forward = this.forward;
    if (forward === null || !forward.up) return;
    while (this.queued.length > 0 && forward.inFlight < AT_WORKER) {
      const slot = this.queued.shift()!;
      // Copies go (the worker takes over the arrays it is sent): should it fail, this thread
      // predicts the chunk from its own, and the output is complete all the same.
      forward.run(slot.chunk.rows.slice(), slot.chunk.ends.slice()).then(
        (top) => {
          slot.resolve(top);
          this.dispatch();
        },
        () => {
          this.predictHere(slot);
          // A worker that failed takes no more chunks: those waiting for it are predicted now, not
          // when the input ends (which may be much later, and meanwhile no output is written).
          if (forward.failed) this.helpAll();
          else this.dispatch();
        },
      );
    }
  }

  private helpAll(): void {
    while (this.helpOne());
  }

  /** Predicts the oldest chunk waiting for the worker here instead; false when none waits. */
  private helpOne(): boolean {
    const slot = this.queued.shift();
    if (!slot) return false;
    this.predictHere(slot);
    return true;
  }

  private predictHere(slot: Slot): void {
    try {
      slot.resolve(this.predict(slot.chunk));
    } catch (err) {
      slot.reject(err);
    }
  }
}
