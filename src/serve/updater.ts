/**
 * Worker threads of the service: the update worker (one for the server's life, holding its copy of
 * the active version between jobs: updateWorker.ts), and loading a model off the server's thread.
 */
import { Worker } from 'node:worker_threads';
import { fromWire, type WireError } from '../errorWire.js';
import type { TextClassifier } from '../model/classifier.js';
import type { UpdateReport } from '../update/update.js';
import { fromTransfer, type ModelTransfer } from './transfer.js';
import type { Diagnosis } from './diagnose.js';
import type { PatchRef } from '../store/manifest.js';
import type { Patch } from '../store/patch.js';
import type { DiagnosisJob, WorkerJob, WorkerNote } from './updateWorker.js';
import type { Obtained } from './residentModel.js';
import type { ThreadPriority } from '../util/threadPriority.js';

/** What the update worker starts with. */
export interface UpdateWorkerData {
  priority: ThreadPriority;
}

/** The update worker's priority unless the server is told otherwise (accrete serve --update-priority). */
export const DEFAULT_UPDATE_PRIORITY: ThreadPriority = 'idle';

/** Points where a crash test can hold the server: in the update, after the candidate's files are saved, before the registry commits. */
export type TestPause = 'update' | 'save' | 'commit';

export type WorkerMessage =
  | { type: 'priority'; got: string }
  | { type: 'paused'; point: TestPause }
  | { type: 'done'; accepted: boolean; report: UpdateReport; patch: PatchRef | null; change?: Patch; whole?: WholeSave; obtained: Obtained; phases: Record<string, number> }
  | { type: 'check'; state: string | null; digest: string | null; disk: string | null }
  | { type: 'diagnosis'; diagnosis: Diagnosis }
  | { type: 'error'; error: WireError };

/** An error as the update worker reported it, back in its class. */
const fromWorker = (m: { error: WireError }): Error => fromWire(m.error, "the server's update worker");

/**
 * An accepted candidate saved whole (a new base): its state, and its change from the parent as a
 * patch in memory; null when the update grew the n-gram table (the rows renumbered: the server
 * loads the version whole and swaps it in).
 */
export interface WholeSave {
  state: string;
  change: Patch | null;
}

export interface UpdateResult {
  accepted: boolean;
  report: UpdateReport;
  /** An accepted candidate saved as a patch of its parent: the patch in its staging directory. */
  patch: PatchRef | null;
  /** That patch, read back from its file and verified by the worker (so the server's thread does not decode it). */
  change: Patch | null;
  /** An accepted candidate saved whole. */
  whole: WholeSave | null;
  /** How the worker got the parent: its resident copy as it was, moved by patches, or loaded from disk. */
  obtained: Obtained;
  /** Milliseconds the worker spent per step (read, parent, update, memory, save, loadBack). */
  phases: Record<string, number>;
}

export interface RunningUpdate {
  result: Promise<UpdateResult>;
  /** Stops the worker (shutdown); the promise then rejects. */
  stop(): Promise<void>;
}

/**
 * The update worker of one service: started ahead of the first job, then kept (with its copy of
 * the parent) for the next. One per service, never shared: its copy is of that registry's versions.
 */
export class UpdateWorker {
  private worker: Worker | null = null;

  /** `priority`: the worker thread's (util/threadPriority.ts); `log` is told when it got another. */
  constructor(
    private readonly priority: ThreadPriority,
    private readonly log: (line: string) => void,
  ) {}

  /** The worker, started now when there is none (it waits for its jobs unreferenced). */
  private take(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./updateWorker.js', import.meta.url), { workerData: { priority: this.priority } satisfies UpdateWorkerData });
    // Said only when the worker could not have the priority asked for (no chrt, not allowed).
    worker.on('message', (m: WorkerMessage) => m.type === 'priority' && !m.got.startsWith(this.priority) && this.log(`update worker: asked for priority ${this.priority}, got ${m.got}`));
    worker.unref();
    const gone = () => {
      if (this.worker === worker) this.worker = null;
    };
    worker.on('error', gone).on('exit', gone);
    this.worker = worker;
    return worker;
  }

  /** Starts the worker now, while nothing runs (modules loaded, kernels compiled before the first job). */
  prepare(): void {
    this.take();
  }

  /** Stops the worker (at shutdown). */
  async discard(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }

  /** Tells the worker a note that needs no answer (a published staging directory). */
  tell(note: WorkerNote): void {
    this.worker?.postMessage(note);
  }

  /**
   * Posts `message` and settles with the worker's answer: `settle` maps each message to a value, an
   * error, or undefined (not the answer yet). The worker keeps the process alive until then.
   * `stop` terminates it (its copy may be half-updated: the next job starts a new one).
   */
  private ask<T>(message: WorkerJob | DiagnosisJob | WorkerNote, settle: (m: WorkerMessage) => { value: T } | { error: Error } | undefined, what: string): { result: Promise<T>; stop: () => Promise<void> } {
    const worker = this.take();
    worker.ref();
    let cleanup = () => {};
    const result = new Promise<T>((resolve, reject) => {
      const onMessage = (m: WorkerMessage) => {
        if (m.type === 'priority') return;
        const s = settle(m);
        if (!s) return;
        cleanup();
        if ('value' in s) resolve(s.value);
        else reject(s.error);
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`the ${what} worker stopped (exit code ${code}) before it finished`));
      };
      cleanup = () => {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        worker.unref();
      };
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    });
    worker.postMessage(message);
    return {
      result,
      stop: async () => {
        if (this.worker === worker) this.worker = null;
        await worker.terminate();
      },
    };
  }

  /** Runs an update job. */
  update(job: WorkerJob, onPause: (point: TestPause) => void): RunningUpdate {
    return this.ask<UpdateResult>(
      job,
      (m) => {
        if (m.type === 'paused') return void onPause(m.point);
        if (m.type === 'done') return { value: { accepted: m.accepted, report: m.report, patch: m.patch, change: m.change ?? null, whole: m.whole ?? null, obtained: m.obtained, phases: m.phases } };
        if (m.type === 'error') return { error: fromWorker(m) };
        return { error: new Error(`the update worker answered an update with a ${m.type}`) };
      },
      'update',
    );
  }

  /** Diagnoses a failed job (a control run, then bisection of its events: diagnose.ts). */
  diagnose(job: DiagnosisJob): { result: Promise<Diagnosis>; stop: () => Promise<void> } {
    return this.ask<Diagnosis>(job, (m) => (m.type === 'diagnosis' ? { value: m.diagnosis } : m.type === 'error' ? { error: fromWorker(m) } : undefined), 'diagnosis');
  }

  /** Test check: the resident copy (its state and digest) against its version loaded from disk. */
  check(): Promise<{ state: string | null; digest: string | null; disk: string | null }> {
    return this.ask<{ state: string | null; digest: string | null; disk: string | null }>(
      { kind: 'check' },
      (m) => (m.type === 'check' ? { value: { state: m.state, digest: m.digest, disk: m.disk } } : m.type === 'error' ? { error: fromWorker(m) } : undefined),
      'update',
    ).result;
  }
}

/** Loads a model directory in a worker (the server keeps answering meanwhile). */
export function loadOffThread(dir: string): Promise<TextClassifier> {
  const worker = new Worker(new URL('./loadWorker.js', import.meta.url), { workerData: { dir } });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { ok: true; model: ModelTransfer } | { ok: false; error: WireError }) => {
      if (m.ok) resolve(fromTransfer(m.model));
      else reject(fromWire(m.error, 'the loading worker'));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the loading worker stopped (exit code ${code})`)));
  });
}
