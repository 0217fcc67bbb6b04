/**
 * Runs one update in a worker thread, on a copy of the parent loaded from disk, so the server's
 * thread keeps answering predictions from the active version meanwhile: the worker reads the job's
 * feedback from the registry (its own read-only connection), updates, saves an accepted candidate
 * with its memory to the job's staging directory, loads it back (every checksum verified) and hands
 * that copy to the server without copying its tensors; the server records it and swaps it in.
 * The thread lowers its own scheduling priority (on Linux a thread has its own nice value), so on a
 * busy machine predictions go first. It is started ahead of its job (modules loaded, kernels
 * compiled) and waits for the job as its first message, so that start-up does not compete with
 * predictions while an update runs. After a failed job, a worker runs its diagnosis (diagnose.ts).
 */
import { sleepSync } from '../util/sleepSync.js';
import { rmSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { AccreteError } from '../errors.js';
import { kernelModule } from '../model/arena.js';
import { Registry } from '../registry/registry.js';
import { loadModel } from '../store/modelFiles.js';
import { loadLearner, memoryAfterUpdate, memoryBefore, saveLearner } from '../update/memory.js';
import { saveUpdated } from '../update/saveVersion.js';
import { update, type UpdateOptions } from '../update/update.js';
import type { Example } from '../data/example.js';
import { diagnose } from './diagnose.js';
import { faultSeam } from '../util/faultSeam.js';
import { storageError } from '../util/storageFaults.js';
import { toTransfer } from './transfer.js';
import type { TestPause, WorkerMessage } from './updater.js';

export interface WorkerJob {
  kind: 'update';
  registryFile: string;
  /** The job, whose claimed feedback the worker reads (from registryFile, unless given in `examples`). */
  job: number;
  /** The job's claimed events, when the registry is not a file the worker can read (PostgreSQL). */
  examples?: Example[];
  parentDir: string;
  stagingDir: string;
  options: UpdateOptions;
  pause: TestPause | null;
}

/** The diagnosis of a failed job: a control run saved to `scratchDir` (removed after), then trials on parts of `ids`. */
export interface DiagnosisJob {
  kind: 'diagnose';
  registryFile: string;
  ids: number[];
  /** The events of `ids`, in that order, when the registry is not a file the worker can read (PostgreSQL). */
  examples?: Example[];
  parentDir: string;
  scratchDir: string;
  options: UpdateOptions;
}

/** Examples of a control run: as many known-good ones as the job had events, within these bounds. */
const CONTROL_MIN = 8;
const CONTROL_MAX = 256;

const post = (m: WorkerMessage) => parentPort!.postMessage(m);

/** Test hook: stop here (for a crash test to kill the process at a known point). */
function hold(point: TestPause): void {
  post({ type: 'paused', point });
  sleepSync(120_000);
}

function withRegistry<T>(file: string, read: (r: Registry) => T): T {
  const registry = Registry.open(file, { readonly: true });
  try {
    return read(registry);
  } finally {
    registry.close();
  }
}

function runJob(job: WorkerJob): WorkerMessage {
  const examples = job.examples ?? withRegistry(job.registryFile, (r) => r.claimedBy(job.job)).examples;
  const { model, memory } = loadLearner(job.parentDir);
  const was = memory ? memoryBefore(memory) : null;
  let held = false;
  const decision = update(model, examples, {
    ...job.options,
    memory,
    onRound: () => {
      if (job.pause === 'update' && !held) hold('update');
      held = true;
    },
  });
  if (!decision.accepted) return { type: 'done', accepted: false, report: decision.report, model: null, patch: null };
  const kept = memoryAfterUpdate(model, memory, examples, job.options);
  faultSeam('file');
  // The new version shares the parent's files and adds its patch (saveVersion.ts).
  const saved = saveUpdated(model, kept, decision.parent, was, job.stagingDir, job.parentDir);
  if (job.pause === 'save') hold('save');
  // A patch goes to the server as itself (it applies it to the serving model); a whole save is loaded back, verified.
  if (saved.as === 'patch') return { type: 'done', accepted: true, report: decision.report, model: null, patch: saved.ref };
  return { type: 'done', accepted: true, report: decision.report, model: toTransfer(loadModel(job.stagingDir)), patch: null };
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

function runDiagnosis(job: DiagnosisJob): WorkerMessage {
  // The parent, loaded once for every run: a failed or rejected update leaves it bit for bit as it
  // was (update()'s undo journal); only an accepted one changes it, and then the next run loads it again.
  let parent: ReturnType<typeof loadLearner> | null = null;
  const learner = () => (parent ??= loadLearner(job.parentDir));
  /** One update of the parent on `examples`, as the job ran it; `save`: also save the result to the scratch directory. */
  const tryUpdate = (examples: () => Example[], save: boolean): string | null => {
    try {
      const { model, memory } = learner();
      if (update(model, examples(), { ...job.options, memory }).accepted) parent = null;
      if (save) {
        faultSeam('file');
        saveLearner(model, memory, job.scratchDir);
      }
      return null;
    } catch (err) {
      return messageOf(storageError(err) ?? err);
    } finally {
      if (save) rmSync(job.scratchDir, { recursive: true, force: true });
    }
  };
  const control = () => {
    let known: Example[];
    try {
      known = learner().memory?.replay.examples() ?? [];
    } catch (err) {
      return messageOf(err);
    }
    if (known.length === 0) return 'no control run: the version has no replay memory, so the fault cannot be told from the data';
    const n = Math.min(known.length, CONTROL_MAX, Math.max(CONTROL_MIN, job.ids.length));
    const step = known.length / n;
    const sample = Array.from({ length: n }, (_, i) => known[Math.floor(i * step)]);
    return tryUpdate(() => sample, true);
  };
  const given = job.examples && new Map(job.ids.map((id, i) => [id, job.examples![i]]));
  const byId = (ids: readonly number[]) => (given ? ids.flatMap((id) => given.get(id) ?? []) : withRegistry(job.registryFile, (r) => r.examplesById(ids)));
  const trial = (ids: readonly number[]) => tryUpdate(() => byId(ids), false);
  return { type: 'diagnosis', diagnosis: diagnose(job.ids, control, trial) };
}

function run(job: WorkerJob | DiagnosisJob): void {
  try {
    post(job.kind === 'update' ? runJob(job) : runDiagnosis(job));
  } catch (err) {
    const storage = storageError(err);
    const e = storage ?? err;
    post({ type: 'error', code: e instanceof AccreteError ? e.code : null, message: messageOf(e), storage: storage?.kind });
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
