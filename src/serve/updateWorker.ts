/**
 * Runs one update in a worker thread, on a copy of the parent loaded from disk, so the server's
 * thread keeps answering predictions from the active version meanwhile: the worker reads the job's
 * feedback from the registry (its own read-only connection), updates, saves an accepted candidate
 * with its memory to the job's staging directory, loads it back (every checksum verified) and hands
 * that copy to the server without copying its tensors; the server records it and swaps it in.
 * The thread lowers its own scheduling priority (on Linux a thread has its own nice value), so on a
 * busy machine predictions go first. It is started ahead of its job (modules loaded, kernels
 * compiled) and waits for the job as its first message, so that start-up does not compete with
 * predictions while an update runs.
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { AccreteError } from '../errors.js';
import { kernelModule } from '../model/arena.js';
import { Registry } from '../registry/registry.js';
import { loadModel } from '../store/modelFiles.js';
import { buildMemory, DEFAULT_REPLAY, estimateFisher, loadLearner, saveLearner } from '../update/memory.js';
import { update, type UpdateOptions } from '../update/update.js';
import { toTransfer } from './transfer.js';
import type { TestPause, WorkerMessage } from './updater.js';

export interface WorkerJob {
  registryFile: string;
  /** The job's feedback: ids after < id <= upto. */
  after: number;
  upto: number;
  parentDir: string;
  stagingDir: string;
  options: UpdateOptions;
  pause: TestPause | null;
}

const post = (m: WorkerMessage) => parentPort!.postMessage(m);

/** Test hook: stop here (for a crash test to kill the process at a known point). */
function hold(point: TestPause): void {
  post({ type: 'paused', point });
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000);
}

function readExamples(job: WorkerJob) {
  const registry = Registry.open(job.registryFile, { readonly: true });
  try {
    return registry.examples(job.after, job.upto);
  } finally {
    registry.close();
  }
}

function runJob(job: WorkerJob): WorkerMessage {
  const examples = readExamples(job);
  const { model, memory } = loadLearner(job.parentDir);
  let held = false;
  const decision = update(model, examples, {
    ...job.options,
    memory,
    onRound: () => {
      if (job.pause === 'update' && !held) hold('update');
      held = true;
    },
  });
  if (!decision.accepted) return { type: 'done', accepted: false, report: decision.report, model: null };
  const capacity = job.options.replay ?? DEFAULT_REPLAY;
  let kept = memory;
  if (kept === null && capacity > 0) kept = buildMemory(model, examples, { capacity, seed: job.options.seed ?? model.config.seed });
  // The Fisher estimate went stale with the update: recompute it for the next one.
  if (kept && kept.fisher === null && kept.replay.size > 0) kept.fisher = estimateFisher(model, kept.replay.examples());
  saveLearner(model, kept, job.stagingDir);
  if (job.pause === 'save') hold('save');
  return { type: 'done', accepted: true, report: decision.report, model: toTransfer(loadModel(job.stagingDir)) };
}

function run(job: WorkerJob): void {
  try {
    post(runJob(job));
  } catch (err) {
    post({ type: 'error', code: err instanceof AccreteError ? err.code : null, message: err instanceof Error ? err.message : String(err) });
  }
  parentPort!.close();
}

try {
  setPriority(10);
} catch {
  // not allowed here: run at normal priority
}
kernelModule();
parentPort!.once('message', run);
