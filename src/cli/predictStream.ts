/**
 * The loop of `accrete predict`: lines in, one JSON line of predictions out per line, while the
 * model's weights may still be loading. Lines that arrive before the weights are verified are
 * featurised (which needs only the vocabulary) and held, up to a cap; their predictions are
 * written once the weights are in. Nothing is predicted from unverified weights: the model is
 * only reachable through `pending.ready`.
 */
import type { PredictOptions, TextClassifier } from '../model/classifier.js';
import type { PendingModel } from '../store/modelFiles.js';
import { IntBuffer } from '../util/intBuffer.js';

/** Input rows plus lines held while the weights load, at most (4 bytes each: 64 MiB). */
export const WAITING_CAP = 1 << 24;

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

  /** Drops the lines (and their memory: up to the cap). */
  clear(): void {
    this.rows = new IntBuffer(0);
    this.ends = new IntBuffer(0);
  }
}

/** What a promise has settled to so far: null while pending, its value, or its error thrown. */
function settled<T>(p: Promise<T>): () => T | null {
  let state: { value: T } | { error: unknown } | null = null;
  p.then(
    (value) => (state = { value }),
    (error: unknown) => (state = { error }),
  );
  return () => {
    if (state === null) return null;
    if ('error' in state) throw state.error;
    return state.value;
  };
}

/** Output lines from a text or from its input rows: the top labels as JSON. */
interface Predictor {
  rows(rows: Int32Array, start: number, end: number): string;
  text(text: string): string;
}

function predictorOf(model: TextClassifier, options: PredictOptions): Predictor {
  const labelJson = new Map<string, string>(model.labels.map((l) => [l, JSON.stringify(l)]));
  const rows = (rows: Int32Array, start: number, end: number) => {
    const parts = model.topK(model.probsOfRows(rows, start, end), options).map((p) => `{"label":${labelJson.get(p.label)},"score":${JSON.stringify(p.score)}}`);
    return `{"predictions":[${parts.join(',')}]}\n`;
  };
  return {
    rows,
    text: (text) => {
      const features = model.features(text);
      return rows(features, 0, features.length);
    },
  };
}

/** With the verified model: writes the predictions of the waiting lines and drops them; returns the predictor for the rest. */
async function drain(model: TextClassifier, options: PredictOptions, waiting: WaitingLines, write: Write): Promise<Predictor> {
  const predictor = predictorOf(model, options);
  const rows = waiting.rows.view();
  const ends = waiting.ends.view();
  let out = '';
  for (let i = 0, from = 0; i < ends.length; from = ends[i++]) {
    out += predictor.rows(rows, from, ends[i]);
    if (out.length > 1 << 16) {
      await write(out);
      out = '';
    }
  }
  waiting.clear();
  await write(out);
  return predictor;
}

/**
 * Predicts every line of `batches` in order, writing one output line each. Lines are held only
 * while the weights load, and then no more than `cap` (past it, reading waits for the weights):
 * an endless input is never buffered whole. Held lines are predicted as soon as the weights are
 * in, not when more input comes. Rejects with the load's error as soon as the weights fail
 * verification (even while no input comes), having written nothing.
 */
export async function predictStream(batches: AsyncIterable<string[]>, pending: PendingModel, options: PredictOptions, write: Write, cap = WAITING_CAP): Promise<void> {
  const input = batches[Symbol.asyncIterator]();
  const ready = pending.ready.then((model) => ({ model }));
  let next = input.next();
  try {
    let predictor: Predictor | null = null;
    const waiting = new WaitingLines();
    while (predictor === null) {
      const first = await Promise.race([next, ready]);
      if ('model' in first) {
        predictor = await drain(first.model, options, waiting, write);
      } else if (first.done) {
        await drain((await ready).model, options, waiting, write);
        await write(null);
        return;
      } else {
        for (const line of first.value) waiting.add(pending.features(line));
        if (waiting.size >= cap) predictor = await drain((await ready).model, options, waiting, write);
        next = input.next();
      }
    }
    for (let r = await next; !r.done; r = await (next = input.next())) {
      let out = '';
      for (const line of r.value) out += predictor.text(line);
      await write(out);
    }
    await write(null);
  } catch (err) {
    // A read still in flight may fail too, once the caller closes the input: not the error to report.
    next.catch(() => {});
    throw err;
  }
}
