/**
 * Learner: one object that holds a model together with what later updates need (its replay
 * memory, Fisher information, seen rows and guard) and where it was saved, so that library users
 * no longer carry `model`, `memory` and `seen` by hand, and an update cannot be run without the
 * memory by mistake (update() without `memory` forgets silently; learn() always passes it, and
 * says so when there is none).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toExamples, type Example, type ExampleInput } from './data/example.js';
import { readDataset, type ReadOptions, type ReadReport } from './data/read.js';
import { show } from './data/fields.js';
import { resolveConfig } from './config.js';
import { AccreteError, ConfigError } from './errors.js';
import { evaluate as evaluateModel, type EvaluateOptions } from './eval/evaluate.js';
import type { Metrics } from './eval/metrics.js';
import { train as trainModel, type TrainOptions, type TrainReport } from './learn/train.js';
import type { Prediction, PredictOptions, TextClassifier } from './model/classifier.js';
import type { ModelBefore } from './store/patch.js';
import { guardSize, holdOutGuard } from './update/guard.js';
import { buildMemory, DEFAULT_REPLAY, estimateFisher, loadLearner, memoryBefore, saveLearner, type ContinualMemory, type MemoryBefore } from './update/memory.js';
import { saveUpdated } from './update/saveVersion.js';
import { update, type UpdateDecision, type UpdateOptions } from './update/update.js';

/**
 * Where examples come from: an array (or any iterable) of examples, a data file's path (JSONL,
 * CSV, TSV or fastText, read with readDataset), or an async iterable of examples (e.g. readExamples).
 */
export type ExampleSource = string | Iterable<ExampleInput> | AsyncIterable<ExampleInput>;

/** Options of Learner.train: train()'s options, plus the memory later updates use and how a file is read. */
export interface LearnerTrainOptions extends TrainOptions {
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

/** Options of learn(): update()'s options, except the memory, which is always the learner's own. */
export type LearnOptions = Omit<UpdateOptions, 'memory'>;

/** What learn() returns: the gate's decision, and what the learner lacked to learn safely (empty when nothing). */
export type LearnResult = UpdateDecision & {
  /** What this update ran without (no replay memory, no guard): said here because it can cost what the model knew. */
  warnings: string[];
};

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
  /** The model: predicts, and is changed in place by an accepted learn(). */
  readonly model: TextClassifier;
  #memory: ContinualMemory | null;
  #dir: string | null;
  #pending: Pending | null = null;
  /** The training report when this learner was trained (not loaded). */
  readonly report: TrainReport | null;

  private constructor(model: TextClassifier, memory: ContinualMemory | null, dir: string | null, report: TrainReport | null) {
    this.model = model;
    this.#memory = memory;
    this.#dir = dir;
    this.report = report;
  }

  /**
   * Trains a new learner on `source` (an array of `{ text, label }` / `{ text, labels }`, a data
   * file's path, or an async iterable of examples), and builds its memory as `accrete train` does:
   * a guard held out of the data (or `valid` as the guard), a replay memory of the rest with its
   * Fisher information, and the input rows training touched.
   */
  static async train(source: ExampleSource, options: LearnerTrainOptions = {}): Promise<Learner> {
    const { replay = DEFAULT_REPLAY, guardSize: guardOption, read, ...trainOptions } = options;
    checkCount(replay, 'replay');
    if (guardOption !== undefined) checkCount(guardOption, 'guardSize');
    // Every option is checked before the data is read: a typo should not cost a pass over a big file.
    const { valid: _valid, onProgress: _onProgress, pretrainedVectors: _vectors, ...config } = trainOptions;
    const cfg = resolveConfig(config);
    const { examples: all, file } = await examplesOf(source, 'Learner.train: examples', read);
    const valid = trainOptions.valid == null ? undefined : toExamples(trainOptions.valid, 'Learner.train: options.valid');
    // The guard is drawn with the training seed, as `accrete train` draws it.
    const held = valid || replay === 0 ? { train: all, guard: [] as Example[] } : holdOutGuard(all, cfg.seed, guardOption ?? guardSize(all.length));
    const { model, report, seen } = await trainModel(held.train, { ...trainOptions, valid });
    model.info = { ...model.info, ...(file !== undefined ? { trainedOn: { file, examples: report.examples } } : {}), train: report };
    const memory = replay > 0 ? buildMemory(model, held.train, { capacity: replay, seed: model.config.seed, seen, guard: valid ?? held.guard }) : null;
    return new Learner(model, memory, null, report);
  }

  /** Loads a learner saved by save() (or a model directory `accrete train` / `accrete update` wrote), with its memory and patches. */
  static async load(dir: string): Promise<Learner> {
    const { model, memory } = loadLearner(dir);
    return new Learner(model, memory, resolve(dir), null);
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

  /** The top labels of a text (one list), or of each text of an array (a list per text), with `k` and `threshold` as model.predict takes them. */
  predict(text: string, options?: PredictOptions): Prediction[];
  predict(texts: readonly string[], options?: PredictOptions): Prediction[][];
  predict(input: string | readonly string[], options: PredictOptions = {}): Prediction[] | Prediction[][] {
    if (Array.isArray(input)) return (input as readonly string[]).map((text) => this.model.predict(text, options));
    return this.model.predict(input as string, options);
  }

  /**
   * The gated update (update()) on `examples`, always with the learner's memory: replayed, guarded,
   * and taking the new examples when the gate accepts. A learner without memory (a model saved
   * without one) still learns, but `warnings` says it can forget; an accepted update then starts a
   * memory from its examples. When the gate rejects, the model is put back bit for bit.
   */
  async learn(examples: ExampleSource, options: LearnOptions = {}): Promise<LearnResult> {
    if (typeof options !== 'object' || options === null) throw new ConfigError([`learn options must be an object, got ${show(options)}`]);
    if ('memory' in options) throw new ConfigError(['learn: "memory" is not an option: a Learner always updates with its own memory (use update() for another)']);
    const { examples: input } = await examplesOf(examples, 'learn: examples');
    const warnings = this.#warnings(options);
    const memory = this.#memory;
    const before = memory ? memoryBefore(memory) : null;
    const decision = update(this.model, input, { ...options, memory });
    if (decision.accepted) {
      this.#pending = this.#pending ? { parent: mergeBefore(this.#pending.parent, decision.parent), memory: this.#pending.memory } : { parent: decision.parent, memory: before };
      const capacity = options.replay ?? DEFAULT_REPLAY;
      if (memory === null && capacity > 0) {
        this.#memory = buildMemory(this.model, input, { capacity, seed: options.seed ?? this.model.config.seed });
        warnings.push(`a memory was started from this update's ${input.length} examples: later updates replay them`);
      }
    }
    return { ...decision, warnings };
  }

  /** What the learner lacks to learn without forgetting, as learn() reports it. */
  #warnings(options: LearnOptions): string[] {
    const out: string[] = [];
    const guardGiven = options.guard != null;
    if (!this.#memory) {
      out.push(
        'this learner has no replay memory (trained with replay: 0, or loaded from a model saved without one): the update cannot replay what the model knew and may forget it' +
          (guardGiven ? '' : ', and with no guard given the gate can only check the new data'),
      );
    } else if (options.replay === 0) {
      out.push(`replay: 0 turns the memory's replay off: the update may forget what the model knew` + (!guardGiven && !this.#memory.guard?.length ? ', and the gate has no guard to see it' : ''));
    }
    return out;
  }

  /** Accuracy, macro-F1, per-label metrics and confusion on `examples` (an array, a data file's path or an async iterable). */
  async evaluate(examples: ExampleSource, options: EvaluateOptions = {}): Promise<Metrics> {
    const { examples: input } = await examplesOf(examples, 'evaluate: examples');
    return evaluateModel(this.model, input, options);
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
    // update() drops the stale Fisher estimate on accept: estimate it again for the saved memory.
    if (memory && memory.fisher === null && memory.replay.size > 0) memory.fisher = estimateFisher(this.model, memory.replay.examples());
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

/** The examples of a source, checked; `file` names a path source. */
async function examplesOf(source: ExampleSource, what: string, read: ReadOptions = {}): Promise<{ examples: readonly Example[]; file?: string; report?: ReadReport }> {
  if (typeof source === 'string') {
    const { examples, report } = await readDataset(source, read);
    return { examples, file: source, report };
  }
  if (source !== null && typeof source === 'object' && Symbol.asyncIterator in source) {
    const list: unknown[] = [];
    for await (const e of source as AsyncIterable<ExampleInput>) list.push(e);
    return { examples: toExamples(list, what) };
  }
  if (source !== null && typeof source === 'object' && !Array.isArray(source) && Symbol.iterator in source) return { examples: toExamples([...(source as Iterable<unknown>)], what) };
  if (!Array.isArray(source)) throw new AccreteError('BAD_DATA', `${what} must be an array of examples, a data file's path or an async iterable of examples, got ${show(source)}`);
  return { examples: toExamples(source, what) };
}

function checkCount(n: unknown, name: string): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new ConfigError([`${name} must be an integer >= 0, got ${show(n)}`]);
}

/**
 * The parent of two updates in a row, as one: what the model was before the first. A row the
 * second update may have touched but the first did not still held the first's parent value when
 * the second began, so the first's record wins where both list a row, and the second adds the rest.
 */
function mergeBefore(first: ModelBefore, second: ModelBefore): ModelBefore {
  const tensors = new Map(first.tensors);
  for (const [name, b] of second.tensors) {
    const a = first.tensors.get(name);
    if (!a) {
      // A tensor the first update did not list (optimizer moments that appeared): rows past what the
      // parent had are growth, kept whole by the diff; the second's record holds the rest.
      tensors.set(name, b);
      continue;
    }
    const known = new Set(a.ids);
    const extra: number[] = [];
    for (let k = 0; k < b.ids.length; k++) if (!known.has(b.ids[k]) && b.ids[k] < a.rows) extra.push(k);
    if (extra.length === 0) continue;
    const cols = a.ids.length > 0 ? a.values.length / a.ids.length : b.ids.length > 0 ? b.values.length / b.ids.length : 0;
    const ids = new Int32Array(a.ids.length + extra.length);
    const values = new Float32Array(ids.length * cols);
    ids.set(a.ids);
    values.set(a.values);
    extra.forEach((k, i) => {
      ids[a.ids.length + i] = b.ids[k];
      values.set(b.values.subarray(k * cols, (k + 1) * cols), (a.ids.length + i) * cols);
    });
    tensors.set(name, { rows: a.rows, ids, values });
  }
  return { ...first, tensors };
}
