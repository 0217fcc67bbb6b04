/**
 * The registry in PostgreSQL, shared by any number of serving replicas: versions, the active
 * pointer and its history, feedback, update jobs and the model files themselves (blobs.ts) live in
 * the database, so a replica needs nothing but the connection string and a local cache directory.
 * Each change of rows is one transaction; an activation is announced by NOTIFY at its commit (ids
 * only). Job commits check the updater's fencing token (updaterLock.ts). Connection failures
 * become StorageErrors (503 with Retry-After); the pool reconnects on the next query.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import type { Example } from '../../data/example.js';
import { AccreteError } from '../../errors.js';
import type { TextClassifier } from '../../model/classifier.js';
import { MANIFEST_FILE } from '../../store/manifest.js';
import type { GateIssue } from '../../update/gate.js';
import type { UpdateReport } from '../../update/update.js';
import { importCopy, updatedRecord } from '../versionRecords.js';
import { publish, removeUnreferenced, stagingPath, versionPath } from '../files.js';
import type { Recovery } from '../registry.js';
import { loadVersionDir, VersionFilesError } from '../registry.js';
import type { CommitInput, ReplicaInfo, RegistryStore, StartedJob } from '../store.js';
import { type FeedbackEvent, type JobFault, type JobTrigger, type VersionMetrics, type VersionRecord } from '../types.js';
import { BlobCache, type FileEntry } from './blobs.js';
import { asStorageFault, checkUrl, connectError, inTransaction, newPool, withClient, redact, type Queryable } from './connect.js';
import * as fb from './feedback.js';
import { Listener } from './listen.js';
import * as rows from './rows.js';
import { checkReadable, migrate, PG_SCHEMA_VERSION, schemaState } from './schema.js';
import { checkFence, UpdaterLock } from './updaterLock.js';
import { listReplicas, removeReplica, reportReplica } from './replicas.js';
import { bindCache, DEFAULT_CACHE } from './cacheDir.js';
import { diskUsage, dropUnused, filesOf, insertFiles, uploadDir } from './versionFiles.js';

export { DEFAULT_CACHE } from './cacheDir.js';

export interface PostgresOpenOptions {
  cache?: string;
  role?: 'serve' | 'update' | 'both';
  readonly?: boolean;
  mustExist?: boolean;
  log?: (line: string) => void;
}

export class PostgresStore implements RegistryStore {
  readonly kind = 'postgres' as const;
  readonly workerFile = null;
  readonly replicaId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly blobs: BlobCache;
  private readonly lock: UpdaterLock | null;
  private listener: Listener | null = null;
  private listeners: ((notice: string) => void)[] = [];
  /** Files uploaded for a published candidate, committed with its row. */
  private readonly published = new Map<string, FileEntry[]>();
  private signature = '';
  private noticed = true;
  private servingNow: { id: string; since: Date } | null = null;
  private claimed = false;
  private closed = false;
  /** Bytes fetched from the database into the cache, per version (the benchmark reads them). */
  readonly fetched = new Map<string, number>();

  private constructor(
    readonly url: string,
    private readonly pool: pg.Pool,
    readonly root: string,
    readonly registryId: string,
    readonly role: 'serve' | 'update' | 'both',
    private readonly log: (line: string) => void,
  ) {
    this.blobs = new BlobCache(join(root, 'blobs'));
    this.lock = role === 'serve' ? null : new UpdaterLock(url, (why) => this.log(`updater: lost the updater lock (${why}); another replica may take it`));
  }

  get label(): string {
    return redact(this.url);
  }

  /** Connects, checks or brings the schema up to date, and ties the cache directory to the registry. */
  static async open(url: string, o: PostgresOpenOptions = {}): Promise<PostgresStore> {
    checkUrl(url);
    const label = redact(url);
    const pool = newPool(url);
    try {
      try {
        await pool.query('SELECT 1');
      } catch (err) {
        throw connectError(err, label);
      }
      let registryId: string;
      if (o.readonly || o.mustExist) {
        const s = await withClient(pool, (c) => schemaState(c));
        if (s.version === 0 || s.registryId === null) throw new AccreteError('NOT_FOUND', `no registry in the database ${label} (accrete serve --registry URL --model MODEL creates one)`);
        checkReadable(s, label);
        if (s.version < PG_SCHEMA_VERSION) throw new AccreteError('CONFLICT', `the registry database ${label} has schema version ${s.version}, older than this Accrete's (${PG_SCHEMA_VERSION}); run accrete registry migrate --registry URL`);
        registryId = s.registryId;
      } else {
        const m = await migrate(pool, label);
        if (m.from !== m.to) o.log?.(`registry ${label}: schema ${m.from === 0 ? 'created' : `migrated from version ${m.from}`} (version ${m.to})`);
        registryId = m.registryId;
      }
      const root = resolve(o.cache ?? DEFAULT_CACHE);
      bindCache(root, registryId, label);
      return new PostgresStore(url, pool, root, registryId, o.role ?? 'both', o.log ?? (() => undefined));
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw asStorageFault(err, label);
    }
  }

  /** A query on the pool, its connection failures as StorageErrors. */
  private async q<T>(fn: (c: Queryable) => Promise<T>): Promise<T> {
    try {
      return await fn(this.pool);
    } catch (err) {
      throw asStorageFault(err, this.label);
    }
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.pool, fn);
    } catch (err) {
      throw asStorageFault(err, this.label);
    }
  }

  dirOf(id: string): string {
    return join(this.root, versionPath(id));
  }

  async ensureLocal(id: string): Promise<number> {
    const dir = this.dirOf(id);
    if (existsSync(dir)) return 0;
    const files = await this.q((c) => filesOf(c, id));
    if (files.length === 0) throw new VersionFilesError(id, `version ${id} has no model files in the registry database`);
    let bytes = 0;
    for (const f of files) bytes += await this.q(() => this.blobs.fetch(this.pool, f.hash));
    this.blobs.materialize(dir, files);
    this.fetched.set(id, bytes);
    this.log(`cache: ${id} is local (${bytes} bytes fetched from the registry database, ${files.reduce((n, f) => n + f.bytes, 0)} bytes of model files)`);
    return bytes;
  }

  checkKept(v: VersionRecord): void {
    if (v.removedAt) throw new VersionFilesError(v.id, `version ${v.id} does not load: its files were removed by garbage collection (--keep) at ${v.removedAt}`);
  }

  checkRecorded(v: VersionRecord, model: Pick<TextClassifier, 'source'>): void {
    const checksum = model.source?.weightsChecksum;
    if (checksum !== v.checksum) throw new VersionFilesError(v.id, `version ${v.id} does not load: the weights' checksum ${checksum} is not the one the registry recorded (${v.checksum})`);
  }

  /** Fetches, loads and checks a version's model (VersionFilesError naming it when it does not load). */
  private async loadVersion(id: string): Promise<TextClassifier> {
    const v = await this.version(id);
    this.checkKept(v);
    await this.ensureLocal(id);
    const model = loadVersionDir(id, this.dirOf(id));
    this.checkRecorded(v, model);
    return model;
  }

  versions() {
    return this.q((c) => rows.listVersions(c));
  }
  version(id: string) {
    return this.q((c) => rows.getVersion(c, id));
  }
  activeId() {
    return this.q((c) => rows.activeId(c));
  }
  activations(limit?: number) {
    return this.q((c) => rows.activations(c, limit));
  }
  diskUsage() {
    return this.q((c) => diskUsage(c));
  }

  /**
   * Whether anything changed since the last call: a notice arrived, or (the periodic check, for
   * notices lost while disconnected) the active version, the last event, job or activation moved.
   * Also reports this replica (its version and lag) and, for an updater, tries to take the lock.
   */
  async changed(): Promise<boolean> {
    await this.heartbeat();
    if (this.lock && this.lock.fence === null && this.claimed) await this.takeLock();
    const now = await this.q((c) => rows.changeSignature(c));
    const moved = now !== this.signature || this.noticed;
    this.signature = now;
    this.noticed = false;
    return moved;
  }

  async loadActive(): Promise<{ id: string; model: TextClassifier }> {
    const id = await this.activeId();
    if (id === null) throw new AccreteError('CONFLICT', `the registry ${this.label} has no active version`);
    try {
      return { id, model: await this.loadVersion(id) };
    } catch (err) {
      if (!(err instanceof VersionFilesError)) throw err;
      throw new VersionFilesError(id, `cannot serve the active version: ${err.message}\nmake another version active, then start again: accrete models rollback --registry URL, or accrete models activate ID --registry URL`, { cause: err });
    }
  }

  async activate(id: string, reason = 'activate', loaded?: Pick<TextClassifier, 'source'>): Promise<{ active: string; previous: string | null }> {
    await this.verifyForActivation(id, loaded);
    const previous = await this.tx((c) => rows.setActive(c, id, reason));
    return { active: id, previous };
  }

  async rollback(): Promise<{ active: string; previous: string | null }> {
    const current = await this.activeId();
    if (current === null) throw new AccreteError('CONFLICT', 'the registry has no active version to roll back');
    const parent = (await this.version(current)).parent;
    if (parent === null) throw new AccreteError('CONFLICT', `${current} has no parent version to roll back to`);
    await this.verifyForActivation(parent);
    return this.tx(async (c) => {
      const now = await rows.activeId(c);
      if (now !== current) throw new AccreteError('CONFLICT', `the active version changed during the rollback (now ${now}); nothing was changed`);
      await rows.setActive(c, parent, `rollback from ${current}`);
      return { active: parent, previous: current };
    });
  }

  private async verifyForActivation(id: string, loaded?: Pick<TextClassifier, 'source'>): Promise<void> {
    try {
      if (loaded) this.checkRecorded(await this.version(id), loaded);
      else await this.loadVersion(id);
    } catch (err) {
      if (!(err instanceof VersionFilesError)) throw err;
      const active = await this.activeId();
      throw new VersionFilesError(id, `cannot activate ${id}: ${err.message}\nnothing was changed${active ? ` (${active} stays active)` : ''}; activate another version (accrete models list shows them)`, { cause: err });
    }
  }

  async importModel(dir: string): Promise<VersionRecord> {
    const id = await this.q((c) => rows.nextVersionId(c));
    const target = this.dirOf(id);
    const record = importCopy(id, dir, target);
    const { files } = await this.q(() => uploadDir(this.pool, this.blobs, target));
    await this.tx(async (c) => {
      await rows.insertVersion(c, record);
      await insertFiles(c, id, files);
      if ((await rows.activeId(c)) === null) await rows.setActive(c, id, `import ${resolve(dir)}`);
    });
    return record;
  }

  addFeedback(events: readonly FeedbackEvent[]) {
    return this.tx((c) => fb.insertFeedback(c, events));
  }
  pendingCount() {
    return this.q((c) => fb.countIn(c, 'pending'));
  }
  feedbackCount() {
    return this.q((c) => fb.feedbackCount(c));
  }
  quarantinedCount() {
    return this.q((c) => fb.countIn(c, 'quarantined'));
  }
  feedbackSeries(maxBuckets?: number) {
    return this.q((c) => fb.feedbackSeries(c, maxBuckets));
  }
  recentOutcomes(n: number) {
    return this.q((c) => fb.recentOutcomes(c, n));
  }
  quarantined(job?: number) {
    return this.q((c) => fb.quarantined(c, job));
  }
  outcomesAfter(after: number) {
    return this.q((c) => fb.outcomesAfter(c, after));
  }

  isUpdater(): boolean {
    return this.lock?.fence != null;
  }

  queueJob(trigger: JobTrigger, options: Record<string, unknown>): Promise<number> {
    return this.tx(async (c) => {
      const job = await rows.insertJob(c, 'queued', trigger, null, options, null);
      await rows.notifyQueued(c, job);
      return job;
    });
  }

  nextQueued() {
    return this.q((c) => rows.nextQueued(c));
  }

  async startJob(trigger: JobTrigger, options: Record<string, unknown>, queued?: number): Promise<StartedJob> {
    const fence = this.lock?.fence ?? null;
    return this.tx(async (c) => {
      await checkFence(c, fence);
      const parent = await rows.activeId(c);
      if (parent === null) throw new AccreteError('CONFLICT', 'the registry has no active version to update');
      let job: number;
      if (queued === undefined) job = await rows.insertJob(c, 'running', trigger, parent, options, fence);
      else {
        await rows.runQueued(c, queued, parent, fence);
        job = queued;
      }
      const claimed = await fb.claimPending(c, job);
      await rows.setClaimRange(c, job, claimed);
      return { job, parent, count: claimed.count, staging: join(this.root, stagingPath(job)) };
    });
  }

  claimedBy(job: number): Promise<{ ids: number[]; examples: Example[] }> {
    return this.q((c) => fb.claimedBy(c, job));
  }
  claimedIds(job: number) {
    return this.q((c) => fb.claimedIds(c, job));
  }
  examplesById(ids: readonly number[]) {
    return this.q((c) => fb.examplesById(c, ids));
  }

  /** Names the candidate (a new id from the sequence), moves it into the cache, and uploads the files the database lacks (its patch). */
  async publishCandidate(job: number): Promise<{ id: string; dir: string }> {
    const id = await this.q((c) => rows.nextVersionId(c));
    publish(this.root, stagingPath(job), versionPath(id));
    const { files, sent } = await this.q(() => uploadDir(this.pool, this.blobs, this.dirOf(id)));
    this.published.set(id, files);
    this.fetched.set(id, 0);
    this.log(`update job ${job}: ${id} uploaded (${sent} bytes new to the database)`);
    return { id, dir: this.dirOf(id) };
  }

  async commitVersion(job: number, id: string, o: CommitInput): Promise<{ activated: boolean }> {
    const files = this.published.get(id);
    if (!files) throw new AccreteError('CONFLICT', `version ${id} was not published by this process`);
    const fence = this.lock?.fence ?? null;
    const record = updatedRecord(job, id, o);
    const out = await this.tx(async (c) => {
      await checkFence(c, fence);
      await rows.insertVersion(c, record);
      await insertFiles(c, id, files);
      const activated = (await rows.activeId(c)) === o.parent;
      if (activated) await rows.setActive(c, id, `update job ${job}`);
      await rows.finishJob(c, job, { state: 'accepted', version: id, reasons: o.report.reasons, metrics: o.metrics, report: o.report });
      await fb.useClaimed(c, job);
      return { activated };
    });
    this.published.delete(id);
    return out;
  }

  private fenced<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const fence = this.lock?.fence ?? null;
    return this.tx(async (c) => {
      await checkFence(c, fence);
      return fn(c);
    });
  }

  async rejectJob(job: number, reasons: GateIssue[], metrics: VersionMetrics, report: UpdateReport | null): Promise<void> {
    await this.fenced(async (c) => {
      await rows.finishJob(c, job, { state: 'rejected', reasons, metrics, report });
      await fb.useClaimed(c, job);
    });
  }

  failJob(job: number, error: string): Promise<number> {
    return this.fenced(async (c) => {
      await rows.finishJob(c, job, { state: 'failed', error });
      return fb.releaseClaimed(c, job, true);
    });
  }

  async diagnoseJob(job: number, fault: JobFault, quarantine: readonly { id: number; reason: string }[]): Promise<void> {
    await this.fenced(async (c) => {
      await c.query('UPDATE accrete_jobs SET fault = $2 WHERE id = $1', [job, fault]);
      await fb.quarantine(c, job, quarantine);
    });
  }

  interruptJob(job: number, why: string): Promise<number> {
    return this.fenced(async (c) => {
      await rows.finishJob(c, job, { state: 'interrupted', error: why });
      return fb.releaseClaimed(c, job, false);
    });
  }

  jobs(limit?: number) {
    return this.q((c) => rows.listJobs(c, limit));
  }
  job(id: number) {
    return this.q((c) => rows.getJob(c, id));
  }

  /** As the SQLite registry's gc; then the file lists of removed versions and the blobs nobody uses go, in the database and in this cache. */
  async gc(keep: number): Promise<{ removed: string[]; kept: string[] }> {
    if (!Number.isInteger(keep) || keep < 0) throw new AccreteError('USAGE', `--keep must be a whole number of versions, 0 or more (got ${keep})`);
    const live = (await this.versions()).filter((v) => !v.removedAt);
    const kept = new Set(live.slice(live.length - keep).map((v) => v.id));
    for (let id = await this.activeId(); id !== null; ) {
      kept.add(id);
      const files = await this.q((c) => filesOf(c, id!));
      if (!files.some((f) => f.name === MANIFEST_FILE)) break;
      id = (await this.version(id)).parent;
    }
    const removed = live.filter((v) => !kept.has(v.id)).map((v) => v.id);
    if (removed.length === 0) return { removed, kept: [...kept] };
    await this.tx(async (c) => {
      await rows.markRemoved(c, removed);
      await dropUnused(c, removed);
    });
    for (const id of removed) rmSync(this.dirOf(id), { recursive: true, force: true });
    this.blobs.prune();
    return { removed, kept: [...kept] };
  }

  /** Clears this cache's leftovers; a dead updater's jobs are recovered by whoever takes the updater lock (takeLock). */
  async recover(): Promise<Recovery> {
    const live = (await this.versions()).filter((v) => !v.removedAt).map((v) => v.path);
    const removed = removeUnreferenced(this.root, new Set(live)).filter((n) => !n.startsWith('v'));
    const recovery: Recovery = { interrupted: [], released: 0, removed };
    if (this.lock) Object.assign(recovery, await this.takeLock());
    return recovery;
  }

  /** Tries to become the updater; on success the jobs a dead updater left running are interrupted (their events pending again). */
  private async takeLock(): Promise<{ interrupted: number[]; released: number }> {
    const out = { interrupted: [] as number[], released: 0 };
    try {
      const got = await this.lock!.tryTake(async (fence) => {
        await this.tx(async (c) => {
          await checkFence(c, fence);
          for (const job of await rows.jobsIn(c, 'running')) {
            await rows.finishJob(c, job, { state: 'interrupted', error: 'the updater stopped during the update (another replica took over)' });
            out.released += await fb.releaseClaimed(c, job, false);
            out.interrupted.push(job);
          }
        });
      });
      if (got) this.log(`updater: this replica (${this.replicaId}) holds the updater lock (fencing token ${this.lock!.fence})`);
      if (got && out.interrupted.length && this.claimed) this.log(`recovered: update job(s) ${out.interrupted.join(', ')} were interrupted; their ${out.released} feedback event(s) are pending again`);
    } catch (err) {
      throw asStorageFault(err, this.label);
    }
    return out;
  }

  async claim(): Promise<void> {
    this.claimed = true;
    this.listener = new Listener(this.url, (notice) => {
      this.noticed = true;
      for (const fn of this.listeners) fn(notice);
    });
    this.listener.start();
    await this.heartbeat();
  }

  subscribe(fn: (notice: string) => void): void {
    this.listeners.push(fn);
  }

  serving(id: string): void {
    this.servingNow = { id, since: new Date() };
    void this.heartbeat().catch(() => undefined);
  }

  /** Reports this replica: its version, since when, and how long after that version's activation it began serving it. */
  private async heartbeat(): Promise<void> {
    if (!this.claimed || this.closed) return;
    const report = { id: this.replicaId, role: this.isUpdater() ? `${this.role} (updater)` : this.role, serving: this.servingNow };
    await this.q((c) => reportReplica(c, report));
  }

  async replicas(): Promise<{ self: string; replicas: ReplicaInfo[] }> {
    return { self: this.replicaId, replicas: await this.q((c) => listReplicas(c)) };
  }

  /** Rows of a query (accrete registry copy reads whole tables). */
  async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.q(async (c) => (await c.query<T>(sql, params)).rows);
  }

  /** Runs `fn` in one transaction; `fn` gets a query function. */
  transaction(fn: (query: (sql: string, params?: unknown[]) => Promise<unknown>) => Promise<void>): Promise<void> {
    return this.tx((c) => fn((sql, params = []) => c.query(sql, params)));
  }

  /** Uploads a model directory's files the database lacks; returns its file list. */
  async uploadFiles(dir: string): Promise<FileEntry[]> {
    return (await this.q(() => uploadDir(this.pool, this.blobs, dir))).files;
  }

  async reopen(): Promise<void> {
    // The pool replaces broken connections by itself.
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.listener?.close();
    await this.lock?.release();
    if (this.claimed) await removeReplica(this.pool, this.replicaId).catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}
