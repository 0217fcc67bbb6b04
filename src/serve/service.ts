/**
 * The service behind the HTTP API: the active version in memory, the registry on disk, feedback
 * with its live error rate and drift detector, and update jobs with their policies. Everything here
 * runs on the server's thread except the update itself (see updateWorker.ts); a new version is
 * swapped in by replacing one reference, so a prediction sees the old version or the new one, whole.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PATCH_DIR, readManifest } from '../store/manifest.js';
import { readPatch, revertPatch, type Patch } from '../store/patch.js';
import { AccreteError } from '../errors.js';
import type { TextClassifier } from '../model/classifier.js';
import { isError } from '../registry/feedback.js';
import { VersionFilesError, type FeedbackEvent, type VersionRecord } from '../registry/registry.js';
import { openStore } from '../registry/open.js';
import type { RegistryStore } from '../registry/store.js';
import { applyPatch } from '../store/patch.js';
import { PageHinkley, servedSinceSwap, type PageHinkleyOptions } from './drift.js';
import { FeedbackQueue } from './feedbackQueue.js';
import { Health } from './health.js';
import { storageError } from '../util/storageFaults.js';
import type { StorageError } from '../errors.js';
import { PredictScheduler, type SchedulerOptions } from './predictScheduler.js';
import { ErrorWindow } from './live.js';
import { serviceMetrics, type ServiceCounters } from './serviceMetrics.js';
import { UpdateJobs, type UpdateAnswer } from './updateJobs.js';
import { loadOffThread, type TestPause } from './updater.js';
import { queuedUpdate } from './queuedUpdate.js';
import { DEFAULT_LIMITS, type FeedbackRequest, type Limits, type PredictRequest } from './validate.js';
import type { MetricsRegistry } from './metrics.js';
import type { UpdateOptions } from '../update/update.js';
import type { JobTrigger } from '../registry/types.js';
import type { ThreadPriority } from '../util/threadPriority.js';

export interface ServiceOptions {
  /** The registry: its SQLite file, or a PostgreSQL connection string (postgres://...). */
  registry: string;
  /** PostgreSQL only: this replica's local directory of model files (default accrete-cache). */
  cache?: string;
  /** PostgreSQL only: whether this replica runs update jobs ('update', 'both') or only serves ('serve'). */
  role?: 'serve' | 'update' | 'both';
  /** A model directory that becomes the first version of an empty registry. */
  model?: string;
  limits?: Partial<Limits>;
  /** Run an update after every N pending feedback events (null: off). */
  updateEvery?: number | null;
  /** After each accepted update, remove the files of all but the last N versions (Registry.gc; null: keep all). */
  keep?: number | null;
  /**
   * The gate's policy and new share, and whether the n-gram table may grow, for every update this
   * server runs (by the API, by policy, or queued by a replica) that does not name its own:
   * accrete serve --gate-policy, --new-share, --no-grow-table.
   */
  updateDefaults?: Pick<UpdateOptions, 'policy' | 'newShare' | 'growTable'>;
  /** Run an update when Page-Hinkley fires on the live error rate (default true). */
  drift?: boolean;
  driftOptions?: Partial<PageHinkleyOptions>;
  /** The update worker's scheduling priority (util/threadPriority.ts; default DEFAULT_UPDATE_PRIORITY, idle). */
  updatePriority?: ThreadPriority;
  /** Crash tests only: hold the server at this point of an update. */
  testPause?: TestPause | null;
  /** Slices and queue bound of the prediction work (predictScheduler.ts). */
  scheduler?: Partial<SchedulerOptions>;
  /** How often to look for an activation made by another process (ms, default 1000). */
  watchMs?: number;
  log?: (line: string) => void;
}

const LIVE_WINDOW = 200;

/**
 * Time budget of an automatic update (--update-every, drift). An update's time grows with the
 * pending feedback (about 90 s for 10,000 events at the HTTP caps: docs/decisions.md), and an
 * automatic one has nobody waiting to choose a budget; the rounds that fit are kept.
 */
export const AUTO_UPDATE_BUDGET_MS = 60_000;

export class Service {
  readonly limits: Limits;
  readonly live = new ErrorWindow(LIVE_WINDOW);
  readonly drift: PageHinkley | null;
  readonly metrics: MetricsRegistry;
  readonly counters: ServiceCounters;
  readonly updates: UpdateJobs;
  readonly health = new Health();
  readonly predictions: PredictScheduler;
  private current: { id: string; model: TextClassifier };
  private readonly queue: FeedbackQueue;
  private pendingCount: number;
  /** Counts the registry holds, read by the watcher (the metrics gauges read these, never the database). */
  readonly stored = { feedback: 0, quarantined: 0 };
  private readonly watcher: NodeJS.Timeout;
  private lastDriftAt: string | null = null;
  private driftPending = false;
  private watching = false;
  private watchAgain = false;
  /** Changes of the active version this server is making (moveActive): the watcher waits for them. */
  private moving = 0;
  /** PostgreSQL: the last feedback event (of any replica) the drift detector has seen; -1 before the first look. */
  private driftSeen = -1;
  private closed = false;
  private closing: Promise<void> | null = null;
  /** When each kind of storage fault was last logged (one line per kind per minute). */
  private readonly faultLogged = new Map<string, number>();
  /** An I/O error may leave the database connection broken: the watcher opens a new one. */
  private reopenNeeded = false;
  private retryTimer: NodeJS.Timeout | null = null;

  private constructor(
    readonly registry: RegistryStore,
    readonly options: ServiceOptions,
    readonly log: (line: string) => void,
    start: { current: { id: string; model: TextClassifier }; recent: { error: number; version: string | null }[]; pending: number },
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.predictions = new PredictScheduler(options.scheduler);
    this.drift = options.drift === false ? null : new PageHinkley(options.driftOptions);
    this.current = start.current;
    for (const e of start.recent) this.live.push(e.error);
    this.drift?.replay(servedSinceSwap(start.recent, this.current.id));
    this.pendingCount = start.pending;
    this.queue = new FeedbackQueue(
      (events) => registry.addFeedback(events),
      (events) => this.afterFeedback(events),
    );
    ({ metrics: this.metrics, counters: this.counters } = serviceMetrics(this));
    this.updates = new UpdateJobs(this, options.testPause ?? null);
    // A shared registry announces changes (ids only); the periodic check backs the notices up.
    this.watcher = setInterval(() => this.tick(), options.watchMs ?? (registry.kind === 'postgres' ? 2000 : 1000)).unref();
    registry.subscribe?.(() => this.tick());
    registry.serving?.(this.current.id);
  }

  /** Runs watch() now, or again right after the one in progress. */
  private tick(): void {
    if (this.watching) {
      this.watchAgain = true;
      return;
    }
    this.watch().catch((err: unknown) => {
      if (!this.storageFault(err)) this.log(`watching the registry failed: ${(err as Error)?.message ?? String(err)}`);
    });
  }

  /** Opens (and claims) the registry, recovers from a crash, imports `model` into an empty registry, loads the active version. */
  static async open(options: ServiceOptions): Promise<Service> {
    const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
    let file = options.registry;
    let registry: RegistryStore | null = null;
    try {
      registry = await openStore(options.registry, { cache: options.cache, role: options.role, log });
      file = registry.label;
      await registry.claim();
      const r = await registry.recover();
      if (r.interrupted.length) log(`recovered: update job(s) ${r.interrupted.join(', ')} were interrupted; their ${r.released} feedback event(s) are pending again`);
      if (r.removed.length) log(`recovered: removed unrecorded files ${r.removed.map((n) => `versions/${n}`).join(', ')}`);
      const active = await registry.activeId();
      if (active === null) {
        if (!options.model) throw new AccreteError('USAGE', `the registry ${file} has no versions yet; give --model MODEL to import one`);
        const v = await registry.importModel(options.model);
        log(`imported ${options.model} as ${v.id}`);
      } else if (options.model) {
        log(`note: --model ignored, the registry already has versions (active: ${active})`);
      }
      const current = await registry.loadActive();
      const start = { current, recent: await registry.recentOutcomes(LIVE_WINDOW), pending: await registry.pendingCount() };
      const service = new Service(registry, options, log, start);
      await service.refreshCounts();
      return service;
    } catch (err) {
      await registry?.close().catch(() => undefined);
      const storage = storageError(err);
      if (storage) throw Object.assign(storage, { message: `cannot serve the registry ${file}: ${storage.message}` });
      throw err;
    }
  }

  get active(): { id: string; model: TextClassifier } {
    return this.current;
  }

  get pending(): number {
    return this.pendingCount;
  }

  /** Makes `model` the serving version (after the registry recorded it). */
  swap(id: string, model: TextClassifier): void {
    if (id === this.current.id) return;
    this.current = { id, model };
    this.drift?.reset();
    this.driftPending = false;
    this.registry.serving?.(id);
    this.log(`serving ${id}`);
  }

  /**
   * Predicts through the scheduler, in slices shared fairly with other requests. The request pins
   * the version served when its first slice runs and uses that model for every slice; a new version
   * is swapped in, or a patch applied in place, only between requests (an epoch barrier: see
   * advance), so `version` names the weights behind every prediction.
   */
  async predict(req: PredictRequest, gone?: AbortSignal): Promise<{ version: string; predictions: unknown }> {
    let pinned: { id: string; model: TextClassifier } | null = null;
    const lists = await this.predictions.run(req.texts, (t) => (pinned ??= this.current).model.predict(t, { k: req.k, threshold: req.threshold }), gone);
    for (const l of lists) this.counters.prediction(l[0]?.label ?? '');
    return { version: pinned!.id, predictions: req.single ? lists[0] : lists };
  }

  /**
   * Moves the serving model to version `id` in place: at an epoch barrier (no prediction in
   * flight: those started finish first, those arriving wait), `change` turns the model into that
   * version (a patch applied, or reverted). Costs the rows the patch changes, not a reload.
   */
  async advance(id: string, change: (model: TextClassifier) => void): Promise<void> {
    const resume = await this.predictions.barrier();
    try {
      change(this.current.model);
      this.swap(id, this.current.model);
    } finally {
      resume();
    }
  }

  /**
   * Runs `fn`, which records a change of the active version in the registry and then serves it,
   * with the watcher held off until both are done (watch()).
   */
  async moveActive<T>(fn: () => Promise<T>): Promise<T> {
    this.moving++;
    try {
      return await fn();
    } finally {
      this.moving--;
    }
  }

  /** Records feedback (answered once it is on disk), with what the serving version predicted for each text. */
  async feedback(req: FeedbackRequest, gone?: AbortSignal): Promise<{ accepted: number; ids: number[]; pending: number }> {
    if (this.closed) throw new AccreteError('UNAVAILABLE', 'the server is shutting down; send the feedback again after it restarts');
    const now = Date.now();
    // The predictions go through the scheduler, pinned as in predict().
    let pinned: { id: string; model: TextClassifier } | null = null;
    const tops = await this.predictions.run(req.examples.map((e) => e.text), (t) => (pinned ??= this.current).model.predict(t)[0] ?? null, gone);
    const id = pinned!.id;
    if (this.closed) throw new AccreteError('UNAVAILABLE', 'the server is shutting down; send the feedback again after it restarts');
    const events: FeedbackEvent[] = req.examples.map((e, i) => {
      const top = tops[i];
      return { text: e.text, labels: e.labels, weight: e.weight, predicted: top?.label ?? null, score: top?.score ?? null, version: id, createdAt: now, source: req.source };
    });
    const ids = await this.queue.add(events);
    return { accepted: ids.length, ids, pending: this.pendingCount };
  }

  private afterFeedback(events: FeedbackEvent[]): void {
    this.pendingCount += events.length;
    this.stored.feedback += events.length;
    // A shared registry's drift detector reads every replica's events from the database (watch).
    const local = this.registry.outcomesAfter === undefined;
    for (const e of events) {
      const error = isError(e) ? 1 : 0;
      this.live.push(error);
      this.counters.feedback(error);
      if (local) this.driftOn(error);
    }
    this.checkPolicies();
  }

  private driftOn(error: number): void {
    if (this.drift?.update(error)) {
      this.driftPending = true;
      this.lastDriftAt = new Date().toISOString();
      this.counters.drift();
      this.log(`drift: Page-Hinkley fired on the live error rate (${(this.live.rate()! * 100).toFixed(1)}%)`);
    }
  }

  /** Pending feedback was claimed by a job (0 left) or given back by an interrupted one. */
  setPending(n: number): void {
    this.pendingCount = n;
  }

  /** Starts an update when a policy asks for one, none is running, and failed ones are not being waited out. */
  checkPolicies(): void {
    if (this.closed || this.updates.isClosed || this.updates.busy || this.pendingCount === 0 || !this.registry.isUpdater()) return;
    const wait = this.health.backoffMs();
    if (wait > 0) {
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = null;
        this.checkPolicies();
      }, wait).unref();
      return;
    }
    const every = this.options.updateEvery;
    let trigger: JobTrigger | null = null;
    if (every && this.pendingCount >= every) trigger = 'every-n';
    else if (this.driftPending) trigger = 'drift';
    if (trigger === null) return;
    this.driftPending = false;
    this.updates.start(trigger, { budgetMs: AUTO_UPDATE_BUDGET_MS }).catch((err: unknown) => this.log(`update (${trigger}) failed: ${(err as Error).message}`));
  }

  /** Runs an update here, or (a replica that is not the updater) queues it for the updater and waits for its outcome. */
  update(options: UpdateOptions): Promise<UpdateAnswer> {
    if (!this.registry.isUpdater() && this.registry.queueJob) return queuedUpdate(this, options);
    return this.updates.start('api', options);
  }

  /** Loads a version in a worker thread (predictions go on meanwhile) and checks it is the one the registry recorded. */
  async loadOffThread(v: VersionRecord): Promise<TextClassifier> {
    this.registry.checkKept(v);
    await this.registry.ensureLocal(v.id);
    const model = await loadOffThread(this.registry.dirOf(v.id));
    this.registry.checkRecorded(v, model);
    return model;
  }

  /** Activates a version: loaded first (a version that does not load never becomes active), then recorded, then served. */
  async activate(id: string, reason = 'activate (api)'): Promise<{ active: string; previous: string | null }> {
    const revert = await this.revertTo(id);
    if (revert) {
      if (this.closed) throw new AccreteError('UNAVAILABLE', 'the server is shutting down; activate the version after it restarts');
      // The patch's parent is the version's recorded checksum (a verified chain): recorded, then reverted in place.
      return this.moveActive(async () => {
        const answer = await this.registry.activate(id, reason, { source: { dir: this.registry.dirOf(id), weightsChecksum: revert.patch.head.parent } });
        await this.advance(id, (m) => {
          revertPatch(m, revert.patch, revert.where);
          m.source = { dir: this.registry.dirOf(id), weightsChecksum: revert.patch.head.parent };
        });
        return answer;
      });
    }
    let model: TextClassifier;
    try {
      model = await this.loadOffThread(await this.registry.version(id));
    } catch (err) {
      if (err instanceof AccreteError && err.code === 'BAD_MODEL_FILE') throw new VersionFilesError(id, `cannot activate ${id}: ${err.message}`, { cause: err });
      throw err;
    }
    if (this.closed) throw new AccreteError('UNAVAILABLE', 'the server is shutting down; activate the version after it restarts');
    return this.moveActive(async () => {
      const answer = await this.registry.activate(id, reason, model);
      this.swap(id, model);
      return answer;
    });
  }

  /**
   * When `id` is the parent the serving version was patched from, that patch (read back, verified):
   * going back is reverting it in place, not a reload. Null otherwise (or when anything does not fit).
   */
  private async revertTo(id: string): Promise<{ patch: Patch; where: string } | null> {
    try {
      const current = await this.registry.version(this.current.id);
      const target = await this.registry.version(id);
      await this.registry.ensureLocal(current.id);
      await this.registry.ensureLocal(id);
      if (current.parent !== id || target.removedAt || this.current.model.source?.weightsChecksum !== current.checksum) return null;
      const dir = this.registry.dirOf(current.id);
      const last = readManifest(dir)?.patches.at(-1);
      if (!last || last.xxh64 !== current.checksum || last.parent !== target.checksum || !existsSync(this.registry.dirOf(id))) return null;
      const where = join(dir, PATCH_DIR, last.name);
      return { patch: readPatch(where, last.xxh64), where };
    } catch {
      return null;
    }
  }

  /** Activates the parent of the active version. */
  async rollback(): Promise<{ active: string; previous: string | null }> {
    const from = this.current.id;
    const parent = (await this.registry.version(from)).parent;
    if (parent === null) throw new AccreteError('CONFLICT', `${from} has no parent version to roll back to`);
    return { ...(await this.activate(parent, `rollback from ${from} (api)`)), previous: from };
  }

  /** What GET /v1/health adds for a PostgreSQL registry: this replica and every replica's version and lag. */
  async replicaReport(): Promise<Record<string, unknown>> {
    if (!this.registry.replicas) return {};
    try {
      const { self, replicas } = await this.registry.replicas();
      return { replica: self, replicas };
    } catch (err) {
      this.storageFault(err);
      return { replicas: null };
    }
  }

  driftState(): unknown {
    return this.drift ? { ...this.drift.state(), lastFiredAt: this.lastDriftAt, updatePending: this.driftPending } : null;
  }

  /**
   * A storage fault met by a request or a job: recorded in the health (degraded for a minute), logged
   * once per kind per minute, and after an I/O error the connection is opened anew. Returns the
   * StorageError it stands for, or null when `err` is not a storage fault.
   */
  storageFault(err: unknown): StorageError | null {
    const fault = storageError(err);
    if (!fault) return null;
    this.health.storageFault(fault.kind, fault.message);
    const now = Date.now();
    if (now - (this.faultLogged.get(fault.kind) ?? -Infinity) >= 60_000) {
      this.faultLogged.set(fault.kind, now);
      this.log(`storage fault (${fault.kind}): ${fault.message} (requests that write get 503 until it clears; logged once a minute)`);
    }
    if (fault.kind === 'io') this.reopenNeeded = true;
    return fault;
  }

  /** Opens the registry's connection anew after an I/O error; true when it worked (or was not needed). */
  private async reopenIfNeeded(): Promise<boolean> {
    if (!this.reopenNeeded) return true;
    try {
      await this.registry.reopen();
      this.reopenNeeded = false;
      this.log('storage: the registry connection was opened anew after an I/O error');
      return true;
    } catch (err) {
      this.storageFault(err);
      return false;
    }
  }

  /**
   * Notices what another process committed: an activation (accrete models activate|rollback, or
   * another replica's update or rollback), served here as a patch applied forward or back when it
   * is one step away, else loaded; and the counts the metrics show.
   */
  async watch(): Promise<void> {
    // While this server records and serves a change itself, the registry may name a version it does
    // not serve yet: following it too would apply its patch twice. The next tick looks.
    if (this.closed || this.watching || this.moving > 0) return;
    this.watching = true;
    try {
      if (!(await this.reopenIfNeeded())) return;
      await this.updates.settleStranded();
      if (!(await this.registry.changed())) return;
      await this.refreshCounts();
      const id = await this.registry.activeId();
      if (id !== null && id !== this.current.id && !this.closed) {
        try {
          await this.follow(id);
        } catch (err) {
          if (this.storageFault(err)) throw err;
          this.log(`cannot serve ${id}, activated elsewhere: ${(err as Error).message}; still serving ${this.current.id}`);
        }
      }
      if (this.registry.isUpdater()) await this.asUpdater();
    } finally {
      this.watching = false;
      if (this.watchAgain) {
        this.watchAgain = false;
        this.tick();
      }
    }
  }

  /** The updater of a shared registry: runs a job another replica queued, feeds the drift detector every replica's events, applies the policies. */
  private async asUpdater(): Promise<void> {
    if (this.closed || this.updates.isClosed) return;
    if (this.registry.outcomesAfter && this.drift) {
      const { last, outcomes } = await this.registry.outcomesAfter(this.driftSeen);
      if (this.driftSeen >= 0) for (const e of outcomes) this.driftOn(e);
      this.driftSeen = last;
    }
    const queued = this.updates.busy ? null : await this.registry.nextQueued?.();
    if (queued) {
      this.updates.start(queued.trigger, queued.options as UpdateOptions, queued.job).catch((err: unknown) => this.log(`update job ${queued.job} (queued by a replica) failed: ${(err as Error).message}`));
      return;
    }
    this.checkPolicies();
  }

  /** Reads the registry's counts for the metrics (a failure keeps the last ones). */
  async refreshCounts(): Promise<void> {
    this.stored.feedback = await this.registry.feedbackCount();
    this.stored.quarantined = await this.registry.quarantinedCount();
    if (!this.updates.running) this.pendingCount = await this.registry.pendingCount();
  }

  /** Serves version `id`, made active elsewhere: its patch applied forward, reverted, or the version loaded. */
  private async follow(id: string): Promise<void> {
    const target = await this.registry.version(id);
    const forward = await this.forwardTo(target);
    if (forward) {
      await this.advance(id, (m) => {
        applyPatch(m, forward.patch, forward.where);
        m.source = { dir: this.registry.dirOf(id), weightsChecksum: target.checksum };
      });
      return;
    }
    const revert = await this.revertTo(id);
    if (revert) {
      await this.advance(id, (m) => {
        revertPatch(m, revert.patch, revert.where);
        m.source = { dir: this.registry.dirOf(id), weightsChecksum: revert.patch.head.parent };
      });
      return;
    }
    const model = await this.loadOffThread(target);
    if (!this.closed && (await this.registry.activeId()) === id) this.swap(id, model);
  }

  /** When `target` is a child of the serving version by one patch, that patch (read back, verified); null otherwise. */
  private async forwardTo(target: VersionRecord): Promise<{ patch: Patch; where: string } | null> {
    if (target.parent !== this.current.id || target.removedAt) return null;
    const serving = this.current.model.source?.weightsChecksum;
    await this.registry.ensureLocal(target.id);
    const dir = this.registry.dirOf(target.id);
    const last = readManifest(dir)?.patches.at(-1);
    if (!last || last.xxh64 !== target.checksum || last.parent !== serving) return null;
    const where = join(dir, PATCH_DIR, last.name);
    return { patch: readPatch(where, last.xxh64), where };
  }

  /** First step of a shutdown: interrupts a running update (its feedback pending again) and starts no other. */
  stopUpdates(): Promise<void> {
    return this.updates.interrupt('the server shut down during the update');
  }

  /** Stops: interrupts a running update, commits waiting feedback, closes the registry. */
  close(): Promise<void> {
    return (this.closing ??= this.shutDown());
  }

  private async shutDown(): Promise<void> {
    await this.stopUpdates();
    this.closed = true;
    clearInterval(this.watcher);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.queue.flush();
    await this.registry.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
