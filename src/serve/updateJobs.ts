/**
 * Update jobs of the service, one at a time: claim the pending feedback, run the update in a
 * worker on a copy of the active version, then record the gate's decision. An accepted candidate
 * (saved and verified by the worker) goes from its staging directory to `versions/<id>`, is recorded
 * with its activation in one transaction, and only then swapped in. Nothing here costs the server's
 * thread more than a few milliseconds, whatever the size of the model or of the feedback.
 */
import { AccreteError } from '../errors.js';
import { summarize, type JobTrigger, type VersionMetrics } from '../registry/types.js';
import type { GateIssue } from '../update/gate.js';
import { formatSelection, type SelectionSpec } from '../update/selection.js';
import type { UpdateOptions, UpdateReport } from '../update/update.js';
import type { Service } from './service.js';
import { discardUpdateWorker, prepareUpdateWorker, startUpdateWorker, type RunningUpdate, type TestPause } from './updater.js';

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
}

export function versionMetrics(r: UpdateReport): VersionMetrics {
  return {
    guard: summarize(r.after.guard),
    fresh: summarize(r.after.fresh),
    before: { guard: summarize(r.before.guard), fresh: summarize(r.before.fresh) },
  };
}

/** The options as the registry records them (a selection as its text). */
function recorded(options: UpdateOptions): Record<string, unknown> {
  const { select, ...rest } = options;
  return select === undefined ? rest : { ...rest, select: typeof select === 'string' ? select : formatSelection(select as SelectionSpec) };
}

/** Test hook (crash tests): stop the whole process here until it is killed. */
function holdProcess(point: TestPause, log: (line: string) => void): void {
  log(`test pause: ${point}`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000);
}

export class UpdateJobs {
  private current: Running | null = null;
  private closed = false;

  constructor(
    private readonly service: Service,
    private readonly pause: TestPause | null,
  ) {
    prepareUpdateWorker();
  }

  get running(): { job: number; trigger: JobTrigger; startedAt: string } | null {
    return this.current && { job: this.current.job, trigger: this.current.trigger, startedAt: this.current.startedAt };
  }

  /** Runs an update on all pending feedback; resolves with the gate's decision. */
  async start(trigger: JobTrigger, options: UpdateOptions): Promise<UpdateAnswer> {
    const s = this.service;
    if (this.closed) throw new AccreteError('UNAVAILABLE', 'the server is shutting down; run the update after it restarts');
    if (this.current) throw new AccreteError('CONFLICT', `an update is already running (job ${this.current.job}); try again when it has finished`);
    if (s.pending === 0) {
      const reasons: GateIssue[] = [{ code: 'no-data', metric: 'examples', before: 0, after: 0, threshold: 1, message: 'no pending feedback: nothing to learn' }];
      return { accepted: false, version: s.active.id, created: null, reasons, report: null, job: null };
    }
    // O(1) here: the worker reads the job's feedback itself.
    const { job, parent, after, upto, count, staging } = s.registry.startJob(trigger, recorded(options));
    s.setPending(0);
    s.log(`update job ${job} (${trigger}): ${count} feedback event(s) on ${parent}`);
    const worker = startUpdateWorker(
      { registryFile: s.registry.file, after, upto, parentDir: s.registry.dirOf(parent), stagingDir: staging, options, pause: this.pause },
      (point) => s.log(`test pause: ${point}`),
    );
    this.current = { job, trigger, startedAt: new Date().toISOString(), worker };
    try {
      return await this.finish(job, parent, trigger, options, worker);
    } catch (err) {
      if (this.closed) {
        // interrupt() stopped the worker: an expected end, not a failure.
        throw new AccreteError('UNAVAILABLE', `the server is shutting down: update job ${job} was interrupted, and its ${count} feedback event(s) will be pending again when the server restarts`);
      }
      s.registry.failJob(job, (err as Error).message);
      s.counters.update('failed', trigger);
      s.log(`update job ${job} failed: ${(err as Error).message}`);
      throw err;
    } finally {
      this.current = null;
      if (!this.closed) {
        prepareUpdateWorker();
        setImmediate(() => s.checkPolicies());
      }
    }
  }

  private async finish(job: number, parent: string, trigger: JobTrigger, options: UpdateOptions, worker: RunningUpdate): Promise<UpdateAnswer> {
    const s = this.service;
    const { accepted, report, model } = await worker.result;
    const metrics = versionMetrics(report);
    if (!accepted) {
      s.registry.rejectJob(job, report.reasons, metrics, report);
      s.counters.update('rejected', trigger);
      s.log(`update job ${job}: rejected (${report.reasons.map((r) => r.code).join(', ')})`);
      return { accepted: false, version: s.active.id, created: null, reasons: report.reasons, report, job };
    }
    if (!model) throw new Error('the update worker accepted a candidate but sent no model');
    const { id, dir } = s.registry.publishCandidate(job);
    const checksum = model.source!.weightsChecksum;
    model.source = { dir, weightsChecksum: checksum };
    if (this.pause === 'commit') holdProcess('commit', s.log);
    const { activated } = s.registry.commitVersion(job, id, { parent, metrics, options: recorded(options), report, checksum, labels: [...model.labels] });
    if (activated) s.swap(id, model);
    s.counters.update('accepted', trigger);
    s.log(`update job ${job}: accepted as ${id}${activated ? '' : ' (not activated: the active version changed meanwhile)'}`);
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
    await discardUpdateWorker();
    const running = this.current;
    if (!running) return;
    await running.worker.stop();
    await running.worker.result.catch(() => undefined);
    this.service.registry.interruptJob(running.job, why);
  }
}
