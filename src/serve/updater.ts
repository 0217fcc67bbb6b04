/**
 * Worker threads of the service: the update worker (one for the server's life, holding its copy of
 * the active version between jobs: updateWorker.ts), and loading a model off the server's thread.
 */
import { Worker } from 'node:worker_threads';
import { AccreteError, StorageError, type ErrorCode, type StorageFaultKind } from '../errors.js';
import type { TextClassifier } from '../model/classifier.js';
import type { UpdateReport } from '../update/update.js';
import { fromTransfer, type ModelTransfer } from './transfer.js';
import type { Diagnosis } from './diagnose.js';
import type { PatchRef } from '../store/manifest.js';
import type { DiagnosisJob, WorkerJob, WorkerNote } from './updateWorker.js';
import type { Obtained } from './residentModel.js';

/** Points where a crash test can hold the server: in the update, after the candidate's files are saved, before the registry commits. */
export type TestPause = 'update' | 'save' | 'commit';

export type WorkerMessage =
  | { type: 'paused'; point: TestPause }
  | { type: 'done'; accepted: boolean; report: UpdateReport; model: ModelTransfer | null; patch: PatchRef | null; obtained: Obtained }
  | { type: 'check'; state: string | null; digest: string | null; disk: string | null }
  | { type: 'diagnosis'; diagnosis: Diagnosis }
  | { type: 'error'; code: ErrorCode | null; message: string; storage?: StorageFaultKind };

/** An error as a worker reported it, back in its class. */
function fromWorker(m: { code: ErrorCode | null; message: string; storage?: StorageFaultKind }): Error {
  if (m.storage) return new StorageError(m.storage, m.message);
  return m.code ? new AccreteError(m.code, m.message) : new Error(m.message);
}

export interface UpdateResult {
  accepted: boolean;
  report: UpdateReport;
  /** An accepted candidate saved whole, loaded back from its staging directory (so its files are verified). */
  model: TextClassifier | null;
  /** An accepted candidate saved as a patch of its parent: the patch in its staging directory. */
  patch: PatchRef | null;
  /** How the worker got the parent: its resident copy as it was, moved by patches, or loaded from disk. */
  obtained: Obtained;
}

export interface RunningUpdate {
  result: Promise<UpdateResult>;
  /** Stops the worker (shutdown); the promise then rejects. */
  stop(): Promise<void>;
}

/** The update worker: started ahead of the first job, then kept (with its model) for the next. */
let resident: Worker | null = null;

/** The update worker, started now when there is none (it waits for its jobs unreferenced). */
function takeWorker(): Worker {
  if (resident) return resident;
  const worker = new Worker(new URL('./updateWorker.js', import.meta.url));
  worker.unref();
  worker.on('error', () => resident === worker && (resident = null));
  worker.on('exit', () => resident === worker && (resident = null));
  resident = worker;
  return worker;
}

/** Starts the update worker now, while nothing runs (modules loaded, kernels compiled before the first job). */
export function prepareUpdateWorker(): void {
  takeWorker();
}

/** Stops the update worker (at shutdown, or to abandon a job: its copy may be half-updated). */
export async function discardUpdateWorker(): Promise<void> {
  const w = resident;
  resident = null;
  await w?.terminate();
}

/** Tells the update worker a note (no answer): a published staging directory. */
export function tellUpdateWorker(note: WorkerNote): void {
  resident?.postMessage(note);
}

/**
 * Posts `message` to the update worker and settles with its answer: `settle` maps each message to a
 * value (resolve), an error (reject) or undefined (not the answer yet). The worker is referenced
 * (keeps the process alive) until then.
 */
function ask<T>(message: WorkerJob | DiagnosisJob | WorkerNote, settle: (m: WorkerMessage) => { value: T } | { error: Error } | undefined, what: string): { result: Promise<T>; stop: () => Promise<void> } {
  const worker = takeWorker();
  worker.ref();
  let cleanup = () => {};
  const result = new Promise<T>((resolve, reject) => {
    const onMessage = (m: WorkerMessage) => {
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
      if (resident === worker) resident = null;
      await worker.terminate();
    },
  };
}

export function startUpdateWorker(job: WorkerJob, onPause: (point: TestPause) => void): RunningUpdate {
  return ask<UpdateResult>(
    job,
    (m) => {
      if (m.type === 'paused') return void onPause(m.point);
      if (m.type === 'done') return { value: { accepted: m.accepted, report: m.report, model: m.model && fromTransfer(m.model), patch: m.patch, obtained: m.obtained } };
      if (m.type === 'error') return { error: fromWorker(m) };
      return { error: new Error(`the update worker answered an update with a ${m.type}`) };
    },
    'update',
  );
}

/** Diagnoses a failed job in the update worker (a control run, then bisection of its events: diagnose.ts). */
export function diagnoseInWorker(job: DiagnosisJob): { result: Promise<Diagnosis>; stop: () => Promise<void> } {
  return ask<Diagnosis>(job, (m) => (m.type === 'diagnosis' ? { value: m.diagnosis } : m.type === 'error' ? { error: fromWorker(m) } : undefined), 'diagnosis');
}

/** Test check: the update worker's resident copy (its state and digest) against its version loaded from disk. */
export function checkUpdateWorker(): Promise<{ state: string | null; digest: string | null; disk: string | null }> {
  return ask<{ state: string | null; digest: string | null; disk: string | null }>(
    { kind: 'check' },
    (m) => (m.type === 'check' ? { value: { state: m.state, digest: m.digest, disk: m.disk } } : m.type === 'error' ? { error: fromWorker(m) } : undefined),
    'update',
  ).result;
}

/** Loads a model directory in a worker (the server keeps answering meanwhile). */
export function loadOffThread(dir: string): Promise<TextClassifier> {
  const worker = new Worker(new URL('./loadWorker.js', import.meta.url), { workerData: { dir } });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { ok: true; model: ModelTransfer } | { ok: false; code: ErrorCode | null; message: string }) => {
      if (m.ok) resolve(fromTransfer(m.model));
      else reject(m.code ? new AccreteError(m.code, m.message) : new Error(m.message));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the loading worker stopped (exit code ${code})`)));
  });
}
