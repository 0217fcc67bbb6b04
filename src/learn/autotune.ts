/**
 * Autotune: a search over the hyperparameters that matter (dim, epoch, lr, wordNgrams, minn/maxn,
 * bucket, loss), scored on a validation set, keeping the best model.
 *
 * Sampling follows fastText's autotune (autotune.cc): trial 1 is the starting config (fastText's
 * defaults plus whatever the caller set; what the caller set is never searched), and every later
 * trial perturbs the best config so far with Gaussian steps (log2 steps for lr and epoch, linear for
 * wordNgrams, along grids for dim, bucket and the char n-gram range) whose spread shrinks from
 * t = 0.25 to t = 0.75 of the budget. Where this does more than fastText:
 * - progress t counts trials when a trial budget is given, so a seeded trial-bounded search is
 *   deterministic (with thread 1);
 * - a trial of 4 or more epochs is scored at half of them and stopped there (pruned) when it is more
 *   than PRUNE_MARGIN below the best trial's half-way score;
 * - tokens and vocabulary are built once, and trials with the same feature settings train on the
 *   same featurised rows (train's featureCache);
 * - the best trial's model is kept, not trained again at the end;
 * - the model-size bound shrinks a sample to fit instead of discarding it.
 */
import type { Config, Loss } from '../config.js';
import { LOSSES, resolveConfig } from '../config.js';
import { toExamples, type Example, type ExampleInput } from '../data/example.js';
import { AccreteError, ConfigError, DivergenceError } from '../errors.js';
import { featurizeAll, type FeaturizedData } from '../features/dataset.js';
import { inputRowsOf } from '../features/featurizer.js';
import { TokenTable } from '../features/tokenTable.js';
import type { TextClassifier } from '../model/classifier.js';
import { tokenize } from '../text/tokenize.js';
import { Rng } from '../util/rng.js';
import { buildVocab } from '../vocab/build.js';
import { train, type FeatureCache, type TrainOptions, type TrainReport, type TrainResult } from './train.js';

export type AutotuneMetric = 'accuracy' | 'macroF1';

export interface AutotuneOptions {
  /** Examples to score every trial on (never trained on). */
  validation: readonly ExampleInput[];
  /** Seconds the search may take (fastText's default, 300, when neither this nor `trials` is given). */
  duration?: number;
  /** At most this many trials; without `duration`, the search is deterministic for a seed (thread 1). */
  trials?: number;
  /** What the search maximises on the validation set (top-1 accuracy by default). */
  metric?: AutotuneMetric;
  /** Upper bound on the model's input matrix, (bucket rows + words) * dim * 4 bytes (1 GiB by default). */
  modelSize?: number;
  /** Called after every trial (for a progress line). */
  onTrial?: (trial: AutotuneTrial, best: AutotuneTrial) => void;
}

/** The settings a trial searched over (those of Config). */
export type TrialSettings = Pick<Config, 'dim' | 'epoch' | 'lr' | 'wordNgrams' | 'minn' | 'maxn' | 'bucket' | 'loss'>;

export interface AutotuneTrial {
  trial: number;
  settings: TrialSettings;
  /**
   * done: trained all its epochs; pruned: stopped at half of its epochs, scoring too far below the
   * best trial's half-way score; timeout: stopped by the time budget; diverged: training produced NaN.
   */
  status: 'done' | 'pruned' | 'timeout' | 'diverged';
  /** The metric on the validation set (null unless done). */
  score: number | null;
  accuracy: number | null;
  macroF1: number | null;
  /** The metric after half of the epochs (null for trials of fewer than 4 epochs). */
  halfScore: number | null;
  epochsRun: number;
  seconds: number;
  /** (input rows) * dim * 4: the size --autotune-model-size bounds. */
  modelBytes: number;
}

export interface AutotuneReport {
  metric: AutotuneMetric;
  trials: AutotuneTrial[];
  /** The trial whose model was kept (1-based). */
  best: number;
  bestScore: number;
  /** Trial 1's score: the starting config (the defaults unless options were given). */
  startScore: number;
  seconds: number;
  /** Why the search ended. */
  stoppedBy: 'trials' | 'duration';
  modelSizeLimit: number;
  /** Trials that trained on the featurised data of an earlier trial with the same feature settings. */
  reusedFeatures: number;
  /** The searched settings the caller gave, which every trial kept. */
  fixed: Searched[];
  /** What the search was given: the time and trial budgets. */
  duration: number | null;
  trialBudget: number | null;
}

export const DEFAULT_DURATION = 300;
export const DEFAULT_MODEL_SIZE = 1 << 30;
/** The dimensions the search picks from. */
export const DIMS = [8, 16, 32, 50, 64, 100, 150, 200, 300] as const;
/** The char n-gram ranges the search picks from (minn, maxn); 0, 0 = none. */
export const CHAR_NGRAMS: readonly (readonly [number, number])[] = [
  [0, 0],
  [1, 2],
  [2, 4],
  [2, 5],
  [3, 5],
  [3, 6],
];
/**
 * The bucket counts the search picks from (10k to 10M, as fastText's range, on a log grid): a grid
 * rather than a continuum so that trials near the best share their feature settings, and with them
 * their featurised data (see FeatureCache).
 */
export const BUCKETS = [10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000] as const;
const MIN_BUCKET = BUCKETS[0];
/** Featurised data sets kept for reuse across trials. */
const CACHED_FEATURE_SETS = 4;
/** A trial whose half-way score is this far below the best trial's half-way score is pruned. */
export const PRUNE_MARGIN = 0.02;

/** The model's input-matrix bytes for these settings and a vocabulary of `words` words. */
export function modelBytes(s: Pick<Config, 'dim' | 'bucket' | 'wordNgrams' | 'minn' | 'maxn' | 'hashing'>, words: number): number {
  return inputRowsOf(s, words) * s.dim * 4;
}

/**
 * The settings shrunk to fit `limit` bytes: the bucket first (along its grid, down to 10,000), then the dimension,
 * then the n-grams. Throws a ConfigError when even the words alone at dimension 1 do not fit.
 */
export function fitModelSize(s: TrialSettings, hashing: Config['hashing'], words: number, limit: number): TrialSettings {
  const out = { ...s };
  const bytes = () => modelBytes({ ...out, hashing }, words);
  const buckets = () => out.wordNgrams > 1 || out.maxn > 0;
  while (bytes() > limit) {
    if (buckets() && out.bucket > MIN_BUCKET) {
      // The largest grid value that fits (so that trials keep sharing featurised data), else 10,000.
      const fits = Math.floor(limit / (4 * out.dim)) - words;
      out.bucket = [...BUCKETS].reverse().find((b) => b <= fits && b < out.bucket) ?? MIN_BUCKET;
    } else if (out.dim > 1) {
      const rows = inputRowsOf({ ...out, hashing }, words);
      const lower = [...DIMS].reverse().find((d) => d < out.dim && rows * d * 4 <= limit);
      out.dim = lower ?? Math.max(1, Math.min(out.dim - 1, Math.floor(limit / (4 * rows))));
    } else if (buckets()) {
      out.wordNgrams = 1;
      out.minn = 0;
      out.maxn = 0;
    } else {
      throw new ConfigError([`autotune modelSize ${limit} is too small: the ${words} words alone take ${words * 4} bytes at dimension 1`]);
    }
  }
  return out;
}

/** fastText's shrinking spread: `start` until t = 0.25, then linearly down to `end` at t = 0.75. */
export function sigma(start: number, end: number, t: number): number {
  return start - ((start - end) / 0.5) * Math.min(0.5, Math.max(t - 0.25, 0));
}

function gauss(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** The settings the search samples; those the caller gives explicitly stay fixed, as in fastText. */
export const SEARCHED = ['dim', 'epoch', 'lr', 'wordNgrams', 'minn', 'maxn', 'bucket', 'loss'] as const;
export type Searched = (typeof SEARCHED)[number];

/**
 * Settings near `best`: the further the search has gone (t in [0, 1]), the nearer. The spreads are
 * fastText's (autotune.cc): log2 steps of sigma 2.8 -> 2.5 for epoch, 1.9 -> 1.0 for lr; wordNgrams
 * linear 4.3 -> 2.4; dim, bucket and the char n-gram range step along their grids with spreads of
 * about fastText's (1.4 -> 0.3 and 2.0 -> 1.5 in log2, 4.0 -> 1.4 in choices). `fixed` settings keep
 * best's value.
 */
export function sampleAround(best: TrialSettings, t: number, rng: Rng, searchLoss: boolean, fixed: ReadonlySet<Searched> = new Set()): TrialSettings {
  const log2Step = (v: number, lo: number, hi: number, start: number, end: number) => clamp(v * 2 ** (gauss(rng) * sigma(start, end, t)), lo, hi);
  const indexStep = (at: number, n: number, start: number, end: number) => clamp(Math.round(at + gauss(rng) * sigma(start, end, t)), 0, n - 1);
  const stepIn = <T extends number>(set: readonly T[], v: number, start: number, end: number): T => {
    const at = set.findIndex((x) => x >= v);
    return set[indexStep(at < 0 ? set.length - 1 : at, set.length, start, end)];
  };
  // Every draw is made whether or not its setting is fixed, so fixing one does not reshuffle the others.
  const epoch = Math.round(log2Step(best.epoch, 1, 100, 2.8, 2.5));
  const lr = Number(log2Step(best.lr, 0.01, 5, 1.9, 1.0).toPrecision(3));
  const dim = stepIn(DIMS, best.dim, 1.6, 0.4);
  const wordNgrams = Math.round(clamp(best.wordNgrams + gauss(rng) * sigma(4.3, 2.4, t), 1, 5));
  const charAt = Math.max(0, CHAR_NGRAMS.findIndex(([a, b]) => a === best.minn && b === best.maxn));
  const [minn, maxn] = CHAR_NGRAMS[indexStep(charAt, CHAR_NGRAMS.length, 4.0, 1.4)];
  const bucket = stepIn(BUCKETS, best.bucket, 1.8, 1.4);
  const flipLoss = rng.next() < 0.3 * (1 - t);
  const chars = fixed.has('minn') || fixed.has('maxn');
  return {
    dim: fixed.has('dim') ? best.dim : dim,
    epoch: fixed.has('epoch') ? best.epoch : epoch,
    lr: fixed.has('lr') ? best.lr : lr,
    wordNgrams: fixed.has('wordNgrams') ? best.wordNgrams : wordNgrams,
    minn: chars ? best.minn : minn,
    maxn: chars ? best.maxn : maxn,
    bucket: fixed.has('bucket') ? best.bucket : bucket,
    loss: searchLoss && flipLoss && !fixed.has('loss') ? otherLoss(best.loss) : best.loss,
  };
}

/** The loss a flip of the search tries next: the first of LOSSES that is not `loss`. */
function otherLoss(loss: Loss): Loss {
  return LOSSES.find((l) => l !== loss) ?? loss;
}

/** Top-1 accuracy and macro-F1 (over the labels of the validation set and the predictions) of a model. */
export function scoreModel(model: TextClassifier, data: FeaturizedData, examples: readonly Example[]): { accuracy: number; macroF1: number } {
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const at = (label: string) => {
    let c = counts.get(label);
    if (!c) counts.set(label, (c = { tp: 0, fp: 0, fn: 0 }));
    return c;
  };
  let correct = 0;
  for (let i = 0; i < data.count; i++) {
    const probs = model.probsOfRows(data.rows, data.offsets[i], data.offsets[i + 1]);
    let top = 0;
    for (let j = 1; j < model.labels.length; j++) if (probs[j] > probs[top]) top = j;
    const predicted = model.labels[top];
    const truth = examples[i].labels;
    if (truth.includes(predicted)) {
      correct++;
      at(predicted).tp++;
    } else at(predicted).fp++;
    for (const label of truth) if (label !== predicted) at(label).fn++;
  }
  let f1 = 0;
  for (const c of counts.values()) f1 += c.tp === 0 ? 0 : (2 * c.tp) / (2 * c.tp + c.fp + c.fn);
  return { accuracy: data.count === 0 ? 0 : correct / data.count, macroF1: counts.size === 0 ? 0 : f1 / counts.size };
}

function settingsOf(cfg: Config): TrialSettings {
  const { dim, epoch, lr, wordNgrams, minn, maxn, bucket, loss } = cfg;
  return { dim, epoch, lr, wordNgrams, minn, maxn, bucket, loss };
}

/**
 * Runs the search and returns the best trial's model (its report is that trial's training report)
 * with the search's report in `autotune`. The other options are fixed for every trial; the searched
 * ones start from their given values (or the defaults).
 */
export async function autotune(input: readonly ExampleInput[], options: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const { autotune: tune, onEpoch: _onEpoch, onProgress: _onProgress, valid: _valid, featureCache: _cache, ...base } = options;
  if (!tune) throw new ConfigError(['autotune options are missing']);
  const issues: string[] = [];
  if (tune.trials !== undefined && !(Number.isInteger(tune.trials) && tune.trials >= 1)) issues.push(`autotune trials must be an integer >= 1 (got ${tune.trials})`);
  if (tune.duration !== undefined && !(Number.isFinite(tune.duration) && tune.duration > 0)) issues.push(`autotune duration must be a number of seconds > 0 (got ${tune.duration})`);
  if (tune.modelSize !== undefined && !(Number.isInteger(tune.modelSize) && tune.modelSize >= 1)) issues.push(`autotune modelSize must be an integer >= 1 (got ${tune.modelSize})`);
  const metric = tune.metric ?? 'accuracy';
  if (metric !== 'accuracy' && metric !== 'macroF1') issues.push(`autotune metric must be accuracy or macroF1 (got ${String(metric)})`);
  if (issues.length) throw new ConfigError(issues);
  const cfg = resolveConfig(base);
  const examples = toExamples(input, 'train: examples');
  const validation = toExamples(tune.validation, 'train: options.autotune.validation');
  if (examples.length === 0) throw new AccreteError('BAD_DATA', 'no training examples: the training data is empty');
  if (validation.length === 0) throw new AccreteError('BAD_DATA', 'no validation examples: autotune needs some to score its trials on');
  const duration = tune.duration ?? (tune.trials === undefined ? DEFAULT_DURATION : null);
  const trialBudget = tune.trials ?? null;
  const limit = tune.modelSize ?? DEFAULT_MODEL_SIZE;
  const deadline = duration === null ? Infinity : started + duration * 1000;

  // The vocabulary (which no searched setting changes) sizes the model for the size bound.
  const table = new TokenTable();
  for (const e of examples) table.addExample(tokenize(e.text, cfg));
  const vocab = buildVocab(table, examples, cfg.minCount);
  const words = vocab.wordCount;
  // Every trial trains on these same tokens; trials with the same feature settings on the same rows.
  const featureCache: FeatureCache = { table, vocab, data: new Map(), capacity: CACHED_FEATURE_SETS, hits: 0 };
  // Tokens of the validation texts, once: the text options are the same in every trial.
  const validTokens = validation.map((e) => tokenize(e.text, cfg));
  const searchLoss = examples.every((e) => e.labels.length === 1);
  const fixed = new Set(SEARCHED.filter((k) => base[k] !== undefined));

  const rng = new Rng(cfg.seed);
  const trials: AutotuneTrial[] = [];
  let best: { trial: AutotuneTrial; result: TrainResult } | null = null;
  let stoppedBy: AutotuneReport['stoppedBy'] = 'trials';
  const progress = () => Math.max(duration === null ? 0 : (performance.now() - started) / (duration * 1000), trialBudget === null ? 0 : trials.length / trialBudget);

  for (let n = 1; trialBudget === null || n <= trialBudget; n++) {
    if (n > 1 && performance.now() >= deadline) {
      stoppedBy = 'duration';
      break;
    }
    const wanted = n === 1 || !best ? settingsOf(cfg) : sampleAround(best.trial.settings, progress(), rng, searchLoss, fixed);
    const settings = fitModelSize(wanted, cfg.hashing, words, limit);
    const trialStart = performance.now();
    const half = settings.epoch >= 4 ? Math.ceil(settings.epoch / 2) : 0;
    let validData: FeaturizedData | null = null;
    const measure = (model: TextClassifier) => {
      validData ??= featurizeAll(validTokens, validation, model.featurizer);
      return scoreModel(model, validData, validation);
    };
    let halfScore = null as number | null;
    let status = 'done' as AutotuneTrial['status'];
    let result: TrainResult | null = null;
    try {
      result = await train(examples, {
        ...base,
        ...settings,
        featureCache,
        onEpoch: (epoch, model) => {
          if (n > 1 && performance.now() >= deadline) {
            status = 'timeout';
            return 'stop';
          }
          if (epoch !== half) return;
          halfScore = measure(model)[metric];
          const bar = best?.trial.halfScore;
          if (n > 1 && bar != null && halfScore + PRUNE_MARGIN < bar) {
            status = 'pruned';
            return 'stop';
          }
        },
      });
    } catch (err) {
      if (!(err instanceof DivergenceError) || n === 1) throw err;
      status = 'diverged';
    }
    const scores = status === 'done' && result ? measure(result.model) : null;
    const trial: AutotuneTrial = {
      trial: n,
      settings,
      status,
      score: scores ? scores[metric] : null,
      accuracy: scores?.accuracy ?? null,
      macroF1: scores?.macroF1 ?? null,
      halfScore,
      epochsRun: result?.report.epochs.length ?? 0,
      seconds: (performance.now() - trialStart) / 1000,
      modelBytes: modelBytes({ ...settings, hashing: cfg.hashing }, words),
    };
    trials.push(trial);
    // Ties keep the earlier trial: the starting config wins unless something beats it.
    if (trial.score !== null && (!best || trial.score > best.trial.score!)) best = { trial, result: result! };
    tune.onTrial?.(trial, best!.trial);
    if (status === 'timeout') {
      stoppedBy = 'duration';
      break;
    }
  }
  const { trial, result } = best!;
  const report: AutotuneReport = {
    metric,
    trials,
    best: trial.trial,
    bestScore: trial.score!,
    startScore: trials[0].score!,
    seconds: (performance.now() - started) / 1000,
    stoppedBy,
    modelSizeLimit: limit,
    reusedFeatures: featureCache.hits,
    fixed: [...fixed],
    duration,
    trialBudget,
  };
  const trainReport: TrainReport = result.report;
  return { ...result, report: trainReport, autotune: report };
}

/** One line per trial, for progress on stderr. */
export function trialLine(t: AutotuneTrial, best: AutotuneTrial, total: number | null, metric: AutotuneMetric): string {
  const s = t.settings;
  const score = t.score === null ? t.status : `${metric} ${(t.score * 100).toFixed(2)}%`;
  return (
    `autotune trial ${t.trial}${total === null ? '' : `/${total}`}: dim ${s.dim} epoch ${s.epoch} lr ${s.lr} wordNgrams ${s.wordNgrams} ` +
    `minn ${s.minn} maxn ${s.maxn} bucket ${s.bucket} loss ${s.loss} -> ${score} in ${t.seconds.toFixed(1)}s ` +
    `(best ${(best.score! * 100).toFixed(2)}%, trial ${best.trial})`
  );
}
