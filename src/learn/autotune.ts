/**
 * Autotune: a search over the hyperparameters that matter (the dimensions of autotune/space.ts:
 * dim, epoch, lr, wordNgrams, minn/maxn, bucket, loss, hidden, bagNorm, weightDecay), scored on a validation set,
 * keeping the best model.
 *
 * Sampling follows fastText's autotune (autotune.cc): trial 1 is the starting config (fastText's
 * defaults plus whatever the caller set; what the caller set is never searched), and every later
 * trial perturbs the best config so far with Gaussian steps whose spread shrinks from t = 0.25 to
 * t = 0.75 of the budget. Trials 2, 3, ... are informed starts chosen by the data's shape (mean
 * tokens per text; autotune/starts.ts): the start with the settings that won on long documents or on
 * one-word texts, several steps of the walk away. Where this does more than fastText:
 * - two trials run at once on two cores (lanes.ts) when `thread` is 2 or more, and a search with a
 *   trial budget (and no duration) is deterministic for a seed whatever the thread count: trial n
 *   is sampled around the best of trials 1..n-2 (AHEAD = 2), with t counting trials, so no result
 *   depends on which trial finishes first (with a duration, no lane waits for that);
 * - a trial is scored at rungs (1/8, 1/4 and 1/2 of its run, mid-epoch if need be) and stopped there
 *   when it cannot catch the best earlier trial, or earlier when its pace says it cannot end
 *   before the time budget does (autotune/trial.ts);
 * - tokens and vocabulary are built once per lane, and trials with the same feature settings train
 *   on the same featurised rows (train's featureCache);
 * - the best trial's model is kept, not trained again at the end (fastText's final training is not
 *   bounded by its duration);
 * - the model-size bound shrinks a sample to fit instead of discarding it.
 */
import { resolveConfig } from '../config.js';
import { toExamples, type ExampleInput } from '../data/example.js';
import { AccreteError, ConfigError, DivergenceError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { openLanes, type TrialLane } from './autotune/lanes.js';
import { DEFAULT_MODEL_SIZE } from './autotune/size.js';
import { sampleAround, SEARCHED, settingsOf, type Searched, type TrialSettings } from './autotune/space.js';
import { informedStarts, shapeOf, type DataShape } from './autotune/starts.js';
import { tokenize } from '../text/tokenize.js';
import type { AutotuneMetric } from './autotune/score.js';
import { type AutotuneTrial, type TrialBase, type TrialOutcome } from './autotune/trial.js';
import type { TrainOptions, TrainResult } from './train.js';

export { BUCKETS, CHAR_NGRAMS, DIMS, HIDDENS, WEIGHT_DECAYS, SEARCHED, SPACE, sampleAround, sigma, type Searched, type TrialSettings } from './autotune/space.js';
export { INFORMED_STARTS, LONG_TOKENS, SHORT_TOKENS, informedStarts, shapeOf, type DataShape } from './autotune/starts.js';
export { DEFAULT_MODEL_SIZE, fitModelSize, modelBytes } from './autotune/size.js';
export { scoreModel, type AutotuneMetric } from './autotune/score.js';
export { CHECKPOINTS, RUNGS, type AutotuneTrial } from './autotune/trial.js';

export interface AutotuneOptions {
  /** Examples to score every trial on (never trained on). */
  validation: readonly ExampleInput[];
  /** Seconds the search may take (fastText's default, 300, when neither this nor `trials` is given). */
  duration?: number;
  /** At most this many trials; without `duration`, the search is deterministic for a seed. */
  trials?: number;
  /** What the search maximises on the validation set (top-1 accuracy by default). */
  metric?: AutotuneMetric;
  /**
   * Where trial 1 starts, for the settings the options leave out (the CLI passes the defaults it
   * fits to the data); unlike the options, these are searched. Absent: the options and DEFAULTS.
   */
  start?: Partial<TrialSettings>;
  /** Upper bound on the model's input matrix, (bucket rows + words) * dim * 4 bytes (1 GiB by default). */
  modelSize?: number;
  /** Called after every trial, in the order they end (for a progress line). */
  onTrial?: (trial: AutotuneTrial, best: AutotuneTrial) => void;
}

export interface AutotuneReport {
  metric: AutotuneMetric;
  /** Every trial, by number. */
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
  /** Trials run at once (one thread each). */
  lanes: number;
  /** The searched settings the caller gave, which every trial kept. */
  fixed: Searched[];
  /** The data's shape (from its mean tokens per text), which chose the informed starts. */
  shape: DataShape;
  meanTokens: number;
  /** Trials (2, 3, ...) that were informed starts rather than samples around the best. */
  informedStarts: number;
  /** What the search was given: the time and trial budgets. */
  duration: number | null;
  trialBudget: number | null;
}

export const DEFAULT_DURATION = 300;
/** Trial n is sampled around the best of trials 1..n-AHEAD: as many trials as run at once. */
export const AHEAD = 2;

/** The better of two trials: the higher score, else the earlier trial (the starting config wins ties). */
const better = (a: AutotuneTrial, b: AutotuneTrial | null) => b === null || a.score! > b.score! || (a.score === b.score && a.trial < b.trial);

function checkOptions(tune: AutotuneOptions): void {
  const issues: string[] = [];
  if (tune.trials !== undefined && !(Number.isInteger(tune.trials) && tune.trials >= 1)) issues.push(`autotune trials must be an integer >= 1 (got ${tune.trials})`);
  if (tune.duration !== undefined && !(Number.isFinite(tune.duration) && tune.duration > 0)) issues.push(`autotune duration must be a number of seconds > 0 (got ${tune.duration})`);
  if (tune.modelSize !== undefined && !(Number.isInteger(tune.modelSize) && tune.modelSize >= 1)) issues.push(`autotune modelSize must be an integer >= 1 (got ${tune.modelSize})`);
  const metric = tune.metric ?? 'accuracy';
  if (metric !== 'accuracy' && metric !== 'macroF1') issues.push(`autotune metric must be accuracy or macroF1 (got ${String(metric)})`);
  if (issues.length) throw new ConfigError(issues);
}

/**
 * Runs the search and returns the best trial's model (its report is that trial's training report)
 * with the search's report in `autotune`. The other options are fixed for every trial; the searched
 * ones start from their given values (or the defaults). `thread` is the number of trials run at
 * once (at most AHEAD), each on one thread.
 */
export async function autotune(input: readonly ExampleInput[], options: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const { autotune: tune, onCheckpoint: _c, checkpoints: _n, onProgress: _p, valid: _v, featureCache: _f, ...base } = options;
  if (!tune) throw new ConfigError(['autotune options are missing']);
  checkOptions(tune);
  const metric = tune.metric ?? 'accuracy';
  const cfg = resolveConfig(base);
  const examples = toExamples(input, 'train: examples');
  const validation = toExamples(tune.validation, 'train: options.autotune.validation');
  if (examples.length === 0) throw new AccreteError('BAD_DATA', 'no training examples: the training data is empty');
  if (validation.length === 0) throw new AccreteError('BAD_DATA', 'no validation examples: autotune needs some to score its trials on');
  const duration = tune.duration ?? (tune.trials === undefined ? DEFAULT_DURATION : null);
  const trialBudget = tune.trials ?? null;
  const limit = tune.modelSize ?? DEFAULT_MODEL_SIZE;
  const deadline = duration === null ? Infinity : performance.timeOrigin + started + duration * 1000;
  const fixed = new Set(SEARCHED.filter((k) => base[k] !== undefined));
  const trialBase: TrialBase = { examples, validation, options: base, metric, modelSize: limit };
  const meanTokens = examples.reduce((n, e) => n + tokenize(e.text, cfg).length, 0) / examples.length;
  const shape = shapeOf(meanTokens);
  const lanes = openLanes(trialBase, Math.min(cfg.thread, AHEAD));
  let ran: Ran;
  let starts: TrialSettings[] = [];
  try {
    const start = { ...settingsOf(cfg), ...tune.start, ...settingsOf(cfg, fixed) };
    const searchLoss = examples.every((e) => e.labels.length === 1);
    starts = [start, ...informedStarts(start, shape, searchLoss, fixed)];
    ran = await runSearch(lanes, { starts, rng: new Rng(cfg.seed), searchLoss, fixed, trialBudget, duration, deadline, started, onTrial: tune.onTrial });
  } finally {
    await Promise.all(lanes.map((l) => l.close()));
  }
  const { outcomes, best, stoppedBy } = ran;
  const trials = outcomes.map((o) => o.trial);
  const report: AutotuneReport = {
    metric,
    trials,
    best: best.trial.trial,
    bestScore: best.trial.score!,
    startScore: trials[0].score!,
    seconds: (performance.now() - started) / 1000,
    stoppedBy,
    modelSizeLimit: limit,
    reusedFeatures: ran.reused,
    lanes: lanes.length,
    fixed: [...fixed],
    shape,
    meanTokens,
    informedStarts: starts.length - 1,
    duration,
    trialBudget,
  };
  const result = best.result!;
  // Trials train on one thread each; the model keeps the thread count asked for (later updates use it).
  result.model.config.thread = cfg.thread;
  return { ...result, autotune: report };
}

interface Plan {
  /** Trial 1's settings, then the informed starts (trials 2, 3, ...). */
  starts: readonly TrialSettings[];
  rng: Rng;
  searchLoss: boolean;
  fixed: ReadonlySet<Searched>;
  trialBudget: number | null;
  duration: number | null;
  /** Wall-clock ms (since the epoch) when the time budget ends; Infinity without one. */
  deadline: number;
  /** performance.now() when the search started. */
  started: number;
  onTrial?: AutotuneOptions['onTrial'];
}

interface Ran {
  /** Every trial's outcome by number (the models of all but the best dropped). */
  outcomes: TrialOutcome[];
  best: TrialOutcome;
  stoppedBy: AutotuneReport['stoppedBy'];
  reused: number;
}

/**
 * Keeps every lane busy with the next trial while the budget lasts. Trial n is sampled (in order of
 * n, from one seeded generator) around the best trial that has ended and pruned against that
 * trial's rung scores. Without a time budget that is the best of trials 1..n-AHEAD, which trial n
 * waits for, so that no result depends on lanes or timing.
 */
async function runSearch(lanes: readonly TrialLane[], plan: Plan): Promise<Ran> {
  const outcomes: TrialOutcome[] = [];
  const running = new Map<number, Promise<{ lane: TrialLane; outcome: TrialOutcome }>>();
  const idle = [...lanes];
  const hits = new Map<TrialLane, number>();
  let best: TrialOutcome | null = null;
  let stoppedBy: AutotuneReport['stoppedBy'] = 'trials';
  let next = 1;
  const now = () => performance.timeOrigin + performance.now();
  const progress = (n: number) =>
    Math.max(plan.duration === null ? 0 : (performance.now() - plan.started) / (plan.duration * 1000), plan.trialBudget === null ? 0 : (n - 1) / plan.trialBudget);
  /** The best of trials 1..k (all ended), or null. */
  const bestUpTo = (k: number) => outcomes.slice(0, k).reduce<AutotuneTrial | null>((b, o) => (o.trial.score !== null && better(o.trial, b) ? o.trial : b), null);
  // Without a time budget, trial n waits for trials 1..n-AHEAD, so the search repeats exactly; with
  // one (timing decides its end anyway) no lane waits: trial n starts from the best trial so far.
  const strict = plan.deadline === Infinity;
  const ended = (k: number) => {
    for (let i = 0; i < k; i++) if (!outcomes[i]) return false;
    return true;
  };
  for (;;) {
    while (idle.length && (plan.trialBudget === null || next <= plan.trialBudget) && (!strict || ended(next - AHEAD))) {
      if (next > 1 && now() >= plan.deadline) {
        stoppedBy = 'duration';
        break;
      }
      const base = bestUpTo(strict ? next - AHEAD : outcomes.length);
      const settings = next <= plan.starts.length ? plan.starts[next - 1] : sampleAround(base?.settings ?? plan.starts[0], progress(next), plan.rng, plan.searchLoss, plan.fixed);
      const lane = idle.shift()!;
      const n = next++;
      const request = { trial: n, settings, bars: base?.rungScores ?? [], deadline: n === 1 ? Infinity : plan.deadline };
      running.set(n, lane.run(request).then((outcome) => ({ lane, outcome })));
    }
    if (running.size === 0) break;
    const { lane, outcome } = await Promise.race(running.values());
    const t = outcome.trial;
    running.delete(t.trial);
    idle.push(lane);
    hits.set(lane, outcome.hits);
    if (t.trial === 1 && t.status === 'diverged') throw new DivergenceError('autotune trial 1 (the starting options)');
    if (t.status === 'timeout') stoppedBy = 'duration';
    outcomes[t.trial - 1] = outcome;
    if (t.score !== null && better(t, best?.trial ?? null)) {
      if (best) best.result = null; // its model can go
      best = outcome;
    } else outcome.result = null;
    plan.onTrial?.(t, best?.trial ?? t);
  }
  return { outcomes, best: best!, stoppedBy, reused: [...hits.values()].reduce((a, b) => a + b, 0) };
}

/** One line per trial, for progress on stderr. */
export function trialLine(t: AutotuneTrial, best: AutotuneTrial, total: number | null, metric: AutotuneMetric): string {
  const s = t.settings;
  const score = t.score === null ? `${t.status} at ${(t.trained * 100).toFixed(1)}% of its run` : `${metric} ${(t.score * 100).toFixed(2)}%`;
  const bestScore = best.score === null ? 'none yet' : `${(best.score * 100).toFixed(2)}%, trial ${best.trial}`;
  return (
    `autotune trial ${t.trial}${total === null ? '' : `/${total}`}: dim ${s.dim} epoch ${s.epoch} lr ${s.lr} wordNgrams ${s.wordNgrams} ` +
    `minn ${s.minn} maxn ${s.maxn} bucket ${s.bucket} loss ${s.loss} hidden ${s.hidden} bagNorm ${s.bagNorm} weightDecay ${s.weightDecay} -> ${score} in ${t.seconds.toFixed(1)}s (best ${bestScore})`
  );
}
