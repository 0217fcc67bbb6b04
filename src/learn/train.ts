/**
 * Training from scratch: tokenize once, build the vocabulary, featurise once, then epochs of
 * SGD or Adam on one thread or on Hogwild workers, with optional validation and early stopping.
 */
import { resolveConfig, type Config } from '../config.js';
import { toExamples, type Example, type ExampleInput } from '../data/example.js';
import { AccreteError } from '../errors.js';
import { featurizeAll, featurizeTable, type FeaturizedData } from '../features/dataset.js';
import { TokenTable } from '../features/tokenTable.js';
import { usesBuckets } from '../features/featurizer.js';
import type { Vocab } from '../vocab/vocab.js';
import { loadPretrainedVectors, type PretrainedReport } from './pretrainedVectors.js';
import { TextClassifier } from '../model/classifier.js';
import { cloneParams, tensors, type Params } from '../model/params.js';
import { createOptimizer } from '../optim/optimizer.js';
import { tokenize } from '../text/tokenize.js';
import { releaseMemory } from '../util/gc.js';
import { Rng } from '../util/rng.js';
import { buildVocab } from '../vocab/build.js';
import { stepContext, indexRange } from './context.js';
import { runEpoch } from './epochs.js';
import { HogwildPool } from './hogwild.js';
import { ProgressMeter, type ProgressListener } from './progress.js';
import { accuracyOnRows } from './validate.js';
import { autotune, type AutotuneOptions, type AutotuneReport } from './autotune.js';

export interface TrainOptions extends Partial<Config> {
  /** Validation examples: scored after every epoch; with `patience`, the best epoch wins. */
  valid?: readonly ExampleInput[];
  onProgress?: ProgressListener;
  /** A .vec file (fastText or word2vec text format) whose vectors start the vocabulary words' rows. */
  pretrainedVectors?: string;
  /**
   * Called at `checkpoints` evenly spaced points of the run (the last is its end, where it is not
   * called) with the fraction of the run done and the model as it stands; returning 'stop' ends
   * training there. Autotune uses it to score a trial part-way, mid-epoch if need be, and to stop
   * hopeless or overdue trials. With `thread` > 1 the checkpoints are the epochs' ends.
   */
  onCheckpoint?: (fraction: number, model: TextClassifier) => 'stop' | void;
  /** How many checkpoints onCheckpoint sees, the end of the run included (default: one per epoch). */
  checkpoints?: number;
  /** Search the hyperparameters on a validation set instead of training once (see autotune.ts). */
  autotune?: AutotuneOptions;
  /**
   * @internal For autotune: the token table and vocabulary of these same examples (same text
   * options and minCount), and the featurised data of earlier trials by feature settings, reused.
   */
  featureCache?: FeatureCache;
}

/** What trials on the same examples share (see TrainOptions.featureCache). */
export interface FeatureCache {
  table: TokenTable;
  vocab: Vocab;
  /** Featurised data by featureKey, the most recently used last. */
  data: Map<string, FeaturizedData>;
  /** At most this many featurised data sets are kept. */
  capacity: number;
  /** How many trials found their data here. */
  hits: number;
}

/** What the featurised rows depend on besides the vocabulary: the bucket only when n-grams use it. */
export function featureKey(cfg: Config, shared: boolean): string {
  const bucket = usesBuckets(cfg) ? cfg.bucket : 0;
  return `${cfg.wordNgrams}/${cfg.minn}/${cfg.maxn}/${bucket}/${cfg.hashing}/${cfg.cjkRuns}/${shared}`;
}

export interface EpochReport {
  epoch: number;
  loss: number;
  validAccuracy?: number;
}

export interface TrainReport {
  examples: number;
  tokens: number;
  words: number;
  labels: number;
  epochs: EpochReport[];
  /** The epoch whose parameters the model holds (the best one when early stopping). */
  bestEpoch: number;
  stoppedEarly: boolean;
  seconds: number;
  /** What --pretrained-vectors set (absent without it). */
  pretrained?: PretrainedReport;
  /** True when onCheckpoint stopped training before its end. */
  interrupted?: boolean;
}

function splitOptions(options: TrainOptions): Partial<Config> {
  const { valid: _valid, onProgress: _onProgress, pretrainedVectors: _pretrained, onCheckpoint: _onCheckpoint, checkpoints: _checkpoints, autotune: _autotune, featureCache: _cache, ...cfg } = options;
  return cfg;
}

/** What train() returns: the model, the training report and the input rows the data touched. */
export interface TrainResult {
  model: TextClassifier;
  report: TrainReport;
  /** 1 for every input row the training data touched (what an update's new-rows selection needs). */
  seen: Uint8Array;
  /** With options.autotune: every trial of the search and which one the model is. */
  autotune?: AutotuneReport;
}

/**
 * Trains a new classifier on labelled examples (`{ text, label }` or `{ text, labels: [...] }`),
 * with fastText's options and defaults (`epoch`, `lr`, `dim`, `wordNgrams`, `loss`, ...), plus
 * `valid` examples scored after every epoch (with `patience`, the best epoch wins) and `onProgress`.
 * Throws an AccreteError (code BAD_DATA) naming the first bad example, a ConfigError for bad options,
 * a DivergenceError when training produced NaN or Inf.
 * @example
 * const { model, report } = await train([{ text: 'win a free prize', label: 'spam' }, { text: 'lunch at noon?', label: 'ham' }], { epoch: 50 });
 * model.predict('free prize', { k: 1 }); // [{ label: 'spam', score: 0.9... }]
 */
export async function train(input: readonly ExampleInput[], options: TrainOptions = {}): Promise<TrainResult> {
  if (options.autotune) return autotune(input, options);
  const started = performance.now();
  const cfg = resolveConfig(splitOptions(options));
  const examples = toExamples(input, 'train: examples');
  const valid = options.valid == null ? undefined : toExamples(options.valid, 'train: options.valid');
  if (examples.length === 0) throw new AccreteError('BAD_DATA', 'no training examples: the training data is empty');
  const cache = options.featureCache;
  let table: TokenTable | null = cache?.table ?? null;
  if (!table) {
    table = new TokenTable();
    for (const e of examples) table.addExample(tokenize(e.text, cfg));
  }
  // A trial's model gets its own copy: nothing shared may change under the next trial.
  const vocab = cache ? cache.vocab.clone() : buildVocab(table, examples, cfg.minCount);
  if (vocab.labelCount === 0) throw new AccreteError('BAD_DATA', 'no labels in the training data');
  const parallel = cfg.thread > 1;
  const model = TextClassifier.create(cfg, vocab);
  const pretrained = options.pretrainedVectors ? await loadPretrainedVectors(model, options.pretrainedVectors) : undefined;
  const key = featureKey(cfg, parallel);
  let data = cache?.data.get(key);
  if (cache && data) {
    cache.hits++;
    cache.data.delete(key);
  } else data = featurizeTable(table, examples, model.featurizer, { shared: parallel });
  if (cache) {
    cache.data.set(key, data);
    while (cache.data.size > cache.capacity) cache.data.delete(cache.data.keys().next().value!);
  }
  table = null; // the token ids are garbage from here on (unless the cache keeps them)
  if (!cache) releaseMemory();
  const seen = new Uint8Array(model.params.input.rows);
  for (let k = 0; k < data.rows.length; k++) seen[data.rows[k]] = 1;
  const validData = valid ? featurizeValid(model, valid) : null;
  const optimizer = createOptimizer(cfg.optimizer, model.params, null);

  const meter = new ProgressMeter(data.count, data.tokens, cfg.epoch);
  const epochs: EpochReport[] = [];
  let best = { epoch: 0, accuracy: -1, params: null as Params | null };
  let stoppedEarly = false;
  let interrupted = false;
  const pool = parallel ? new HogwildPool(model.params, optimizer.state(), data, cfg) : null;
  const ctx = pool ? null : stepContext(model.params, cfg, optimizer, cfg.seed + 1);
  const order = indexRange(data.count);
  const shuffler = new Rng(cfg.seed);
  let timer: NodeJS.Timeout | undefined;
  const report = options.onProgress;
  const checkpoints = options.checkpoints ?? cfg.epoch;
  try {
    for (let e = 0; e < cfg.epoch; e++) {
      const before = e * data.count;
      let loss: number;
      if (pool) {
        const tick = report ? () => report(meter.at(before + pool.done(), NaN)) : undefined;
        // Ticks from this thread's own shard, then from the timer while the workers finish.
        if (tick) timer = setInterval(tick, 500);
        loss = await pool.epoch(e, cfg.epoch, tick);
        clearInterval(timer);
      } else {
        shuffler.shuffle(order);
        // The epoch in pieces between checkpoints: the same steps, in the same order, as in one.
        loss = 0;
        for (const [from, to] of epochPieces(e, cfg.epoch, data.count, checkpoints)) {
          const doneBefore = before + from;
          const piece = runEpoch(ctx!, data, order.subarray(from, to), {
            lr: cfg.lr,
            decay: true,
            doneBefore,
            total: cfg.epoch * data.count,
            onTick: report ? (done, meanLoss) => report(meter.at(doneBefore + done, meanLoss)) : undefined,
          });
          loss += (piece * (to - from)) / Math.max(1, data.count);
          if (to < data.count && options.onCheckpoint?.((before + to) / (cfg.epoch * data.count), model) === 'stop') {
            interrupted = true;
            break;
          }
        }
      }
      report?.(meter.at(before + data.count, loss));
      const epochReport: EpochReport = { epoch: e + 1, loss };
      if (validData) {
        const accuracy = accuracyOnRows(model, validData);
        epochReport.validAccuracy = accuracy;
        if (accuracy > best.accuracy) {
          best = { epoch: e + 1, accuracy, params: cfg.patience > 0 && e + 1 < cfg.epoch ? cloneParams(model.params) : null };
        } else if (cfg.patience > 0 && e + 1 - best.epoch >= cfg.patience) {
          stoppedEarly = true;
        }
      }
      epochs.push(epochReport);
      if (stoppedEarly || interrupted) break;
      if (e + 1 < cfg.epoch && options.onCheckpoint?.((e + 1) / cfg.epoch, model) === 'stop') {
        interrupted = true;
        break;
      }
    }
  } finally {
    clearInterval(timer);
    await pool?.close();
  }
  // Copied back rather than swapped in: the optimizer's moments live in the model's own arena.
  if (stoppedEarly && best.params) {
    const kept = tensors(best.params);
    tensors(model.params).forEach(([, m], i) => m.data.set(kept[i][1].data));
  }
  model.optimizerState = optimizer.state();
  return {
    model,
    seen,
    report: {
      examples: data.count,
      tokens: data.tokens,
      words: vocab.wordCount,
      labels: vocab.labelCount,
      epochs,
      bestEpoch: stoppedEarly ? best.epoch : epochs.length,
      stoppedEarly,
      seconds: (performance.now() - started) / 1000,
      ...(pretrained ? { pretrained } : {}),
      ...(interrupted ? { interrupted } : {}),
    },
  };
}

/**
 * Epoch `e`'s pieces [from, to) of `count` examples, cut where one of `checkpoints` evenly spaced
 * points of an `epochs`-epoch run falls inside the epoch or at its end.
 */
export function epochPieces(e: number, epochs: number, count: number, checkpoints: number): [number, number][] {
  const total = epochs * count;
  const cuts = new Set<number>([count]);
  for (let c = 1; c < checkpoints; c++) {
    const at = Math.round((c * total) / checkpoints) - e * count;
    if (at > 0 && at < count) cuts.add(at);
  }
  const ends = [...cuts].sort((a, b) => a - b);
  return ends.map((to, i) => [i === 0 ? 0 : ends[i - 1], to]);
}

function featurizeValid(model: TextClassifier, valid: readonly Example[]): FeaturizedData {
  return featurizeAll(
    valid.map((e) => model.tokenize(e.text)),
    valid,
    model.featurizer,
  );
}
