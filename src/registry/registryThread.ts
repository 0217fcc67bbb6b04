/**
 * A server's registry thread (registryWorker.ts), seen from the server's thread: a Registry method
 * called there answers as a promise, so a statement whose cost grows with the feedback (claiming
 * 20,000 events took 60-70 ms in one synchronous call) no longer holds up predictions. Calls run
 * one after another, in the order made. The thread starts at the first call and again after it
 * stopped (restart() after an I/O error, or a crash of the thread: its calls in flight fail).
 */
import { SHARE_ENV, Worker } from 'node:worker_threads';
import type { Registry } from './registry.js';
import { fromWire } from '../errorWire.js';
import type { ThreadMethod, ThreadReply } from './threadCalls.js';

type Waiting = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Method<M extends ThreadMethod> = Registry[M] extends (...args: infer A) => infer R ? (...args: A) => R : never;

export class RegistryThread {
  private current: { worker: Worker; waiting: Map<number, Waiting> } | null = null;
  private next = 1;

  constructor(
    private readonly file: string,
    private readonly token: string,
  ) {}

  /** Runs `registry[method](...args)` on the thread's connection. */
  call<M extends ThreadMethod>(method: M, ...args: Parameters<Method<M>>): Promise<ReturnType<Method<M>>> {
    const { worker, waiting } = this.take();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ id, method, args });
    });
  }

  /** Stops the thread (its connection closes, leaving the claim); the next call starts another. */
  async restart(): Promise<void> {
    const c = this.current;
    this.current = null;
    await c?.worker.terminate();
  }

  close(): Promise<void> {
    return this.restart();
  }

  private take(): { worker: Worker; waiting: Map<number, Waiting> } {
    if (this.current) return this.current;
    // SHARE_ENV: the fault seam's and crash points' variables, as this thread sees them now.
    const worker = new Worker(new URL('./registryWorker.js', import.meta.url), { workerData: { file: this.file, token: this.token }, env: SHARE_ENV });
    worker.unref();
    const waiting = new Map<number, Waiting>();
    worker.on('message', (m: ThreadReply) => {
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      if (waiting.size === 0) worker.unref();
      if (m.ok) w.resolve(m.value);
      else w.reject(fromWire(m.error, "the server's registry thread"));
    });
    const gone = (why: string) => {
      if (this.current?.worker === worker) this.current = null;
      for (const [id, w] of waiting) {
        waiting.delete(id);
        w.reject(new Error(`the registry thread stopped (${why}) before it answered`));
      }
    };
    worker.on('error', (err) => gone(err.message)).on('exit', (code) => gone(`exit code ${code}`));
    return (this.current = { worker, waiting });
  }
}
