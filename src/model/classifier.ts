/**
 * TextClassifier: a config, a vocabulary of words and labels, and parameter tensors. Predicts
 * labels for text; training, updating and saving are plain functions elsewhere that take one.
 */
import type { Config, TextConfig } from '../config.js';
import { checkText } from '../data/example.js';
import { show } from '../data/fields.js';
import { ConfigError } from '../errors.js';
import { Featurizer } from '../features/featurizer.js';
import type { AdamState } from '../optim/adam.js';
import { tokenize } from '../text/tokenize.js';
import { IntBuffer } from '../util/intBuffer.js';
import { Rng } from '../util/rng.js';
import type { Vocab } from '../vocab/vocab.js';
import { createScratch, outputInput, predictProbs, scratchFits, type Scratch } from './forward.js';
import { createLoss, type LossFunction } from './loss/loss.js';
import { cloneParams, initParams, type Params } from './params.js';
import { pickTop } from './topRows.js';

/** One predicted label and its probability (the transformers.js output shape). */
export interface Prediction {
  label: string;
  score: number;
}

export interface PredictOptions {
  /** How many labels to return at most (default 1). */
  k?: number;
  /** Leave out labels scoring below this probability (default 0). */
  threshold?: number;
}

/** What a model records about itself besides its parameters (lineage and metrics, for versions). */
export interface ModelInfo {
  [key: string]: unknown;
}

/**
 * A trained text classifier: `predict(text, { k, threshold })` ranks its labels for a text; `config`,
 * `vocab` and `params` are what it was trained with and learned. Made by train, loadModel or
 * importFastText; saved with saveModel or saveLearner.
 */
export class TextClassifier {
  private _config: Config;
  private _featurizer: Featurizer;
  /** The loss of config.loss, resolved once. */
  readonly loss: LossFunction;
  private scratch: Scratch;
  private readonly featureBuffer = new IntBuffer(256);
  /** Where this model was last loaded from or saved to (not saved itself: it names the parent of an update). */
  source: { dir: string; weightsChecksum: string } | null = null;

  constructor(
    config: Config,
    readonly vocab: Vocab,
    public params: Params,
    public optimizerState: AdamState | null = null,
    public info: ModelInfo = {},
  ) {
    this._config = config;
    this._featurizer = new Featurizer(vocab, config);
    this.scratch = createScratch(params);
    this.loss = createLoss(config.loss);
  }

  /** A model with fresh parameters sized for `vocab` (seeded by config.seed). */
  static create(config: Config, vocab: Vocab): TextClassifier {
    const featurizer = new Featurizer(vocab, config);
    const params = initParams(
      { inputRows: featurizer.inputRows, dim: config.dim, hidden: config.hidden, labels: vocab.labelCount },
      new Rng(config.seed),
    );
    return new TextClassifier(config, vocab, params);
  }

  get config(): Config {
    return this._config;
  }

  /** Turns the model's texts into input rows (made for config's bucket). */
  get featurizer(): Featurizer {
    return this._featurizer;
  }

  /**
   * Puts `config` in force with a featurizer for it (a new one unless given): how an update that
   * grows the n-gram table renumbers the rows, and how its undo puts the parent's back
   * (src/update/growTable.ts). The parameters must already be laid out for it.
   */
  relayout(config: Config, featurizer: Featurizer = new Featurizer(this.vocab, config)): void {
    this._config = config;
    this._featurizer = featurizer;
  }

  get labels(): readonly string[] {
    return this.vocab.labels;
  }

  get textConfig(): TextConfig {
    return this.config;
  }

  tokenize(text: string): string[] {
    return tokenize(text, this.config);
  }

  /** Input-matrix rows of a text (a view, valid until the next call). */
  features(text: string): Int32Array {
    this.featureBuffer.length = 0;
    this.featurizer.featurizeText(text, this.config, this.featureBuffer);
    return this.featureBuffer.view();
  }

  /** Probability of every label, in label-id order (a fresh array). */
  probabilities(text: string): Float32Array {
    checkText(text, 'probabilities: text');
    const rows = this.features(text);
    return Float32Array.from(this.probsOfRows(rows, 0, rows.length));
  }

  /** Probabilities for pre-featurised input rows (a scratch view, valid until the next call). */
  probsOfRows(rows: Int32Array, start: number, end: number): Float32Array {
    if (!scratchFits(this.scratch, this.params)) {
      this.scratch = createScratch(this.params);
    }
    return predictProbs(this.params, this.loss, rows, start, end, this.scratch, this.tableSigmoid, this.config.bagNorm);
  }

  /** Whether one-vs-all scores go through fastText's sigmoid table (models in fastText mode; see predictProbs). */
  get tableSigmoid(): boolean {
    return this.config.tokenizer === 'fasttext';
  }

  /** The vector the output layer reads for a text: the embedding, or the hidden activations (a copy). */
  representation(text: string): Float32Array {
    const rows = this.features(text);
    this.probsOfRows(rows, 0, rows.length);
    return Float32Array.from(outputInput(this.params, this.scratch));
  }

  /** The k most probable labels of a text, best first. */
  predict(text: string, options: PredictOptions = {}): Prediction[] {
    checkText(text, 'predict: text');
    checkPredictOptions(options);
    const rows = this.features(text);
    return this.topK(this.probsOfRows(rows, 0, rows.length), options);
  }

  /** The k labels of highest probability (at least `threshold`), best first; ties by label id. */
  topK(probs: Float32Array, { k = 1, threshold = 0 }: PredictOptions = {}): Prediction[] {
    return pickTop(probs, this.vocab.labelCount, k, threshold).map((i) => ({ label: this.vocab.labels[i], score: probs[i] }));
  }

  /** A deep copy: parameters, vocabulary and optimizer state are not shared with the original. */
  clone(): TextClassifier {
    const params = cloneParams(this.params);
    // Adam's moments must sit in the same arena as the parameters the kernels update.
    const state = this.optimizerState
      ? {
          step: this.optimizerState.step,
          first: this.optimizerState.first.map((m) => m?.clone(params.arena) ?? null),
          second: this.optimizerState.second.map((m) => m?.clone(params.arena) ?? null),
        }
      : null;
    return new TextClassifier({ ...this.config }, this.vocab.clone(), params, state, structuredClone(this.info));
  }
}

/** Throws a ConfigError unless `k` is an integer >= 1 (or Infinity: every label) and `threshold` a probability. */
function checkPredictOptions(options: PredictOptions): void {
  if (typeof options !== 'object' || options === null) throw new ConfigError([`predict options must be an object, got ${show(options)}`]);
  const { k, threshold } = options;
  const badK = k !== undefined && !(typeof k === 'number' && k >= 1 && (Number.isInteger(k) || k === Infinity));
  const badThreshold = threshold !== undefined && !(typeof threshold === 'number' && threshold >= 0 && threshold <= 1);
  if (badK || badThreshold) {
    const issues = badK ? [`k must be an integer >= 1, got ${show(k)}`] : [];
    if (badThreshold) issues.push(`threshold must be a probability in [0, 1], got ${show(threshold)}`);
    throw new ConfigError(issues);
  }
}
