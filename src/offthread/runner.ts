/**
 * Runs a learner job in a worker thread of its own (worker.ts), so the caller's event loop keeps
 * turning: progress and other messages go to `onMessage`, an abort terminates the thread and
 * rejects with an AbortError, an error thrown there is thrown here as the same class.
 */
import { Worker } from 'node:worker_threads';
import { abortError } from './abort.js';
import type { Job, JobResult, WorkerMessage } from './protocol.js';
import { fromWire } from './wire.js';
import { packedBuffers } from './pack.js';

export interface RunJobOptions {
  signal?: AbortSignal;
  /** What the job is, for the AbortError's message ('Learner.train', 'learn'...). */
  what: string;
  /** Buffers the job hands over rather than copies (default: its packed strings, see packedOf). */
  transfer?: ArrayBuffer[];
  /** Messages other than the result; an exception thrown here stops the job and rejects with it. */
  onMessage?: (m: Exclude<WorkerMessage, { type: 'done' | 'error' }>) => void;
}

export function runJob<T extends JobResult>(job: Job, options: RunJobOptions): Promise<T> {
  const { signal, what, onMessage, transfer = packedOf(job) } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal, what));
  const worker = new Worker(new URL('./worker.js', import.meta.url));
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      worker.removeAllListeners('message');
      void worker.terminate();
      settle();
    };
    const onAbort = () => finish(() => reject(abortError(signal!, what)));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'done') return finish(() => resolve(m.result as T));
      if (m.type === 'error') return finish(() => reject(fromWire(m.error)));
      try {
        onMessage?.(m);
      } catch (err) {
        finish(() => reject(err));
      }
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) => finish(() => reject(new Error(`${what}: the worker thread exited (code ${code}) before it answered`))));
    worker.postMessage(job, transfer);
  });
}

/**
 * The packed strings of a job (examples, vocabulary, replay memory), made for it on this thread:
 * handed over rather than copied, since cloning megabytes of text held this thread for tens of ms.
 */
function packedOf(job: Job): ArrayBuffer[] {
  const source = 'source' in job && 'examples' in job.source ? job.source.examples : null;
  const words = 'model' in job ? job.model.vocab.words : null;
  const memory = job.kind === 'learn' ? job.memory : null;
  return packedBuffers(source, words, memory?.replay, memory?.guard);
}
