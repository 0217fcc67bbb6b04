/**
 * Runs a learner job in a worker thread (worker.ts): one of its own (runJob), or one a Learner
 * keeps between its learns (JobThread), so the caller's event loop keeps turning: progress and
 * other messages go to `onMessage`, an abort terminates the thread and rejects with an AbortError,
 * an error thrown there is thrown here as the same class.
 */
import { Worker } from 'node:worker_threads';
import { abortError } from './abort.js';
import type { Job, JobResult, WorkerMessage } from './protocol.js';
import { fromWire } from '../errorWire.js';
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

/**
 * A job in a worker thread of its own, ended with the job (train, load, evaluate: one-off work,
 * whose thread should not outlive it).
 */
export async function runJob<T extends JobResult>(job: Job, options: RunJobOptions): Promise<T> {
  const thread = new JobThread();
  try {
    return await thread.run<T>(job, options);
  } finally {
    thread.close();
  }
}

/**
 * A worker thread kept between jobs (a Learner's learns): started at the first job, not at each
 * (starting one and loading its modules cost some 0.3 to 1 s of a learn's wall time on a busy
 * machine), and unref()ed between jobs, so an idle one never keeps the process alive. One job at a
 * time (the caller runs them one after the other). An abort terminates the thread (the job cannot
 * be stopped otherwise); the next job starts a new one. The thread keeps what a job left it (the
 * worker's `kept` state, jobs.ts) only as long as it lives: a job must not count on it.
 */
export class JobThread {
  #worker: Worker | null = null;
  #busy = false;

  /** The running worker thread's id, or null when none is (not started yet, or ended). */
  get threadId(): number | null {
    return this.#worker?.threadId ?? null;
  }

  run<T extends JobResult>(job: Job, options: RunJobOptions): Promise<T> {
    const { signal, what, onMessage, transfer = packedOf(job) } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal, what));
    if (this.#busy) return Promise.reject(new Error(`${what}: the learner's worker thread is running another job`));
    this.#busy = true;
    const worker = (this.#worker ??= new Worker(new URL('./worker.js', import.meta.url)));
    // Held alive while the job runs: an awaited job must not be cut short by the process exiting.
    worker.ref();
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (settle: () => void, end: boolean) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        worker.off('message', onWorkerMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        this.#busy = false;
        if (end) this.#end(worker);
        else worker.unref();
        settle();
      };
      const onAbort = () => finish(() => reject(abortError(signal!, what)), true);
      const onWorkerMessage = (m: WorkerMessage) => {
        if (m.type === 'done') return finish(() => resolve(m.result as T), false);
        if (m.type === 'error') return finish(() => reject(fromWire(m.error, "the learner's worker thread")), false);
        try {
          onMessage?.(m);
        } catch (err) {
          // The job runs on regardless: only ending the thread stops it.
          finish(() => reject(err), true);
        }
      };
      const onError = (err: Error) => finish(() => reject(err), true);
      const onExit = (code: number) => finish(() => reject(new Error(`${what}: the worker thread exited (code ${code}) before it answered`)), true);
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.on('message', onWorkerMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      try {
        worker.postMessage(job, transfer);
      } catch (err) {
        finish(() => reject(err), true);
      }
    });
  }

  /** Ends the thread (a job under way is dropped); the next job starts another. */
  close(): void {
    if (this.#worker) this.#end(this.#worker);
  }

  #end(worker: Worker): void {
    if (this.#worker === worker) this.#worker = null;
    void worker.terminate();
  }
}

/**
 * The packed strings of a job (examples, vocabulary, replay memory), made for it on this thread:
 * handed over rather than copied, since cloning megabytes of text held this thread for tens of ms.
 */
function packedOf(job: Job): ArrayBuffer[] {
  const source = 'source' in job && 'examples' in job.source ? job.source.examples : null;
  const words = 'model' in job && job.model ? job.model.vocab.words : null;
  const memory = job.kind === 'learn' ? job.memory : null;
  return packedBuffers(source, words, memory?.replay, memory?.guard);
}
