/**
 * Update jobs of the service, one at a time: claim the pending feedback, run the update in the
 * update worker on its copy of the active version (kept between jobs: residentModel.ts), then
 * record the gate's decision. An accepted candidate (saved by the worker) goes from its staging
 * directory to `versions/<id>`, is recorded with its activation in one transaction, and only then
 * applied to the serving model in place. Nothing here costs the server's
 * thread more than a few milliseconds, whatever the size of the model or of the feedback: a SQLite
 * registry runs the job's transactions on its registry thread (registry/registryThread.ts), and
 * PostgreSQL's calls are asynchronous.
 */
import { sleepSync } from '../util/sleepSync.js';
import { AccreteError } from '../errors.js';
import { summarize, type JobTrigger, type VersionMetrics } from '../registry/types.js';
import type { GateIssue } from '../update/gate.js';
import { formatSelection, type SelectionSpec } from '../update/selection.js';
import type { UpdateOptions, UpdateReport } from '../update/update.js';
import type { Service } from './service.js';
import { DEFAULT_UPDATE_PRIORITY, UpdateWorker, type RunningUpdate, type TestPause } from './updater.js';
import type { Obtained } from './residentModel.js';
import type { Diagnosis } from './diagnose.js';
import type { StartedJob } from '../registry/store.js';
import { join } from 'node:path';
import { stagingPath } from '../registry/files.js';
import { PATCH_DIR } from '../store/manifest.js';
import { applyPatch, readPatch } from '../store/patch.js';
import { StorageError } from '../errors.js';
import { storageError } from '../util/storageFaults.js';

export interface UpdateAnswer {
  accepted: boolean;
  /** The version serving after the decision: the new one when it was accepted and activated. */
  version: string;
  /** The version the update made (accepted only). */
  created: string | null;
  reasons: GateIssue[];
  report: UpdateReport | null;
  job: number | null;
}

interface Running {
  job: number;
  trigger: JobTrigger;
  startedAt: string;
  worker: RunningUpdate;
  /** Set once the job failed (it is being diagnosed). */
  failed?: boolean;
}

export function versionMetrics(r: UpdateReport): VersionMetrics {
  return {
    guard: summarize(r.after.guard),
    fresh: summarize(r.after.fresh),
    before: { guard: summarize(r.before.guard), fresh: summarize(r.before.fresh) },
  };
}

/** How the worker got its parent, for the log. */
function describeObtained(o: Obtained, parent: string): string {
  if (o.how === 'kept') return `its resident copy of ${parent}`;
  if (o.how === 'moved') return `its resident copy, moved to ${parent} by patches (${o.reverted} reverted, ${o.applied} applied)`;
  return `${parent} loaded from disk (${o.why})`;
}

const formatSteps = (steps: Record<string, number>) =>
  Object.entries(steps)
    .map(([name, ms]) => `${name} ${ms}`)
    .join(', ');

/** The answer of an update with no pending feedback. */
function noData(version: string, job: number | null): UpdateAnswer {
  const reasons: GateIssue[] = [{ code: 'no-data', metric: 'examples', before: 0, after: 0, threshold: 1, message: 'no pending feedback: nothing to learn' }];
  return { accepted: false, version, created: null, reasons, report: null, job };
}

const withoutUndefined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The options as the registry records them (a selection as its text). */
export function recorded(options: UpdateOptions): Record<string, unknown> {
  const { select, ...rest } = options;
  return select === undefined ? rest : { ...rest, select: typeof select === 'string' ? select : formatSelection(select as SelectionSpec) };
}

/** Test hook (crash tests): stop the whole process here until it is killed. */
function holdProcess(point: TestPause, log: (line: string) => void): void {
  log(`test pause: ${point}`);
  sleepSync(120_000);
}

export class UpdateJobs {
  private current: Running | null = null;
  private diagnosing: { stop: () => Promise<void> } | null = null;
  private readonly stranded = new Set<number>();
  private closed = false;
  private starting = false;
  /** The worker of every job, with its copy of the parent kept between them. */
  readonly worker: UpdateWorker;

  constructor(
    private readonly service: Service,
    private readonly pause: TestPause | null,
  ) {
    this.worker = new UpdateWorker(service.options.updatePriority ?? DEFAULT_UPDATE_PRIORITY, (line) => service.log(line));
    this.worker.prepare();
  }

  get running(): { job: number; trigger: JobTrigger; startedAt: string } | null {
    return this.current && { job: this.current.job, trigger: this.current.trigger, startedAt: this.current.startedAt };
  }

  /** True from the moment an update starts (before its job is claimed) until it has finished. */
  get busy(): boolean {
    return this.current !== null || this.starting;
  }

  /** Runs an update on all pending feedback (as job `queued`, when a replica queued it); resolves with the gate's decision. */
  async start(trigger: JobTrigger, given: UpdateOptions, queued?: number): Promise<UpdateAnswer> {
    const s = this.service;
    // The server's update defaults, recorded with the job as if the request had named them.
    const options = { ...withoutUndefined(s.options.updateDefaults ?? {}), ...withoutUndefined(given) };
    if (this.closed) throw new AccreteError('UNAVAILABLE', 'the server is shutting down; run the update after it restarts');
    if (this.current || this.starting) throw new AccreteError('CONFLICT', `an update is already running${this.current ? ` (job ${this.current.job})` : ''}; try again when it has finished`);
    // From here to this.current, the registry is awaited: the flag keeps a second start out.
    this.starting = true;
    let started: StartedJob;
    let worker: RunningUpdate;
    try {
      await this.settleStranded();
      if (s.pending === 0 && queued === undefined) return noData(s.active.id, null);
      // Claims every pending event in one statement.
      started = await s.registry.startJob(trigger, recorded(options), queued);
      if (started.count === 0) {
        // A queued job finds nothing to learn (another job took the events): it finishes as such.
        const answer = noData(s.active.id, started.job);
        await s.registry.rejectJob(started.job, answer.reasons, { guard: null, fresh: null }, null);
        return answer;
      }
      s.setPending(0);
      s.log(`update job ${started.job} (${trigger}): ${started.count} feedback event(s) on ${started.parent}`);
      worker = await this.launch(started, options);
      this.current = { job: started.job, trigger, startedAt: new Date().toISOString(), worker };
    } finally {
      this.starting = false;
    }
    const { job, parent, count } = started;
    try {
      const answer = await this.finish(started, trigger, options, worker);
      s.health.updateFinished();
      return answer;
    } catch (err) {
      if (this.closed) {
        // interrupt() stopped the worker: an expected end, not a failure.
        throw new AccreteError('UNAVAILABLE', `the server is shutting down: update job ${job} was interrupted, and its ${count} feedback event(s) will be pending again when the server restarts`);
      }
      throw await this.failed(job, parent, trigger, options, storageError(err) ?? err);
    } finally {
      this.current = null;
      if (!this.closed) {
        this.worker.prepare();
        setImmediate(() => s.checkPolicies());
      }
    }
  }

  /** Starts the worker of a claimed job (a failure to start fails the job: its events are pending again). */
  private async launch(started: StartedJob, options: UpdateOptions): Promise<RunningUpdate> {
    const s = this.service;
    const { job, parent, staging } = started;
    try {
      await s.registry.ensureLocal(parent);
      // A SQLite registry's worker reads the claimed events itself; others get them with the job.
      const examples = s.registry.workerFile === null ? (await s.registry.claimedBy(job)).examples : undefined;
      // The worker checks its copy against the state the registry records, whatever it last saw.
      const parentState = (await s.registry.version(parent)).checksum;
      return this.worker.update(
        { kind: 'update', registryFile: s.registry.workerFile ?? '', examples, job, parentDir: s.registry.dirOf(parent), parentState, stagingDir: staging, options, pause: this.pause },
        (point) => s.log(`test pause: ${point}`),
      );
    } catch (err) {
      await s.registry.failJob(job, `the update could not start: ${(err as Error).message}`).catch(() => this.stranded.add(job));
      throw storageError(err) ?? err;
    }
  }

  /**
   * A job failed: its events are pending again, a diagnosis tells a fault of the environment or
   * the options from one of the data (and quarantines the events at fault), and the health
   * records it (automatic updates back off). Returns the error to answer, with what was found.
   */
  private async failed(job: number, parent: string, trigger: JobTrigger, options: UpdateOptions, err: unknown): Promise<unknown> {
    const s = this.service;
    const message = (err as Error)?.message ?? String(err);
    if (this.current) this.current.failed = true;
    s.counters.update('failed', trigger);
    let ids: number[] = [];
    try {
      ids = await s.registry.claimedIds(job);
      const released = await s.registry.failJob(job, message);
      s.setPending(await s.registry.pendingCount());
      s.log(`update job ${job} failed: ${message}; its ${released} feedback event(s) are pending again`);
    } catch (recordErr) {
      // The registry cannot record it now (a storage fault): its events stay claimed until it can.
      this.stranded.add(job);
      s.storageFault(recordErr);
      s.log(`update job ${job} failed: ${message}; recording the failure failed too (${(recordErr as Error).message}): it is retried`);
    }
    const diagnosis = await this.diagnose(job, parent, options, ids, err);
    let note: string;
    if (diagnosis.fault === 'environment') note = `the same update on known-good examples fails too (${diagnosis.control}): a fault of the files, the storage or the options; no feedback was quarantined`;
    else if (diagnosis.quarantine.length) note = `known-good examples update fine; ${diagnosis.quarantine.length} feedback event(s) that make updates fail were quarantined (ids ${diagnosis.quarantine.slice(0, 10).map((q) => q.id).join(', ')}${diagnosis.quarantine.length > 10 ? ', ...' : ''}); GET /v1/updates/${job} lists them`;
    else note = 'known-good examples update fine, but no single event makes the update fail on its own: the events stay pending';
    try {
      await s.registry.diagnoseJob(job, diagnosis.fault, diagnosis.quarantine);
      s.setPending(await s.registry.pendingCount());
      await s.refreshCounts();
    } catch (recordErr) {
      s.storageFault(recordErr);
    }
    s.health.updateFailed({ at: new Date().toISOString(), job, fault: diagnosis.fault, message }, diagnosis.quarantine.length);
    const wait = s.health.backoffMs();
    s.log(`update job ${job} diagnosis (${diagnosis.trials} run(s)): ${note}${wait ? `; automatic updates wait ${Math.round(wait / 1000)} s` : ''}`);
    const full = `${message}\n(update job ${job}: ${note})`;
    if (err instanceof StorageError) return new StorageError(err.kind, full, { cause: err });
    if (err instanceof AccreteError) return new AccreteError(err.code, full, { cause: err });
    return err;
  }

  private async diagnose(job: number, parent: string, options: UpdateOptions, ids: number[], err: unknown): Promise<Diagnosis> {
    const s = this.service;
    // A storage fault is the environment's, plainly: no need for update runs to say so.
    if (err instanceof StorageError) return { fault: 'environment', control: err.message, quarantine: [], trials: 0, incomplete: false };
    if (ids.length === 0) return { fault: 'environment', control: 'the job had no events to try', quarantine: [], trials: 0, incomplete: false };
    const examples = s.registry.workerFile === null ? await s.registry.examplesById(ids) : undefined;
    const run = this.worker.diagnose({ kind: 'diagnose', registryFile: s.registry.workerFile ?? '', ids, examples, parentDir: s.registry.dirOf(parent), scratchDir: join(s.registry.root, stagingPath(job)) + '-control', options });
    this.diagnosing = run;
    try {
      return await run.result;
    } catch (diagErr) {
      return { fault: 'environment', control: `the diagnosis itself failed: ${(diagErr as Error).message}`, quarantine: [], trials: 0, incomplete: true };
    } finally {
      this.diagnosing = null;
    }
  }

  /** Jobs whose failure could not be recorded (storage faults): recorded now if the registry takes it. */
  async settleStranded(): Promise<void> {
    for (const job of this.stranded) {
      try {
        await this.service.registry.failJob(job, 'the job failed; its failure is recorded late, after a storage fault');
        this.stranded.delete(job);
        this.service.setPending(await this.service.registry.pendingCount());
      } catch {
        return;
      }
    }
  }

  private async finish({ job, parent, staging }: StartedJob, trigger: JobTrigger, options: UpdateOptions, worker: RunningUpdate): Promise<UpdateAnswer> {
    const s = this.service;
    const { accepted, report, patch, change, whole, obtained, phases } = await worker.result;
    // Milliseconds per step on this side too, for the log beside the worker's.
    const steps: Record<string, number> = {};
    let lapAt = performance.now();
    const lap = (name: string) => ((steps[name] = Math.round(performance.now() - lapAt)), (lapAt = performance.now()));
    const timings = () => `worker ${formatSteps(phases)}; server ${formatSteps(steps)}`;
    s.log(`update job ${job} ran on ${describeObtained(obtained, parent)}`);
    const metrics = versionMetrics(report);
    if (!accepted) {
      await s.registry.rejectJob(job, report.reasons, metrics, report);
      s.counters.update('rejected', trigger);
      lap('record');
      s.log(`update job ${job}: rejected (${report.reasons.map((r) => r.code).join(', ')}); ms: ${timings()}`);
      return { accepted: false, version: s.active.id, created: null, reasons: report.reasons, report, job };
    }
    if (!patch && !whole) throw new Error('the update worker accepted a candidate but sent neither a patch nor a whole save');
    const { id, dir } = await s.registry.publishCandidate(job);
    lap('publish');
    // The worker's copy is this version now: its patches live in `dir` from here on.
    this.worker.tell({ kind: 'published', from: staging, to: dir });
    // The change: the patch file as the worker read it back and verified (a few MB, not the model;
    // the file is immutable, named by its checksum, and publishing only renamed its directory), or
    // for a whole save the worker's diff in memory (the same rows; the new base's files are verified
    // on their next load). Decoded off this thread: predictions are not held up by it.
    const where = patch ? join(dir, PATCH_DIR, patch.name) : dir;
    // (null: the update grew the n-gram table, renumbering the rows; the version is loaded whole)
    const p = patch ? (change ?? readPatch(where, patch.xxh64)) : whole!.change;
    const checksum = patch ? patch.xxh64 : whole!.state;
    const labels = [...(await s.registry.version(parent)).labels, ...(p ? p.head.labels.added : report.newLabels)];
    /** The serving model becomes the new version: the change applied in place at an epoch barrier, or else the version loaded off the thread. */
    const serve = async () => {
      if (p && s.active.id === parent && s.active.model.source?.weightsChecksum === p.head.parent) {
        await s.advance(id, (m) => {
          applyPatch(m, p, where);
          m.source = { dir, weightsChecksum: checksum };
        });
      } else {
        s.swap(id, await s.loadOffThread(await s.registry.version(id)));
      }
    };
    lap('patch');
    if (this.pause === 'commit') holdProcess('commit', s.log);
    const { activated } = await s.moveActive(async () => {
      const committed = await s.registry.commitVersion(job, id, { parent, metrics, options: recorded(options), report, checksum, labels });
      lap('commit');
      if (committed.activated) await serve();
      lap('swap');
      return committed;
    });
    if (s.options.keep != null) {
      // The version is recorded and served: a failed clean-up is logged, never the job's failure.
      try {
        const { removed } = await s.registry.gc(s.options.keep);
        if (removed.length) s.log(`gc (--keep ${s.options.keep}): removed the files of ${removed.join(', ')}`);
      } catch (err) {
        if (!s.storageFault(err)) s.log(`gc (--keep ${s.options.keep}) failed: ${(err as Error).message}`);
      }
    }
    s.counters.update('accepted', trigger);
    s.log(`update job ${job}: accepted as ${id}${patch ? ` (a patch of ${patch.bytes} bytes)` : p ? ' (saved whole: a new base)' : ` (saved whole: a new base, the n-gram table grown from ${report.table?.from} to ${report.table?.to} rows; loaded and swapped in whole)`}${activated ? '' : ' (not activated: the active version changed meanwhile)'}; ms: ${timings()}`);
    return { accepted: true, version: s.active.id, created: id, reasons: report.reasons, report, job };
  }

  /** True once interrupt() was called: no update starts any more. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops a running update at shutdown (its request gets 503); its feedback becomes pending again. */
  async interrupt(why: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Taken before the worker stops: the job's end clears this.current.
    const running = this.current;
    if (!running) return this.worker.discard();
    await this.diagnosing?.stop();
    await running.worker.stop();
    await running.worker.result.catch(() => undefined);
    // A job in diagnosis has failed and given its events back already.
    if (!running.failed) {
      try {
        await this.service.registry.interruptJob(running.job, why);
      } catch (err) {
        this.service.log(`could not record the interruption of update job ${running.job} (${(err as Error).message}); the next start does`);
      }
    }
    await this.worker.discard();
  }
}
