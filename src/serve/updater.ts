/** Worker threads of the service: the update of one job, and loading a model off the server's thread. */
import { Worker } from 'node:worker_threads';
import { AccreteError, StorageError, type ErrorCode, type StorageFaultKind } from '../errors.js';
import type { TextClassifier } from '../model/classifier.js';
import type { UpdateReport } from '../update/update.js';
import { fromTransfer, type ModelTransfer } from './transfer.js';
import type { Diagnosis } from './diagnose.js';
import type { PatchRef } from '../store/manifest.js';
import type { DiagnosisJob, WorkerJob } from './updateWorker.js';

/** Points where a crash test can hold the server: in the update, after the candidate's files are saved, before the registry commits. */
export type TestPause = 'update' | 'save' | 'commit';

export type WorkerMessage =
  | { type: 'paused'; point: TestPause }
  | { type: 'done'; accepted: boolean; report: UpdateReport; model: ModelTransfer | null; patch: PatchRef | null }
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
}

export interface RunningUpdate {
  result: Promise<UpdateResult>;
  /** Stops the worker (shutdown); the promise then rejects. */
  stop(): Promise<void>;
}

let spare: Worker | null = null;

/** An update worker that has started and waits for its job (made now when none is waiting). */
function takeWorker(): Worker {
  const worker = spare ?? new Worker(new URL('./updateWorker.js', import.meta.url));
  spare = null;
  return worker;
}

/** Starts the worker of the next update now, while nothing runs (the server calls this when idle). */
export function prepareUpdateWorker(): void {
  if (spare) return;
  spare = new Worker(new URL('./updateWorker.js', import.meta.url));
  spare.unref();
  spare.on('error', () => (spare = null));
}

/** Stops the waiting worker (at shutdown). */
export async function discardUpdateWorker(): Promise<void> {
  const w = spare;
  spare = null;
  await w?.terminate();
}

export function startUpdateWorker(job: WorkerJob, onPause: (point: TestPause) => void): RunningUpdate {
  const worker = takeWorker();
  worker.ref();
  worker.removeAllListeners('error');
  worker.postMessage(job);
  const result = new Promise<UpdateResult>((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'paused') return onPause(m.point);
      settled = true;
      if (m.type === 'diagnosis') reject(new Error('the update worker sent a diagnosis for an update'));
      else if (m.type === 'done') resolve({ accepted: m.accepted, report: m.report, model: m.model && fromTransfer(m.model), patch: m.patch });
      else reject(fromWorker(m));
    });
    worker.on('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the update worker stopped (exit code ${code}) before it finished`));
    });
  });
  return {
    result,
    stop: async () => {
      await worker.terminate();
    },
  };
}

/** Diagnoses a failed job in a worker (a control run, then bisection of its events: diagnose.ts). */
export function diagnoseInWorker(job: DiagnosisJob): { result: Promise<Diagnosis>; stop: () => Promise<void> } {
  const worker = takeWorker();
  worker.ref();
  worker.removeAllListeners('error');
  worker.postMessage(job);
  const result = new Promise<Diagnosis>((resolve, reject) => {
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'diagnosis') resolve(m.diagnosis);
      else if (m.type === 'error') reject(fromWorker(m));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`the diagnosis worker stopped (exit code ${code}) before it finished`)));
  });
  return { result, stop: async () => void (await worker.terminate()) };
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
