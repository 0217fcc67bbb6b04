/**
 * The registry as the server and `accrete models` use it, whatever holds it: one SQLite file
 * (sqliteStore.ts, the embedded default) or a PostgreSQL database shared by many serving replicas
 * (postgres/store.ts). Asynchronous because PostgreSQL answers over the network; the SQLite
 * store answers at once, with the same transactions and guarantees as before. Model files are
 * always read from a local directory: beside the SQLite file, or a PostgreSQL replica's cache.
 */
import type { Example } from '../data/example.js';
import type { TextClassifier } from '../model/classifier.js';
import type { GateIssue } from '../update/gate.js';
import type { UpdateReport } from '../update/update.js';
import type { FeedbackSeries, QuarantinedEvent } from './feedback.js';
import type { JobOutcomeRecord } from './jobs.js';
import type { Recovery } from './registry.js';
import type { FeedbackEvent, JobFault, JobRecord, JobTrigger, VersionMetrics, VersionRecord } from './types.js';
import type { Activation } from './versions.js';

export interface CommitInput {
  parent: string;
  metrics: VersionMetrics;
  options: Record<string, unknown>;
  report: UpdateReport;
  checksum: string;
  labels: string[];
}

export interface StartedJob {
  job: number;
  parent: string;
  count: number;
  /** Local directory the candidate is saved to. */
  staging: string;
}

/** A serving replica as it last reported itself. */
export interface ReplicaInfo {
  id: string;
  host: string;
  pid: number;
  role: string;
  version: string | null;
  /** The active version's commit, to this replica serving it (ms; null while it serves another). */
  lagMs: number | null;
  /** Whether it is behind the active version now. */
  behind: boolean;
  seenAt: string;
  updater: boolean;
}

export interface RegistryStore {
  readonly kind: 'sqlite' | 'postgres';
  /** What names the registry in messages: the SQLite file, or the connection string without its password. */
  readonly label: string;
  /** The local directory under which model files live (versions/<id>/). */
  readonly root: string;
  /** The SQLite file, when the update worker may read feedback from it itself; null otherwise. */
  readonly workerFile: string | null;

  dirOf(id: string): string;
  /** Makes version `id`'s model files present (and verified) under dirOf(id); returns the bytes fetched. */
  ensureLocal(id: string): Promise<number>;
  checkKept(v: VersionRecord): void;
  checkRecorded(v: VersionRecord, model: Pick<TextClassifier, 'source'>): void;

  versions(): Promise<VersionRecord[]>;
  version(id: string): Promise<VersionRecord>;
  activeId(): Promise<string | null>;
  activations(limit?: number): Promise<Activation[]>;
  diskUsage(): Promise<{ total: number; byVersion: Map<string, number> }>;
  /** True when another process committed something since the last call (a cheap check; a SQLite server's registry thread is not another process). */
  changed(): Promise<boolean>;

  loadActive(): Promise<{ id: string; model: TextClassifier }>;
  activate(id: string, reason?: string, loaded?: Pick<TextClassifier, 'source'>): Promise<{ active: string; previous: string | null }>;
  rollback(): Promise<{ active: string; previous: string | null }>;
  importModel(dir: string): Promise<VersionRecord>;

  addFeedback(events: readonly FeedbackEvent[]): Promise<number[]>;
  pendingCount(): Promise<number>;
  feedbackCount(): Promise<number>;
  quarantinedCount(): Promise<number>;
  feedbackSeries(maxBuckets?: number): Promise<FeedbackSeries>;
  recentOutcomes(n: number): Promise<{ error: number; version: string | null }[]>;
  quarantined(job?: number): Promise<QuarantinedEvent[]>;

  /** Claims every pending event for a new job (or for the queued job `queued`, PostgreSQL). */
  startJob(trigger: JobTrigger, options: Record<string, unknown>, queued?: number): Promise<StartedJob>;
  claimedBy(job: number): Promise<{ ids: number[]; examples: Example[] }>;
  claimedIds(job: number): Promise<number[]>;
  examplesById(ids: readonly number[]): Promise<Example[]>;
  publishCandidate(job: number): Promise<{ id: string; dir: string }>;
  commitVersion(job: number, id: string, o: CommitInput): Promise<{ activated: boolean }>;
  rejectJob(job: number, reasons: GateIssue[], metrics: VersionMetrics, report: UpdateReport | null): Promise<void>;
  failJob(job: number, error: string): Promise<number>;
  diagnoseJob(job: number, fault: JobFault, quarantine: readonly { id: number; reason: string }[]): Promise<void>;
  interruptJob(job: number, why: string): Promise<number>;
  jobs(limit?: number): Promise<JobRecord[]>;
  job(id: number): Promise<JobOutcomeRecord>;

  gc(keep: number): Promise<{ removed: string[]; kept: string[] }>;
  recover(): Promise<Recovery>;
  /** A server starting: SQLite claims the one-owner row; a PostgreSQL replica registers itself. */
  claim(): Promise<void>;
  /** Whether this process may run update jobs now (SQLite: always; PostgreSQL: while it holds the updater lock). */
  isUpdater(): boolean;
  /** PostgreSQL: a job asked for by a replica that does not run updates; the updater runs it. */
  queueJob?(trigger: JobTrigger, options: Record<string, unknown>): Promise<number>;
  /** PostgreSQL, the updater: the oldest queued job. */
  nextQueued?(): Promise<{ job: number; trigger: JobTrigger; options: Record<string, unknown> } | null>;
  /** PostgreSQL: the error outcomes of every replica's feedback after event `after` (the updater's drift detector). */
  outcomesAfter?(after: number): Promise<{ last: number; outcomes: number[] }>;
  /** PostgreSQL: calls `fn` when a notice says something changed (an activation, a job). */
  subscribe?(fn: (notice: string) => void): void;
  /** The version this server serves now (PostgreSQL: reported with its lag; SQLite: changed() checks the active version against it after the server's own commits). */
  serving?(id: string): void;
  /** PostgreSQL: every replica with its version and lag, and this one's id (for GET /v1/health). */
  replicas?(): Promise<{ self: string; replicas: ReplicaInfo[] }>;
  /** Opens the connection anew after an I/O error. */
  reopen(): Promise<void>;
  close(): Promise<void>;
}
