/**
 * Runs update jobs in a worker thread, one at a time, so the server's thread keeps answering
 * predictions from the active version meanwhile: the worker reads the job's feedback from the
 * registry (its own read-only connection), updates its resident copy of the parent
 * (residentModel.ts: loaded once, kept between jobs, moved by patches when the active version
 * moved), saves an accepted candidate with its memory to the job's staging directory, and hands
 * the server the patch (applied to the serving model in place) or, for a whole save (a new base),
 * the same change as a diff in memory, applied in place the same way. A rejected update leaves the
 * copy as it was (update()'s undo journal); an accepted one leaves it the child. The worker lives
 * as long as the server: it lowers its own scheduling priority first (accrete serve
 * --update-priority: SCHED_IDLE by default on Linux), so that predictions go first. After a
 * failed job it runs the diagnosis (diagnose.ts).
 */
import { sleepSync } from '../util/sleepSync.js';
import { rmSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThread } from '../util/threadPriority.js';
import { kernelModule } from '../model/arena.js';
import { Registry } from '../registry/registry.js';
import { memoryAfterUpdate, memoryBefore, saveLearner } from '../update/memory.js';
import { forget, keep, movedDir, residentState, takeLearner } from './residentModel.js';
import { learnerDigest } from './learnerDigest.js';
import { loadLearner } from '../update/memory.js';
import { saveUpdated } from '../update/saveVersion.js';
import { update, type UpdateOptions } from '../update/update.js';
import type { Example } from '../data/example.js';
import { diagnose } from './diagnose.js';
import { faultSeam } from '../util/faultSeam.js';
import { storageError } from '../util/storageFaults.js';
import { toWire } from '../errorWire.js';
import { diffModel, modelChange, readPatch, renumbered, type Patch } from '../store/patch.js';
import { PATCH_DIR } from '../store/manifest.js';
import { join } from 'node:path';
import type { TestPause, UpdateWorkerData, WorkerMessage } from './updater.js';

export interface WorkerJob {
  kind: 'update';
  registryFile: string;
  /** The job, whose claimed feedback the worker reads (from registryFile, unless given in `examples`). */
  job: number;
  /** The job's claimed events, when the registry is not a file the worker can read (PostgreSQL). */
  examples?: Example[];
  parentDir: string;
  /** The parent's state as the registry records it (its checksum): the worker's copy must be exactly that. */
  parentState: string | null;
  stagingDir: string;
  options: UpdateOptions;
  pause: TestPause | null;
}

/** Messages to the worker besides jobs: a staging directory was published (the resident copy's files moved), or a test's check. */
export type WorkerNote = { kind: 'published'; from: string; to: string } | { kind: 'check' };

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

/** The buffers of a patch read back from its file (readPatch's own arrays), handed over rather than copied. */
function buffersOf(change: Patch | undefined): ArrayBuffer[] {
  if (!change) return [];
  const all = new Set<ArrayBuffer>();
  for (const r of change.rows) for (const a of [r.ids, r.delta]) if (a.buffer instanceof ArrayBuffer && a.byteLength === a.buffer.byteLength) all.add(a.buffer);
  return [...all];
}

const post = (m: WorkerMessage) => parentPort!.postMessage(m, m.type === 'done' ? buffersOf(m.change) : []);

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
  // Milliseconds per step, for the server's log: where an answer's time goes beyond the update's own work.
  const phases: Record<string, number> = {};
  const timed = <T>(name: string, step: () => T): T => {
    const t = performance.now();
    try {
      return step();
    } finally {
      phases[name] = Math.round(performance.now() - t);
    }
  };
  const examples = job.examples ?? timed('read', () => withRegistry(job.registryFile, (r) => r.claimedBy(job.job)).examples);
  // Taken out of the resident slot: if anything below throws, no half-updated copy stays behind.
  const { model, memory, ...obtained } = timed('parent', () => takeLearner(job.parentDir, job.parentState));
  const was = memory ? memoryBefore(memory) : null;
  let held = false;
  const decision = timed('update', () =>
    update(model, examples, {
      ...job.options,
      memory,
      onRound: () => {
        if (job.pause === 'update' && !held) hold('update');
        held = true;
      },
    }),
  );
  const done = { type: 'done', report: decision.report, obtained, phases } as const;
  if (!decision.accepted) {
    // The undo journal put every row, word, label and the memory back: still the parent, bit for bit.
    keep({ model, memory }, job.parentDir);
    return { ...done, accepted: false, patch: null };
  }
  const kept = timed('memory', () => memoryAfterUpdate(model, memory, examples, job.options));
  faultSeam('file');
  // The new version shares the parent's files and adds its patch (saveVersion.ts).
  const saved = timed('save', () => saveUpdated(model, kept, decision.parent, was, job.stagingDir, job.parentDir));
  if (job.pause === 'save') hold('save');
  // The copy is now the child, whose state the staging directory's files name.
  const state = keep({ model, memory: kept }, job.stagingDir);
  // A patch goes to the server as itself, read back from its file here and verified against its
  // checksum (the server applies it to the serving model): decoding it on the server's thread
  // stalled predictions for ~100 ms at each accepted update of 20,000 events. Only the model's part
  // crosses (modelChange): the memory's part is what the server's thread would decode for nothing.
  if (saved.as === 'patch') return { ...done, accepted: true, patch: saved.ref, change: timed('verify', () => modelChange(readPatch(join(job.stagingDir, PATCH_DIR, saved.ref.name), saved.ref.xxh64))) };
  // Saved whole (a new base): the same change as a patch in memory, which the server applies in
  // place as for a patch, rather than this thread loading the whole model back for a swap. A grown
  // n-gram table renumbered every row, which no patch says: the server loads that version whole.
  if (renumbered(model, decision.parent)) return { ...done, accepted: true, patch: null, whole: { state, change: null } };
  return { ...done, accepted: true, patch: null, whole: { state, change: timed('diff', () => diffModel(model, decision.parent)) } };
}

/** Test check: the resident copy's state and digest, and the digest of its version loaded from disk. */
function check(): WorkerMessage {
  const r = residentState();
  if (!r) return { type: 'check', state: null, digest: null, disk: null };
  return { type: 'check', state: r.state, digest: learnerDigest(r.learner), disk: learnerDigest(loadLearner(r.dir)) };
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

function runDiagnosis(job: DiagnosisJob): WorkerMessage {
  // The parent, taken once for every run (the resident copy when it is the parent): a failed or
  // rejected update leaves it bit for bit as it was (update()'s undo journal); only an accepted one
  // changes it, and then the next run loads it again.
  let parent: ReturnType<typeof loadLearner> | null = null;
  const learner = () => (parent ??= takeLearner(job.parentDir, null));
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
  const diagnosis = diagnose(job.ids, control, trial);
  if (parent) keep(parent, job.parentDir);
  return { type: 'diagnosis', diagnosis };
}

function run(job: WorkerJob | DiagnosisJob | WorkerNote): void {
  if (job.kind === 'published') return movedDir(job.from, job.to);
  try {
    post(job.kind === 'update' ? runJob(job) : job.kind === 'diagnose' ? runDiagnosis(job) : check());
  } catch (err) {
    // A job that failed may have left its copy half-changed: the next one loads.
    if (job.kind !== 'check') forget();
    post({ type: 'error', error: toWire(storageError(err) ?? err) });
  }
}

// Before anything else, so that threads it starts inherit it (util/threadPriority.ts).
post({ type: 'priority', got: lowerThisThread((workerData as UpdateWorkerData).priority) });
kernelModule();
// One message after another: the server sends a job only once the one before has answered.
parentPort!.on('message', run);
