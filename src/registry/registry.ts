/**
 * The model registry: one SQLite file (versions, the active pointer and its history, feedback
 * events, update jobs and their reports) with the model files beside it under `versions/<id>/`.
 * Files are written before the rows that name them, and each change of rows is one transaction,
 * so after a crash at any point the database is consistent and every recorded version is whole;
 * `recover()` then clears what an interrupted update left behind.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Example } from '../data/example.js';
import { AccreteError, ModelFileError } from '../errors.js';
import type { GateIssue } from '../update/gate.js';
import type { TextClassifier } from '../model/classifier.js';
import { loadModel, verifyExtraFiles } from '../store/modelFiles.js';
import type { UpdateReport } from '../update/update.js';
import { openDatabase, type Db } from './db.js';
import * as feedback from './feedback.js';
import type { CommitInput } from './store.js';
import { importCopy, updatedRecord } from './versionRecords.js';
import { publish, removeUnreferenced, stagingPath, versionPath } from './files.js';
import * as jobs from './jobs.js';
import * as owner from './owner.js';
import { faultSeam } from '../util/faultSeam.js';
import { crashPoint } from '../util/crashPoint.js';
import { diskBytes } from '../store/linkDir.js';
import { MANIFEST_FILE } from '../store/manifest.js';
import { type FeedbackEvent, type JobFault, type JobRecord, type JobTrigger, type VersionMetrics, type VersionRecord } from './types.js';
import * as versions from './versions.js';

export type { FeedbackEvent, JobRecord, VersionRecord, VersionMetrics } from './types.js';

/** Where a registry lives when no --registry is given. */
export const DEFAULT_REGISTRY = 'accrete-registry/registry.db';

/** A version whose model files do not load (missing, corrupted, or not the ones the registry recorded). */
export class VersionFilesError extends AccreteError {
  constructor(
    readonly version: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('BAD_MODEL_FILE', message, options);
  }
}

export interface Recovery {
  /** Jobs that were running when the process died; their feedback is pending again. */
  interrupted: number[];
  /** Feedback events those jobs had claimed, now pending again. */
  released: number;
  /** Leftovers removed from versions/ (staging and temporary directories, unrecorded versions). */
  removed: string[];
}

/** A version's model directory, loaded with every checksum verified (the memory files' too); VersionFilesError naming the version when it does not load. */
export function loadVersionDir(id: string, dir: string): TextClassifier {
  try {
    const model = loadModel(dir);
    verifyExtraFiles(dir);
    return model;
  } catch (err) {
    if (!(err instanceof ModelFileError)) throw err;
    throw new VersionFilesError(id, `version ${id} does not load: ${err.message}`, { cause: err });
  }
}

export class Registry {
  readonly root: string;
  /** The claim of the server that owns this registry (set by claim() or adopt()); every feedback and version write checks it. */
  private ownerToken: string | null = null;
  /** The claim is another connection's (adopt()): close() leaves it in place. */
  private adopted = false;

  private constructor(
    readonly file: string,
    private conn: Db,
    private readonly openOptions: { readonly?: boolean; mustExist?: boolean },
  ) {
    this.root = dirname(file);
  }

  get db(): Db {
    return this.conn;
  }

  /** Opens the registry at `file`, creating it (and its folder) unless `readonly` or `mustExist`. */
  static open(file: string, options: { readonly?: boolean; mustExist?: boolean } = {}): Registry {
    const path = resolve(file);
    if (options.readonly || options.mustExist) mustBeRegistryFile(file);
    if (!options.readonly && !options.mustExist) mkdirSync(join(dirname(path), 'versions'), { recursive: true });
    return new Registry(path, openDatabase(path, options), options);
  }

  /**
   * Opens a new connection in place of this one (after an I/O error a connection may stay broken).
   * An owner keeps its claim: the new connection checks the row still names it.
   */
  reopen(): void {
    const next = openDatabase(this.file, { ...this.openOptions, mustExist: true });
    if (this.ownerToken !== null) {
      try {
        owner.assertOwner(next, this.ownerToken);
      } catch (err) {
        next.close();
        throw err;
      }
    }
    try {
      this.conn.close();
    } catch {
      // the old connection is broken: nothing to keep from it
    }
    this.conn = next;
  }

  close(): void {
    if (this.db.open) {
      if (this.ownerToken !== null && !this.adopted) owner.releaseOwnership(this.db, this.ownerToken);
      this.db.close();
    }
    this.ownerToken = null;
  }

  /** Makes this connection the registry's one owner (a server); throws CONFLICT while another live server owns it. */
  claim(): void {
    faultSeam('database');
    this.ownerToken = owner.claimOwnership(this.db, this.file);
  }

  /** The claim this connection holds (claim()), for a second connection of the same server to adopt; null when it holds none. */
  get claimToken(): string | null {
    return this.ownerToken;
  }

  /**
   * A second connection of the server that claimed the registry (its registry thread): its writes
   * check the same claim, and closing it leaves the claim to the connection that made it.
   * Throws CONFLICT when `token` no longer owns the registry.
   */
  adopt(token: string): void {
    owner.assertOwner(this.db, token);
    this.ownerToken = token;
    this.adopted = true;
  }

  /** First step of every write transaction: the fault seam (tests), then a server that lost its claim writes nothing. */
  private beforeWrite(): void {
    faultSeam('database');
    if (this.ownerToken !== null) owner.assertOwner(this.db, this.ownerToken);
  }

  /**
   * Runs `fn` as one write transaction, after beforeWrite(). Immediate: the write lock is taken at
   * its start (waiting out the busy timeout while another connection holds it), so a transaction
   * that reads before it writes never fails with SQLITE_BUSY because another connection committed
   * in between (two connections write: the server's thread and its registry thread, registryThread.ts).
   */
  private write<T>(fn: () => T): T {
    return this.db
      .transaction(() => {
        this.beforeWrite();
        return fn();
      })
      .immediate();
  }

  /** Absolute model directory of a version. */
  dirOf(id: string): string {
    return join(this.root, versionPath(id));
  }

  versions(): VersionRecord[] {
    return versions.listVersions(this.db);
  }

  version(id: string): VersionRecord {
    return versions.getVersion(this.db, id);
  }

  activeId(): string | null {
    return versions.activeId(this.db);
  }

  /**
   * Bytes on disk: what each version adds (files no earlier version shares: a version made by a
   * patch shares its parent's files by hard links, so it adds its patch) and the registry's total,
   * each file counted once.
   */
  diskUsage(): { total: number; byVersion: Map<string, number> } {
    const list = this.versions().filter((v) => !v.removedAt);
    const { total, perDir } = diskBytes(list.map((v) => this.dirOf(v.id)));
    return { total, byVersion: new Map(list.map((v, i) => [v.id, perDir[i]])) };
  }

  activations(limit?: number): versions.Activation[] {
    return versions.activations(this.db, limit);
  }

  /** Changes after this number mean another connection (a CLI, another process) committed something. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /**
   * Loads a version's model directory, checksums verified (the memory files' too), and checks that its weights are the ones
   * the registry recorded. Throws VersionFilesError naming the version.
   */
  loadVersion(id: string): TextClassifier {
    const v = this.version(id);
    this.checkKept(v);
    const model = loadVersionDir(id, this.dirOf(id));
    this.checkRecorded(v, model);
    return model;
  }

  /** Throws VersionFilesError when garbage collection removed version `v`'s files (its row stays). */
  checkKept(v: VersionRecord): void {
    if (v.removedAt) throw new VersionFilesError(v.id, `version ${v.id} does not load: its files were removed by garbage collection (--keep) at ${v.removedAt}`);
  }

  /** Throws VersionFilesError unless `model` (loaded from version `v`'s directory) has the weights the registry recorded. */
  checkRecorded(v: VersionRecord, model: Pick<TextClassifier, 'source'>): void {
    const checksum = model.source?.weightsChecksum;
    if (checksum !== v.checksum) throw new VersionFilesError(v.id, `version ${v.id} does not load: ${v.path}: the weights' checksum ${checksum} is not the one the registry recorded (${v.checksum})`);
  }

  /** The active version's model, for a server starting; when it does not load, says how to make another one active. */
  loadActive(): { id: string; model: TextClassifier } {
    const id = this.activeId();
    if (id === null) throw new AccreteError('CONFLICT', `the registry ${this.file} has no active version`);
    try {
      return { id, model: this.loadVersion(id) };
    } catch (err) {
      if (!(err instanceof VersionFilesError)) throw err;
      throw new VersionFilesError(id, `cannot serve the active version: ${err.message}\nmake another version active, then start again: accrete models rollback --registry ${this.file} (its parent), or accrete models activate ID --registry ${this.file} (accrete models list shows the ids)`, { cause: err });
    }
  }

  /**
   * Makes `id` the active version once its model files load (a version that does not load never
   * becomes active). `loaded`: its model, already loaded by the caller (checked against the record, not read again).
   */
  activate(id: string, reason = 'activate', loaded?: Pick<TextClassifier, 'source'>): { active: string; previous: string | null } {
    this.verifyForActivation(id, loaded);
    const previous = this.db.transaction(() => versions.setActive(this.db, id, reason)).immediate();
    return { active: id, previous };
  }

  /** Activates the parent of the active version (the version it was updated from), once its model files load. */
  rollback(): { active: string; previous: string | null } {
    const current = versions.activeId(this.db);
    if (current === null) throw new AccreteError('CONFLICT', 'the registry has no active version to roll back');
    const parent = versions.getVersion(this.db, current).parent;
    if (parent === null) throw new AccreteError('CONFLICT', `${current} has no parent version to roll back to`);
    // Loading takes a while: verify outside the transaction, then make sure nobody activated another version meanwhile.
    this.verifyForActivation(parent);
    return this.db.transaction(() => {
      if (versions.activeId(this.db) !== current) throw new AccreteError('CONFLICT', `the active version changed during the rollback (now ${versions.activeId(this.db)}); nothing was changed`);
      versions.setActive(this.db, parent, `rollback from ${current}`);
      return { active: parent, previous: current };
    }).immediate();
  }

  private verifyForActivation(id: string, loaded?: Pick<TextClassifier, 'source'>): void {
    try {
      if (loaded) this.checkRecorded(this.version(id), loaded);
      else this.loadVersion(id);
    } catch (err) {
      if (!(err instanceof VersionFilesError)) throw err;
      const active = this.activeId();
      throw new VersionFilesError(id, `cannot activate ${id}: ${err.message}\nnothing was changed${active ? ` (${active} stays active)` : ''}; restore the files of versions/${id}, or activate another version (accrete models list shows them)`, { cause: err });
    }
  }

  /**
   * Copies a model directory (saved by `accrete train` or saveLearner) into the registry as a new
   * version, verified by loading it, and scored on its saved guard set; it becomes active when the
   * registry has no active version.
   */
  importModel(dir: string): VersionRecord {
    const id = versions.nextVersionId(this.db);
    const target = this.dirOf(id);
    const record = importCopy(id, dir, target);
    this.db.transaction(() => {
      versions.insertVersion(this.db, record);
      if (versions.activeId(this.db) === null) versions.setActive(this.db, id, `import ${resolve(dir)}`);
    }).immediate();
    return record;
  }

  addFeedback(events: readonly FeedbackEvent[]): number[] {
    return this.write(() => {
      return feedback.insertFeedback(this.db, events);
    });
  }

  pendingCount(): number {
    return feedback.pendingCount(this.db);
  }

  feedbackCount(): number {
    return feedback.feedbackCount(this.db);
  }

  feedbackSeries(maxBuckets?: number): feedback.FeedbackSeries {
    return feedback.feedbackSeries(this.db, maxBuckets);
  }

  recentOutcomes(n: number): { error: number; version: string | null }[] {
    return feedback.recentOutcomes(this.db, n);
  }

  /** Starts an update job from the active version on every pending feedback event (read them with `claimedBy`). */
  startJob(trigger: JobTrigger, options: Record<string, unknown>): { job: number; parent: string; count: number; staging: string } {
    return this.write(() => {
      const parent = versions.activeId(this.db);
      if (parent === null) throw new AccreteError('CONFLICT', 'the registry has no active version to update');
      const job = jobs.insertJob(this.db, trigger, parent, options);
      const claimed = feedback.claimPending(this.db, job);
      jobs.setJobFeedback(this.db, job, claimed);
      return { job, parent, count: claimed.count, staging: join(this.root, stagingPath(job)) };
    });
  }

  /** The feedback events a running job claimed, oldest first, as examples with their ids. */
  claimedBy(job: number): { ids: number[]; examples: Example[] } {
    return feedback.claimedBy(this.db, job);
  }

  /** The ids of the events a running job claimed. */
  claimedIds(job: number): number[] {
    return (this.db.prepare(`SELECT id FROM feedback WHERE job = ? AND state = 'claimed' ORDER BY id`).all(job) as { id: number }[]).map((r) => r.id);
  }

  /** Feedback events by id, as examples (a job's diagnosis tries them in parts). */
  examplesById(ids: readonly number[]): Example[] {
    return feedback.examplesById(this.db, ids);
  }

  quarantinedCount(): number {
    return feedback.countIn(this.db, 'quarantined');
  }

  quarantined(job?: number): feedback.QuarantinedEvent[] {
    return feedback.quarantined(this.db, job);
  }

  /** Moves an accepted job's staged model directory to the next version id; returns the id and its directory. */
  publishCandidate(job: number): { id: string; dir: string } {
    const id = versions.nextVersionId(this.db);
    publish(this.root, stagingPath(job), versionPath(id));
    return { id, dir: this.dirOf(id) };
  }

  /**
   * Records an accepted job's published version, and activates it when the active version is
   * still the job's parent (someone may have activated another version meanwhile).
   */
  commitVersion(job: number, id: string, o: CommitInput): { activated: boolean } {
    const record = updatedRecord(job, id, o);
    return this.write(() => {
      versions.insertVersion(this.db, record);
      const activated = versions.activeId(this.db) === o.parent;
      if (activated) versions.setActive(this.db, id, `update job ${job}`);
      jobs.finishJob(this.db, job, { state: 'accepted', version: id, reasons: o.report.reasons, metrics: o.metrics, report: o.report });
      feedback.useClaimed(this.db, job);
      return { activated };
    });
  }

  /** The gate rejected the job's candidate: the job finished, and its feedback is used. */
  rejectJob(job: number, reasons: GateIssue[], metrics: VersionMetrics, report: UpdateReport | null): void {
    this.write(() => {
      jobs.finishJob(this.db, job, { state: 'rejected', reasons, metrics, report });
      feedback.useClaimed(this.db, job);
    });
  }

  /**
   * A job that failed (diverged, or its files did not load): its feedback is pending again, each
   * event with one more failed attempt. Returns how many events it gave back.
   */
  failJob(job: number, error: string): number {
    return this.write(() => {
      jobs.finishJob(this.db, job, { state: 'failed', error });
      return feedback.releaseClaimed(this.db, job, true);
    });
  }

  /** What a failed job's control run found; `quarantine`: the events that make updates fail, with their reasons. */
  diagnoseJob(job: number, fault: JobFault, quarantine: readonly { id: number; reason: string }[]): void {
    this.write(() => {
      this.db.prepare('UPDATE jobs SET fault = ? WHERE id = ?').run(fault, job);
      feedback.quarantine(this.db, job, quarantine);
    });
  }

  /** A job stopped by a shutdown: its feedback is pending again. Returns how many events it gave back. */
  interruptJob(job: number, why: string): number {
    return this.write(() => {
      jobs.finishJob(this.db, job, { state: 'interrupted', error: why });
      return feedback.releaseClaimed(this.db, job, false);
    });
  }

  jobs(limit?: number): JobRecord[] {
    return jobs.listJobs(this.db, limit);
  }

  job(id: number): ReturnType<typeof jobs.getJob> {
    return jobs.getJob(this.db, id);
  }

  /**
   * Removes the files of the versions no longer needed: all but the last `keep`, the active version
   * and its lineage back to a base (a version saved whole, on which its descendants' patches
   * apply). Rows stay (jobs and activations name them), marked removed, before any file goes: a
   * crash in between leaves files no row needs, which the next start (recover) removes, and so does
   * the next gc: it first finishes the removals a killed gc left undone. `removed`: the versions
   * whose files this call removed, those leftovers included.
   */
  gc(keep: number): { removed: string[]; kept: string[] } {
    if (!Number.isInteger(keep) || keep < 0) throw new AccreteError('USAGE', `--keep must be a whole number of versions, 0 or more (got ${keep})`);
    const all = this.versions();
    const live = all.filter((v) => !v.removedAt);
    const kept = new Set(live.slice(live.length - keep).map((v) => v.id));
    const active = this.activeId();
    for (let id = active; id !== null; ) {
      kept.add(id);
      if (!existsSync(join(this.dirOf(id), MANIFEST_FILE))) break;
      id = this.version(id).parent;
    }
    const marked = live.filter((v) => !kept.has(v.id)).map((v) => v.id);
    // Rows marked removed whose directory is still there: a gc killed after its transaction.
    const leftovers = all.filter((v) => v.removedAt && existsSync(this.dirOf(v.id))).map((v) => v.id);
    const removed = [...leftovers, ...marked];
    if (removed.length === 0) return { removed, kept: [...kept] };
    if (marked.length) {
      this.write(() => {
        // What to keep was decided from the active version outside this transaction: an activation
        // since then (accrete models activate, the server's updater) could name a version marked here.
        const now = versions.activeId(this.db);
        if (now !== active) throw new AccreteError('CONFLICT', `the active version changed during gc (${active ?? 'none'} -> ${now ?? 'none'}); nothing was removed: run gc again`);
        versions.markRemoved(this.db, marked);
      });
      crashPoint('gc-marked');
    }
    removed.forEach((id, i) => {
      rmSync(this.dirOf(id), { recursive: true, force: true });
      if (i < removed.length - 1) crashPoint('gc-removing');
    });
    crashPoint('gc-removed');
    return { removed, kept: [...kept] };
  }

  /** After a crash: running jobs become interrupted (their feedback pending again), and unrecorded files go. */
  recover(): Recovery {
    const interrupted = jobs.runningJobs(this.db);
    const released = this.db.transaction(() => {
      let n = 0;
      for (const job of interrupted) {
        jobs.finishJob(this.db, job, { state: 'interrupted', error: 'the server stopped during the update' });
        n += feedback.releaseClaimed(this.db, job, false);
      }
      return n;
    }).immediate();
    const removed = removeUnreferenced(this.root, new Set(this.versions().filter((v) => !v.removedAt).map((v) => v.path)));
    return { interrupted, released, removed };
  }
}

/** A read-only or must-exist open: refuses a path that is not a registry file with a message that says what is there instead. */
function mustBeRegistryFile(file: string): void {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    throw new AccreteError('NOT_FOUND', `no registry at ${file} (run accrete serve --registry ${file} --model MODEL to create one)`);
  }
  if (stat.isDirectory()) {
    const inside = join(file, 'registry.db');
    let hint = '';
    try {
      if (statSync(inside).isFile()) hint = ` (did you mean ${inside}?)`;
    } catch {
      // no registry.db inside: no hint
    }
    throw new AccreteError('USAGE', `${file} is a directory, not a registry file${hint}`);
  }
  if (!stat.isFile()) throw new AccreteError('USAGE', `${file} is not a registry file (not a regular file)`);
}
