/**
 * The SQLite registry behind the asynchronous store interface: every call is the synchronous
 * Registry's (its transactions, owner row and fsync unchanged). Once a server claimed the registry,
 * the calls whose cost grows with the feedback (an update job's transactions, counting and listing
 * events: THREAD_METHODS) run on its registry thread, a second connection holding the same claim
 * (registryThread.ts), so they never hold up the server's thread; the other calls run here and
 * answer as a settled promise. A write here waits (without blocking the thread) for the calls sent
 * to the registry thread before it, rather than for SQLite's lock. The registry thread's commits
 * are this server's own: changed() does not report them.
 */
import type { Example } from '../data/example.js';
import type { TextClassifier } from '../model/classifier.js';
import type { GateIssue } from '../update/gate.js';
import type { UpdateReport } from '../update/update.js';
import { Registry } from './registry.js';
import { RegistryThread } from './registryThread.js';
import type { ThreadMethod } from './threadCalls.js';
import type { CommitInput, RegistryStore, StartedJob } from './store.js';
import type { FeedbackEvent, JobFault, JobTrigger, VersionMetrics, VersionRecord } from './types.js';

export class SqliteStore implements RegistryStore {
  readonly kind = 'sqlite' as const;
  private dataVersion: number;
  /** Set by claim(): the registry thread of the server that owns the registry. */
  private thread: RegistryThread | null = null;
  /** Settles once the last call sent to the registry thread has. */
  private tail: Promise<unknown> = Promise.resolve();
  /** The registry thread committed since changed() last looked (and nobody else had before). */
  private ownCommit = false;
  /** The version the server serves (serving()). */
  private servingId: string | null = null;

  constructor(readonly registry: Registry) {
    this.dataVersion = registry.dataVersion();
  }

  /** Runs a Registry method on the registry thread once the registry is claimed, else here. */
  private async off<M extends ThreadMethod>(method: M, ...args: Parameters<Registry[M]>): Promise<ReturnType<Registry[M]>> {
    if (!this.thread) return (this.registry[method] as (...a: unknown[]) => ReturnType<Registry[M]>).apply(this.registry, args);
    const run = (this.thread.call as (m: M, ...a: unknown[]) => Promise<ReturnType<Registry[M]>>)(method, ...args);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * A write on the registry thread: its commit is this server's own, so PRAGMA data_version moving
   * across it is not reported by changed() — unless it had moved before (another process's commit
   * not seen yet). A commit by another process landing while the call is in flight (a few ms) is
   * taken as ours for its counts; the active version is still checked (changed()).
   */
  private async offWrite<M extends ThreadMethod>(method: M, ...args: Parameters<Registry[M]>): Promise<ReturnType<Registry[M]>> {
    if (!this.thread) return this.off(method, ...args);
    const before = this.registry.dataVersion();
    try {
      return await this.off(method, ...args);
    } finally {
      if (before === this.dataVersion) {
        this.dataVersion = this.registry.dataVersion();
        this.ownCommit = true;
      }
    }
  }

  /** Runs a write on this thread once the calls sent to the registry thread before it have settled (so it never waits on SQLite's lock for them). */
  private async local<T>(write: () => T): Promise<T> {
    for (let t = this.tail; ; t = this.tail) {
      await t;
      if (t === this.tail) break;
    }
    return write();
  }

  static open(file: string, options: { readonly?: boolean; mustExist?: boolean } = {}): SqliteStore {
    return new SqliteStore(Registry.open(file, options));
  }

  get label(): string {
    return this.registry.file;
  }
  get root(): string {
    return this.registry.root;
  }
  get workerFile(): string {
    return this.registry.file;
  }

  dirOf(id: string): string {
    return this.registry.dirOf(id);
  }
  async ensureLocal(): Promise<number> {
    return 0;
  }
  checkKept(v: VersionRecord): void {
    this.registry.checkKept(v);
  }
  checkRecorded(v: VersionRecord, model: Pick<TextClassifier, 'source'>): void {
    this.registry.checkRecorded(v, model);
  }

  async versions() {
    return this.registry.versions();
  }
  async version(id: string) {
    return this.registry.version(id);
  }
  async activeId() {
    return this.registry.activeId();
  }
  async activations(limit?: number) {
    return this.registry.activations(limit);
  }
  async diskUsage() {
    return this.registry.diskUsage();
  }
  async changed(): Promise<boolean> {
    const now = this.registry.dataVersion();
    if (now !== this.dataVersion) {
      this.dataVersion = now;
      this.ownCommit = false;
      return true;
    }
    if (!this.ownCommit) return false;
    // After this server's own commits, an activation by another process in between still shows.
    this.ownCommit = false;
    return this.servingId !== null && this.registry.activeId() !== this.servingId;
  }

  serving(id: string): void {
    this.servingId = id;
  }

  async loadActive() {
    return this.registry.loadActive();
  }
  async activate(id: string, reason?: string, loaded?: Pick<TextClassifier, 'source'>) {
    return this.local(() => this.registry.activate(id, reason, loaded));
  }
  async rollback() {
    return this.local(() => this.registry.rollback());
  }
  async importModel(dir: string) {
    return this.local(() => this.registry.importModel(dir));
  }

  async addFeedback(events: readonly FeedbackEvent[]) {
    return this.local(() => this.registry.addFeedback(events));
  }
  async pendingCount() {
    return this.off('pendingCount');
  }
  async feedbackCount() {
    return this.off('feedbackCount');
  }
  async quarantinedCount() {
    return this.off('quarantinedCount');
  }
  async feedbackSeries(maxBuckets?: number) {
    return this.off('feedbackSeries', maxBuckets);
  }
  async recentOutcomes(n: number) {
    return this.registry.recentOutcomes(n);
  }
  async quarantined(job?: number) {
    return this.off('quarantined', job);
  }

  isUpdater(): boolean {
    return true;
  }
  async startJob(trigger: JobTrigger, options: Record<string, unknown>): Promise<StartedJob> {
    return this.offWrite('startJob', trigger, options);
  }
  async claimedBy(job: number): Promise<{ ids: number[]; examples: Example[] }> {
    return this.off('claimedBy', job);
  }
  async claimedIds(job: number) {
    return this.off('claimedIds', job);
  }
  async examplesById(ids: readonly number[]) {
    return this.off('examplesById', ids);
  }
  async publishCandidate(job: number) {
    return this.registry.publishCandidate(job);
  }
  async commitVersion(job: number, id: string, o: CommitInput) {
    return this.offWrite('commitVersion', job, id, o);
  }
  async rejectJob(job: number, reasons: GateIssue[], metrics: VersionMetrics, report: UpdateReport | null) {
    await this.offWrite('rejectJob', job, reasons, metrics, report);
  }
  async failJob(job: number, error: string) {
    return this.offWrite('failJob', job, error);
  }
  async diagnoseJob(job: number, fault: JobFault, quarantine: readonly { id: number; reason: string }[]) {
    await this.offWrite('diagnoseJob', job, fault, quarantine);
  }
  async interruptJob(job: number, why: string) {
    return this.offWrite('interruptJob', job, why);
  }
  async jobs(limit?: number) {
    return this.registry.jobs(limit);
  }
  async job(id: number) {
    return this.registry.job(id);
  }

  async gc(keep: number) {
    return this.local(() => this.registry.gc(keep));
  }
  async recover() {
    return this.local(() => this.registry.recover());
  }
  async claim() {
    this.registry.claim();
    this.thread = new RegistryThread(this.registry.file, this.registry.claimToken!);
  }
  /** Both connections anew: this one (keeping the claim), and the registry thread's at its next call. */
  async reopen() {
    await this.local(() => this.registry.reopen());
    await this.thread?.restart();
  }
  async close() {
    await this.local(() => undefined);
    await this.thread?.close();
    this.thread = null;
    this.registry.close();
  }
}
