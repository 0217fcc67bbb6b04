/**
 * Learner: one object that holds a model together with what later updates need (its replay
 * memory, Fisher information, seen rows and guard) and where it was saved, so that library users
 * no longer carry `model`, `memory` and `seen` by hand, and an update cannot be run without the
 * memory by mistake (update() without `memory` forgets silently; learn() always passes it, and
 * says so when there is none).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toExamples, type Example } from './data/example.js';
import type { ReadOptions } from './data/read.js';
import { show } from './data/fields.js';
import { resolveConfig } from './config.js';
import { ConfigError } from './errors.js';
import type { EvaluateOptions } from './eval/evaluate.js';
import type { Metrics } from './eval/metrics.js';
import type { TrainOptions, TrainReport } from './learn/train.js';
import type { Prediction, PredictOptions, TextClassifier } from './model/classifier.js';
import { applyPatch, type ModelBefore } from './store/patch.js';
import { memoryBefore, saveLearner, type ContinualMemory, type MemoryBefore, DEFAULT_REPLAY } from './update/memory.js';
import { checkUpdateOptions } from './update/options.js';
import { saveUpdated } from './update/saveVersion.js';
import type { UpdateDecision, UpdateOptions } from './update/update.js';
import { memoryStarted } from './update/warnings.js';
import { applyList } from './util/listPatch.js';
import { checkSignal, throwIfAborted } from './offthread/abort.js';
import type { RunOptions } from './offthread/progress.js';
import type { LearnResult as LearnJobResult, LoadResult, MemoryChanges, TrainResult as TrainJobResult, TrainWireOptions } from './offthread/protocol.js';
import { JobThread, runJob } from './offthread/runner.js';
import { sourceOf, type ExampleSource } from './offthread/source.js';
import { growTable } from './update/growTable.js';
import { mergeBefore } from './update/mergeBefore.js';
import { handleOfSliced, memoryOf, modelAtSliced, packMemorySliced, unpackMemory } from './offthread/transfer.js';

export type { ExampleSource } from './offthread/source.js';

/**
 * Options of Learner.train: train()'s options (not onCheckpoint: training runs on another thread), the
 * memory later updates use, how a file is read, and `signal` and `onProgress` (RunOptions).
 */
export interface LearnerTrainOptions extends Omit<TrainOptions, 'onProgress' | 'onCheckpoint' | 'featureCache'>, RunOptions {
  /** Examples kept in the replay memory for later updates; 0 = no memory (default DEFAULT_REPLAY, as `accrete train --replay`). */
  replay?: number;
  /**
   * Examples held out of training to guard later updates, 0 = train on all (default: 2% of the
   * data, at most 300, none under 1,500 examples, as `accrete train --guard-size`). With `valid`,
   * the validation examples are the guard and nothing is held out.
   */
  guardSize?: number;
  /** How a file source is read (format, bad lines...): readDataset's options. */
  read?: ReadOptions;
}

/** Options of learn(): update()'s options, except the memory, which is always the learner's own; and `signal` and `onProgress`. */
export type LearnOptions = Omit<UpdateOptions, 'memory'> & RunOptions;

/** Options of evaluate(): k and threshold, and `signal` and `onProgress`. */
export type LearnerEvaluateOptions = EvaluateOptions & RunOptions;

/**
 * What learn() returns: the gate's decision with its warnings (no replay memory, replay off, a
 * memory started: what can cost, or changed, what the model knew; empty when nothing).
 */
export type LearnResult = UpdateDecision;

/**
 * Where a save went: a patch of the version saved in that directory, the whole model with its
 * memory, or nothing ('unchanged': saved there already, nothing learned since).
 */
export interface LearnerSaved {
  dir: string;
  as: 'patch' | 'whole' | 'unchanged';
  /** Why it was saved whole (absent for a patch). */
  why?: string;
}

/** What an accepted update records of itself in the model (model.info.lineage). */
export interface LearnerLineage {
  /** Updates since training: 1 for the first. */
  depth: number;
  /** The checksum of the weights it was updated from (null when they were never saved). */
  parent: string | null;
  updatedAt: string;
  /** fingerprint() of the examples it learned. */
  dataFingerprint: string;
  [key: string]: unknown;
}

/** Accepted changes since the last save or load: the model and memory as they were then, for a patch. */
interface Pending {
  parent: ModelBefore;
  memory: MemoryBefore | null;
}

/**
 * A text classifier that keeps learning, with its memory: `Learner.train(source)` or
 * `Learner.load(dir)`, then `predict`, `learn` (the gated update, always with the learner's replay
 * memory and guard), `evaluate` and `save`. Saving an accepted update where its parent was loaded
 * from or last saved writes a patch; saving elsewhere writes the whole model. The lower layer
 * (train, update, buildMemory, saveLearner, loadLearner) stays available through `model` and `memory`.
 * @example
 * const learner = await Learner.train('train.jsonl', { epoch: 25, seed: 1 });
 * learner.predict('free cruise', { k: 1 }); // [{ label: 'spam', score: 0.9... }]
 * const { accepted, warnings } = await learner.learn([{ text: 'track your parcel here', label: 'phishing' }]);
 * await learner.save('out/model');
 */
export class Learner {
  /** The model: predicts, and is changed in place by an accepted learn() (between two predictions, never during one). */
  readonly model: TextClassifier;
  #memory: ContinualMemory | null;
  #dir: string | null;
  #pending: Pending | null = null;
  /** The training report when this learner was trained (not loaded). */
  readonly report: TrainReport | null;
  /** Jobs reading the model's tensors from another thread (evaluate, a learn copying them). */
  #readers = 0;
  #whenNoReaders: (() => void)[] = [];
  /** A learn applying its result: readers wait for it. */
  #writing: Promise<void> | null = null;
  /** The last learn queued: learns run one after the other, each from the one before. */
  #learning: Promise<unknown> = Promise.resolve();
  /** The worker thread learns run in, kept between them (started at the first, again after an abort). */
  readonly #thread = new JobThread();
  /** The model's version: a number for each state learn() leaves it in (#versions counts them out, never giving one twice). */
  #version = 0;
  #versions = 0;
  /** The version of the model copy the thread kept from the last accepted learn (and which thread), so the next learn need not copy the model. */
  #threadHolds: { threadId: number | null; version: number } | null = null;

  private constructor(model: TextClassifier, memory: ContinualMemory | null, dir: string | null, report: TrainReport | null) {
    this.model = model;
    this.#memory = memory;
    this.#dir = dir;
    this.report = report;
    // A learner dropped while its thread idles: the thread goes too (it is unref()ed meanwhile, never keeping the process alive).
    threads.register(this, this.#thread);
  }

  /**
   * Trains a new learner on `source` (an array of `{ text, label }` / `{ text, labels }`, a data
   * file's path, or an async iterable of examples), and builds its memory as `accrete train` does:
   * a guard held out of the data (or `valid` as the guard), a replay memory of the rest with its
   * Fisher information, and the input rows training touched. It all runs in a worker thread (with
   * `thread` > 1, Hogwild workers of its own), so the caller's event loop keeps turning; `signal`
   * aborts it (rejecting with an AbortError), `onProgress` follows it.
   */
  static async train(source: ExampleSource, options: LearnerTrainOptions = {}): Promise<Learner> {
    const { replay = DEFAULT_REPLAY, guardSize: guardOption, read = {}, signal, onProgress, ...trainOptions } = options;
    checkSignal(signal, 'Learner.train');
    checkCount(replay, 'replay');
    if (guardOption !== undefined) checkCount(guardOption, 'guardSize');
    if ('onCheckpoint' in options) throw new ConfigError(['Learner.train: onCheckpoint is not an option here (training runs on another thread, where the model is); use train() for it']);
    // Every option is checked before the data is read: a typo should not cost a pass over a big file.
    const { valid, pretrainedVectors: _vectors, autotune, ...config } = trainOptions;
    resolveConfig(config);
    const validExamples = valid == null ? undefined : toExamples(valid, 'Learner.train: options.valid');
    throwIfAborted(signal, 'Learner.train');
    const jobSource = await sourceOf(source, 'Learner.train: examples', read);
    const onTrial = autotune?.onTrial;
    const wireOptions: TrainWireOptions = { ...trainOptions, autotune: undefined, valid: validExamples };
    if (autotune) {
      const { onTrial: _onTrial, ...rest } = autotune;
      wireOptions.autotune = rest;
    } else delete wireOptions.autotune;
    const job = { kind: 'train' as const, source: jobSource, options: wireOptions, replay, guardSize: guardOption, trials: onTrial !== undefined };
    const result = await runJob<TrainJobResult>(job, {
      signal,
      what: 'Learner.train',
      onMessage: (m) => (m.type === 'progress' ? onProgress?.(m.progress) : m.type === 'trial' ? onTrial?.(m.trial, m.best) : undefined),
    });
    const model = await modelAtSliced(result.model);
    // Aborted while the vocabulary was rebuilt: still an abort (the model is dropped).
    throwIfAborted(signal, 'Learner.train');
    return new Learner(model, result.memory && unpackMemory(result.memory), null, result.report);
  }

  /**
   * Loads a learner saved by save() (or a model directory `accrete train` / `accrete update` wrote),
   * with its memory and patches; the files are read and checked in a worker thread.
   */
  static async load(dir: string, options: RunOptions = {}): Promise<Learner> {
    checkSignal(options.signal, 'Learner.load');
    const result = await runJob<LoadResult>({ kind: 'load', dir: resolve(dir) }, { signal: options.signal, what: 'Learner.load' });
    const model = await modelAtSliced(result.model);
    throwIfAborted(options.signal, 'Learner.load');
    return new Learner(model, result.memory && unpackMemory(result.memory), resolve(dir), null);
  }

  /** The replay memory, Fisher information, seen rows and guard later updates use; null when the model was saved without one. */
  get memory(): ContinualMemory | null {
    return this.#memory;
  }

  /** The directory this learner was loaded from or last saved to (null before its first save). */
  get dir(): string | null {
    return this.#dir;
  }

  /**
   * The model's last update as its model.json records it (depth counts the updates since training,
   * parent is the weights' checksum it was updated from); null for a model never updated.
   */
  get lineage(): LearnerLineage | null {
    return (this.model.info.lineage as LearnerLineage | undefined) ?? null;
  }

  /** The labels the model knows. */
  get labels(): readonly string[] {
    return this.model.labels;
  }

  /**
   * The top labels of a text (one list), or of each text of an array (a list per text), with `k`
   * and `threshold` as model.predict takes them. Synchronous, on the caller's thread: a learn()
   * under way changes the model only between two calls, never during one.
   */
  predict(text: string, options?: PredictOptions): Prediction[];
  predict(texts: readonly string[], options?: PredictOptions): Prediction[][];
  predict(input: string | readonly string[], options: PredictOptions = {}): Prediction[] | Prediction[][] {
    if (Array.isArray(input)) return (input as readonly string[]).map((text) => this.model.predict(text, options));
    return this.model.predict(input as string, options);
  }

  /**
   * The gated update (update()) on `examples`, always with the learner's memory: replayed, guarded,
   * and taking the new examples when the gate accepts. It trains in a worker thread on a copy of
   * the model, which keeps predicting as it was meanwhile; an accepted update is then applied to
   * the model at once (as a patch: the rows it changed). `signal` aborts it (an AbortError; the
   * model and memory stay as they were); `onProgress` reports its rounds. Learns run one after the
   * other. A learner without memory still learns, but `warnings` says it can forget; an accepted
   * update then starts a memory from its examples.
   */
  async learn(examples: ExampleSource, options: LearnOptions = {}): Promise<LearnResult> {
    if (typeof options !== 'object' || options === null) throw new ConfigError([`learn options must be an object, got ${show(options)}`]);
    if ('memory' in options) throw new ConfigError(['learn: "memory" is not an option: a Learner always updates with its own memory (use update() for another)']);
    const { signal, onProgress, onRound, ...updateOptions } = options;
    checkSignal(signal, 'learn');
    const issues = checkUpdateOptions(updateOptions);
    if (issues.length > 0) throw new ConfigError(issues);
    throwIfAborted(signal, 'learn');
    const turn = this.#learning.then(() => this.#learnNow(examples, updateOptions, { signal, onProgress, onRound }));
    this.#learning = turn.catch(() => {});
    return turn;
  }

  async #learnNow(examples: ExampleSource, options: Omit<UpdateOptions, 'memory' | 'onRound'>, run: RunOptions & Pick<UpdateOptions, 'onRound'>): Promise<LearnResult> {
    throwIfAborted(run.signal, 'learn');
    const source = await sourceOf(examples, 'learn: examples');
    const memory = this.#memory;
    const release = await this.#pin();
    let result: LearnJobResult;
    const next = ++this.#versions;
    try {
      const holds = this.#threadHolds;
      const reuse = holds !== null && holds.version === this.#version && holds.threadId !== null && holds.threadId === this.#thread.threadId;
      // The thread's kept copy is used (or dropped) by this learn: known again only once it is applied.
      this.#threadHolds = null;
      const model = reuse ? null : await handleOfSliced(this.model);
      const job = { kind: 'learn' as const, model, version: this.#version, next, now: { info: this.model.info, source: this.model.source }, memory: memory && (await packMemorySliced(memory)), source, options };
      result = await this.#thread.run<LearnJobResult>(job, {
        signal: run.signal,
        what: 'learn',
        onMessage: (m) => {
          if (m.type === 'copied') return release();
          if (m.type !== 'progress') return;
          if (m.progress.round) run.onRound?.(m.progress.round);
          run.onProgress?.(m.progress);
        },
      });
    } finally {
      release();
    }
    const { reasons, report, warnings } = result;
    if (!result.accepted) return { accepted: false, reasons, report, warnings };
    const accepted = result;
    await this.#exclusive(() => {
      // The last moment to abort: after this, the update is applied whole.
      throwIfAborted(run.signal, 'learn');
      this.#apply(accepted, memory);
      this.#version = next;
      this.#threadHolds = { threadId: this.#thread.threadId, version: next };
    });
    return { accepted: true, reasons, report, warnings, parent: accepted.parent };
  }

  /** Applies an accepted update computed off the main thread: the patch to the model, the memory's changes, the pending patch's parent. */
  #apply(result: Extract<LearnJobResult, { accepted: true }>, memory: ContinualMemory | null): void {
    const before = memory ? memoryBefore(memory) : null;
    // (a grown table: grown here as the thread grew it, bit for bit, then the patch on top)
    if (result.grownTable !== undefined) growTable(this.model, null, result.grownTable);
    applyPatch(this.model, result.patch, 'learn');
    let pendingMemory = this.#pending ? this.#pending.memory : before;
    if (result.memory && 'started' in result.memory) {
      this.#memory = unpackMemory(result.memory.started);
      result.warnings.push(memoryStarted(this.#memory.replay.size));
    } else if (result.memory && memory) {
      const next = applyMemoryChanges(memory, result.memory.changes);
      this.#memory = next.memory;
      if (pendingMemory) pendingMemory = { ...pendingMemory, replay: pendingMemory.replay.map((e) => next.sameAs.get(e) ?? e) };
    }
    this.#pending = this.#pending ? { parent: mergeBefore(this.#pending.parent, result.parent), memory: pendingMemory } : { parent: result.parent, memory: pendingMemory };
  }

  /** Holds off changes to the model's tensors until the returned release is called (a reader on another thread). */
  async #pin(): Promise<() => void> {
    while (this.#writing) await this.#writing;
    this.#readers++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#readers === 0) for (const wake of this.#whenNoReaders.splice(0)) wake();
    };
  }

  /** Runs `change` once no reader is left, with new readers waiting until it is done (an epoch barrier). */
  async #exclusive(change: () => void): Promise<void> {
    let done!: () => void;
    this.#writing = new Promise((r) => (done = r));
    try {
      while (this.#readers > 0) await new Promise<void>((r) => this.#whenNoReaders.push(r));
      change();
    } finally {
      this.#writing = null;
      done();
    }
  }

  /**
   * Accuracy, macro-F1, per-label metrics and confusion on `examples` (an array, a data file's path
   * or an async iterable), scored in a worker thread that reads the model's tensors in place (a
   * learn() finishing meanwhile waits for it). `signal` aborts it; `onProgress` counts examples.
   */
  async evaluate(examples: ExampleSource, options: LearnerEvaluateOptions = {}): Promise<Metrics> {
    const { signal, onProgress, ...evaluateOptions } = options;
    checkSignal(signal, 'evaluate');
    throwIfAborted(signal, 'evaluate');
    const source = await sourceOf(examples, 'evaluate: examples');
    const release = await this.#pin();
    try {
      const job = { kind: 'evaluate' as const, model: await handleOfSliced(this.model), source, options: evaluateOptions };
      return await runJob<Metrics>(job, { signal, what: 'evaluate', onMessage: (m) => (m.type === 'progress' ? onProgress?.(m.progress) : undefined) });
    } finally {
      release();
    }
  }

  /**
   * Saves the learner with its memory in `dir`. Where it was loaded from or last saved, the
   * updates accepted since are written as a patch of that version (manifest.json and patches/,
   * folded into a new base once they grow past a quarter of it); anywhere else, or when no patch
   * can say it, the whole model is written; where it is saved already and nothing was learned
   * since, nothing is written. Afterwards `dir` is the learner's directory. Change the model only
   * through learn(): a patch holds what learn() recorded, not changes made to `model` by hand.
   */
  async save(dir: string): Promise<LearnerSaved> {
    const out = resolve(dir);
    const memory = this.#memory;
    // An accepted update leaves the Fisher estimate stale (memory.fisher null) and it is not estimated
    // again here: a patch keeps the earlier values marked stale, a whole save leaves them out, and the
    // next update that needs one (EWC, low-fisher) estimates it from this model and replay memory.
    let saved: LearnerSaved;
    if (this.#dir === out && !this.#pending && existsSync(join(out, 'model.json'))) {
      // Saved there already and nothing learned since: nothing to write (a whole save would fold its patches for nothing).
      return { dir: out, as: 'unchanged' };
    }
    if (this.#dir === out && this.#pending) {
      const v = saveUpdated(this.model, memory, this.#pending.parent, this.#pending.memory, out);
      saved = v.as === 'patch' ? { dir: out, as: 'patch' } : { dir: out, as: 'whole', why: v.why };
    } else {
      saveLearner(this.model, memory, out);
      const why = this.#dir === null ? 'a new learner' : this.#dir !== out ? 'a new directory' : 'its directory no longer holds a model';
      saved = { dir: out, as: 'whole', why };
    }
    this.#dir = out;
    this.#pending = null;
    return saved;
  }
}

/** Ends the worker thread of a learner no longer reachable. */
const threads = new FinalizationRegistry<JobThread>((thread) => thread.close());

/**
 * A memory with an update's changes applied, and which of the learner's example objects each kept
 * example now is (the buffer keeps copies): a pending patch finds the memory's changes by identity.
 */
function applyMemoryChanges(memory: ContinualMemory, c: MemoryChanges): { memory: ContinualMemory; sameAs: Map<Example, Example> } {
  const replay = applyList(memory.replay.examples(), c.replay);
  const next = memoryOf(c, replay, applyList(memory.guard ?? [], c.guard));
  const copies = next.replay.examples();
  const sameAs = new Map<Example, Example>();
  if (copies.length === replay.length) replay.forEach((e, i) => copies[i].text === e.text && sameAs.set(e, copies[i]));
  return { memory: next, sameAs };
}

function checkCount(n: unknown, name: string): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new ConfigError([`${name} must be an integer >= 0, got ${show(n)}`]);
}
