/**
 * One autotune trial: train with the trial's settings on one thread, scoring the model at the
 * rungs (fractions of the run, mid-epoch when the run is short) on a slice of the validation set,
 * and stopping it there when it scores more than the rung's margin below the best earlier trial at
 * the same rung (successive halving's idea, Jamieson & Talwalkar 2016, with a fixed bar instead of
 * a fixed fraction kept). The same function runs on the caller's thread and in lane workers.
 */
import type { Config } from '../../config.js';
import { resolveConfig } from '../../config.js';
import type { Example } from '../../data/example.js';
import { DivergenceError } from '../../errors.js';
import { featurizeAll, type FeaturizedData } from '../../features/dataset.js';
import { TokenTable } from '../../features/tokenTable.js';
import type { TextClassifier } from '../../model/classifier.js';
import { tokenize } from '../../text/tokenize.js';
import { buildVocab } from '../../vocab/build.js';
import { train, type FeatureCache, type TrainResult } from '../train.js';
import { fitModelSize, modelBytes } from './size.js';
import type { TrialSettings } from './space.js';
import { scoreModel, type AutotuneMetric } from './score.js';

/**
 * Where a trial is scored part-way (fractions of its run) and how far below the best earlier trial's
 * score there it may be before it is stopped: earlier rungs, noisier, get wider margins.
 */
export const RUNGS = [
  { at: 1 / 8, margin: 0.06 },
  { at: 1 / 4, margin: 0.04 },
  { at: 1 / 2, margin: 0.02 },
] as const;
/**
 * Checkpoints per run: at least CHECKPOINTS, and one every EXAMPLES_PER_CHECKPOINT examples, so
 * that the time budget (checked at each) stops a long trial within a fraction of a second; a
 * multiple of 8, so that every rung falls on one.
 */
export const CHECKPOINTS = 64;
const EXAMPLES_PER_CHECKPOINT = 256;
const checkpointsOf = (examples: number) => 8 * Math.ceil(Math.max(CHECKPOINTS, examples / EXAMPLES_PER_CHECKPOINT) / 8);
/** The share of its run after which a trial's pace predicts its end (for the time budget). */
const PACE_AFTER = 1 / 32;
/** Validation examples (spread evenly) a rung scores on. */
export const RUNG_SAMPLE = 1000;
/** Featurised data sets a lane keeps for reuse across trials. */
const CACHED_FEATURE_SETS = 4;

export interface AutotuneTrial {
  trial: number;
  settings: TrialSettings;
  /**
   * done: trained its whole run; pruned: stopped at a rung, scoring too far below the best earlier
   * trial there; timeout: stopped by the time budget, when it ran out or when the trial's pace said
   * it would before the trial's end; diverged: training produced NaN.
   */
  status: 'done' | 'pruned' | 'timeout' | 'diverged';
  /** The metric on the validation set (null unless done). */
  score: number | null;
  accuracy: number | null;
  macroF1: number | null;
  /** The metric at each rung the trial reached, on the rungs' validation slice. */
  rungScores: number[];
  /** Fraction of its run (epochs x examples) the trial trained: 1 unless stopped. */
  trained: number;
  seconds: number;
  /** (input rows) * dim * 4: the size --autotune-model-size bounds. */
  modelBytes: number;
}

/** What every trial of a search shares: the data, the fixed options, the metric. */
export interface TrialBase {
  examples: readonly Example[];
  validation: readonly Example[];
  /** The options every trial keeps (those not searched). */
  options: Partial<Config>;
  metric: AutotuneMetric;
  /** The bound on a trial's input matrix in bytes (size.ts). */
  modelSize: number;
}

/** A lane's state across its trials: tokens and vocabulary built once, featurised data cached. */
export interface Lane {
  base: TrialBase;
  cfg: Config;
  cache: FeatureCache;
  validTokens: string[][];
}

export function openLane(base: TrialBase): Lane {
  const cfg = resolveConfig(base.options);
  const table = new TokenTable();
  for (const e of base.examples) table.addExample(tokenize(e.text, cfg));
  const vocab = buildVocab(table, base.examples, cfg.minCount);
  return {
    base,
    cfg,
    cache: { table, vocab, data: new Map(), capacity: CACHED_FEATURE_SETS, hits: 0 },
    validTokens: base.validation.map((e) => tokenize(e.text, cfg)),
  };
}

export interface TrialRequest {
  trial: number;
  /** What the search sampled; the trial shrinks it to the size bound (fitModelSize). */
  settings: TrialSettings;
  /** The best earlier trial's score at each rung (none to beat: no pruning). */
  bars: readonly number[];
  /** Wall-clock time (ms since the epoch) after which the trial stops; Infinity for none. */
  deadline: number;
}

export interface TrialOutcome {
  trial: AutotuneTrial;
  /** The trained model and its report when the trial is done, else null. */
  result: TrainResult | null;
  /** Trials of this lane that found their featurised data in its cache, so far. */
  hits: number;
}

const now = () => performance.timeOrigin + performance.now();

export async function runTrial(lane: Lane, req: TrialRequest): Promise<TrialOutcome> {
  const started = now();
  const { base, cache } = lane;
  const settings = fitModelSize(req.settings, lane.cfg.hashing, cache.vocab.wordCount, base.modelSize);
  let validData: FeaturizedData | null = null;
  const measure = (model: TextClassifier, limit = Infinity) => {
    validData ??= featurizeAll(lane.validTokens, base.validation, model.featurizer);
    return scoreModel(model, validData, base.validation, limit);
  };
  const rungScores: number[] = [];
  let status = 'done' as AutotuneTrial['status'];
  let trained = 1;
  let result: TrainResult | null = null;
  let pace: { t: number; fraction: number } | undefined;
  const checkpoints = checkpointsOf(settings.epoch * base.examples.length);
  try {
    result = await train(base.examples, {
      ...base.options,
      ...settings,
      thread: 1,
      featureCache: cache,
      checkpoints,
      onCheckpoint: (fraction, model) => {
        trained = fraction;
        // Stopped at the deadline, or before it once the pace so far says the run cannot end in
        // time: only finished trials are kept, so the rest of such a run would be a core wasted.
        // (The pace is measured from the first checkpoint: featurising comes before it and does not recur.)
        const t = now();
        pace ??= { t, fraction };
        const run = fraction - pace.fraction;
        if (t >= req.deadline || (run >= PACE_AFTER && t + ((t - pace.t) * (1 - fraction)) / run > req.deadline)) {
          status = 'timeout';
          return 'stop';
        }
        // The next rung, once the run reaches it (the checkpoint nearest to it, or an epoch's end).
        const rung = rungScores.length;
        if (rung >= RUNGS.length || fraction < RUNGS[rung].at - 0.5 / checkpoints) return;
        const score = measure(model, RUNG_SAMPLE)[base.metric];
        rungScores.push(score);
        const bar = req.bars[rung];
        if (bar !== undefined && score + RUNGS[rung].margin < bar) {
          status = 'pruned';
          return 'stop';
        }
      },
    });
  } catch (err) {
    if (!(err instanceof DivergenceError)) throw err;
    status = 'diverged';
  }
  if (status !== 'done') result = null;
  const scores = result ? measure(result.model) : null;
  const trial: AutotuneTrial = {
    trial: req.trial,
    settings,
    status,
    score: scores ? scores[base.metric] : null,
    accuracy: scores?.accuracy ?? null,
    macroF1: scores?.macroF1 ?? null,
    rungScores,
    trained: status === 'done' ? 1 : trained,
    seconds: (now() - started) / 1000,
    modelBytes: modelBytes({ ...settings, hashing: lane.cfg.hashing }, cache.vocab.wordCount),
  };
  return { trial, result, hits: cache.hits };
}
