/**
 * The SQLite registry behind the asynchronous store interface: every call is the synchronous
 * Registry's (its transactions, owner row and fsync unchanged), answered as a settled promise.
 */
import type { Example } from '../data/example.js';
import type { TextClassifier } from '../model/classifier.js';
import type { GateIssue } from '../update/gate.js';
import type { UpdateReport } from '../update/update.js';
import { Registry } from './registry.js';
import type { CommitInput, RegistryStore, StartedJob } from './store.js';
import type { FeedbackEvent, JobFault, JobTrigger, VersionMetrics, VersionRecord } from './types.js';

export class SqliteStore implements RegistryStore {
  readonly kind = 'sqlite' as const;
  private dataVersion: number;

  constructor(readonly registry: Registry) {
    this.dataVersion = registry.dataVersion();
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
    if (now === this.dataVersion) return false;
    this.dataVersion = now;
    return true;
  }

  async loadActive() {
    return this.registry.loadActive();
  }
  async activate(id: string, reason?: string, loaded?: Pick<TextClassifier, 'source'>) {
    return this.registry.activate(id, reason, loaded);
  }
  async rollback() {
    return this.registry.rollback();
  }
  async importModel(dir: string) {
    return this.registry.importModel(dir);
  }

  async addFeedback(events: readonly FeedbackEvent[]) {
    return this.registry.addFeedback(events);
  }
  async pendingCount() {
    return this.registry.pendingCount();
  }
  async feedbackCount() {
    return this.registry.feedbackCount();
  }
  async quarantinedCount() {
    return this.registry.quarantinedCount();
  }
  async feedbackSeries(maxBuckets?: number) {
    return this.registry.feedbackSeries(maxBuckets);
  }
  async recentOutcomes(n: number) {
    return this.registry.recentOutcomes(n);
  }
  async quarantined(job?: number) {
    return this.registry.quarantined(job);
  }

  isUpdater(): boolean {
    return true;
  }
  async startJob(trigger: JobTrigger, options: Record<string, unknown>): Promise<StartedJob> {
    return this.registry.startJob(trigger, options);
  }
  async claimedBy(job: number): Promise<{ ids: number[]; examples: Example[] }> {
    return this.registry.claimedBy(job);
  }
  async claimedIds(job: number) {
    return this.registry.claimedIds(job);
  }
  async examplesById(ids: readonly number[]) {
    return this.registry.examplesById(ids);
  }
  async publishCandidate(job: number) {
    return this.registry.publishCandidate(job);
  }
  async commitVersion(job: number, id: string, o: CommitInput) {
    return this.registry.commitVersion(job, id, o);
  }
  async rejectJob(job: number, reasons: GateIssue[], metrics: VersionMetrics, report: UpdateReport | null) {
    this.registry.rejectJob(job, reasons, metrics, report);
  }
  async failJob(job: number, error: string) {
    return this.registry.failJob(job, error);
  }
  async diagnoseJob(job: number, fault: JobFault, quarantine: readonly { id: number; reason: string }[]) {
    this.registry.diagnoseJob(job, fault, quarantine);
  }
  async interruptJob(job: number, why: string) {
    return this.registry.interruptJob(job, why);
  }
  async jobs(limit?: number) {
    return this.registry.jobs(limit);
  }
  async job(id: number) {
    return this.registry.job(id);
  }

  async gc(keep: number) {
    return this.registry.gc(keep);
  }
  async recover() {
    return this.registry.recover();
  }
  async claim() {
    this.registry.claim();
  }
  async reopen() {
    this.registry.reopen();
  }
  async close() {
    this.registry.close();
  }
}
