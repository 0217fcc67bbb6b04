/**
 * update()'s first phase: its options checked and every default resolved, once, and the examples
 * sorted into what the update trains on, validates on and guards with. Nothing changes yet.
 */
import { ConfigError } from '../errors.js';
import { toExamples, type Example, type ExampleInput } from '../data/example.js';
import { splitTrainTest } from '../datasets/split.js';
import type { TextClassifier } from '../model/classifier.js';
import { Rng } from '../util/rng.js';
import { evenlySpaced } from '../util/sample.js';
import { CLASS_INCREMENTAL_OUTPUT_SHRINK, CLASS_INCREMENTAL_RATIO, CLASS_INCREMENTAL_REPLAY_INPUT, CLASS_INCREMENTAL_ROUNDS, classIncremental, consolidationCount } from './classIncremental.js';
import { DOMAIN_REPLAY_INPUT, DOMAIN_REPLAY_RATIO, domainIncremental } from './domainIncremental.js';
import { FEW_SHOT_LR, FEW_SHOT_REPLAY_RATIO, fewShotNewLabel } from './fewShot.js';
import { GATE_DEFAULTS, type GateOptions } from './gate.js';
import { planTable, type TablePlan } from './growTable.js';
import { MAX_GUARD } from './guard.js';
import type { ContinualMemory } from './memory.js';
import { checkUpdateOptions } from './options.js';
import type { RoundReport } from './rounds.js';
import { formatSelection, parseSelection, type ReplayInput, type SelectionSpec } from './selection.js';
import type { UpdateOptions } from './update.js';
import { LIBRARY_OPTIONS, updateWarnings, type UpdateWarning } from './warnings.js';

/** What update() was asked: the model, the new examples and the options, as given. */
export interface UpdateRequest {
  model: TextClassifier;
  input: readonly ExampleInput[];
  options: UpdateOptions;
  /** performance.now() when update() was called (the time budget and wallMs count from it). */
  started: number;
}

/** Every option in effect (defaults resolved): what shapes the result. */
export interface Settings {
  spec: SelectionSpec;
  rounds: number;
  patience: number;
  budgetMs: number;
  lr: number;
  replayRatio: number;
  replayPerRound: number;
  replayInput: ReplayInput;
  ewc: number;
  distill: number;
  distillWeight: number;
  oldRowRate: number;
  balance: number;
  align: boolean;
  /** Whether steps on a new label's examples train on random sub-bags of their rows (the few-shot regime: fewShot.ts). */
  subBags: boolean;
  /**
   * Whether the last round is a balanced one (as many new examples per new label as old ones per
   * old label) and every round is kept: the class-incremental regime (classIncremental.ts).
   */
  balancedLastRound: boolean;
  /** The factor every output row is scaled by before the first round if the parent is sure of its replay (1: never; classIncremental.ts). */
  outputShrink: number;
  seed: number;
  gate: boolean;
  gateOptions: GateOptions;
}

export interface UpdatePlan {
  model: TextClassifier;
  memory: ContinualMemory | null;
  started: number;
  settings: Settings;
  /** The new examples, checked. */
  examples: readonly Example[];
  /** The new examples the rounds train on, and those they are validated on. */
  fresh: { train: Example[]; valid: Example[] };
  /** Validation examples the rounds do not train on (none when a few examples validate themselves). */
  heldOutFresh: Example[];
  guard: readonly Example[];
  /** The old examples the rounds may replay: all the memory offers, or a seeded sample of what the rounds can draw. */
  replayTrain: readonly Example[];
  /**
   * The class-incremental regime's consolidation (CONSOLIDATION_REPLAY): old examples drawn afresh
   * from the whole memory, trained after the balanced last round with a balanced share of the new
   * examples; empty outside the regime.
   */
  consolidation: readonly Example[];
  /** Whether the n-gram table grows, and why (growTable.ts); null when the model hashes no n-grams. */
  table: TablePlan | null;
  /** Whether the memory has examples to replay and replay is not turned off. */
  replayOn: boolean;
  /** options.replay (a new capacity for the memory), when given. */
  replayCapacity: number | undefined;
  /** Every option that shapes the result, as in effect: two updates that differ in any record different options. */
  recorded: Record<string, unknown>;
  /** What this update runs without that can cost what the model knew (the same as report.warnings). */
  warnings: UpdateWarning[];
  onRound?: (r: RoundReport) => void;
}

/** Checks the options (ConfigError listing every problem, before anything changes) and plans the update. */
export function planUpdate(req: UpdateRequest): UpdatePlan {
  const { model, options } = req;
  const issues = checkUpdateOptions(options);
  if (issues.length > 0) throw new ConfigError(issues);
  const examples = toExamples(req.input, 'update: examples');
  const givenGuard = options.guard == null ? undefined : toExamples(options.guard, 'update: options.guard');
  const givenValid = options.valid == null ? undefined : toExamples(options.valid, 'update: options.valid');
  const seed = options.seed ?? model.config.seed;
  const memory = options.memory ?? null;
  const replayOn = (options.replay ?? 1) > 0 && memory !== null && memory.replay.size > 0;
  // The guard: given, else the held-out examples saved at training time, else held out of the
  // replay memory (only then is a part of the memory kept out of training).
  const savedGuard = givenGuard ? [...givenGuard] : memory?.guard?.length ? memory.guard : null;
  // (no more held out than the guard takes: the rest is replayed)
  const heldOut = replayOn && !savedGuard ? memory!.replay.split(Math.min(0.2, MAX_GUARD / memory!.replay.size)) : { heldOut: [], rest: replayOn ? memory!.replay.examples() : [] };
  const guard = savedGuard ?? evenlySpaced(heldOut.heldOut, MAX_GUARD);
  const guardSource = givenGuard ? 'given' : savedGuard ? 'saved' : guard.length > 0 ? 'held out of the replay memory' : 'none';
  const fresh = splitNew(examples, givenValid, seed);
  const heldOutFresh = heldOutOf(fresh);
  const settings = settingsOf(req, fresh.train, heldOut.rest.length, seed);
  // Only the replayed examples the rounds can draw are featurised: a handful for one piece of feedback.
  const drawn = settings.rounds * settings.replayPerRound;
  const replayTrain = drawn >= heldOut.rest.length ? heldOut.rest : new Rng(seed).sample(heldOut.rest, drawn);
  // (a draw of its own from the whole memory, not from what the rounds replay: see CONSOLIDATION_REPLAY)
  const consolidation = settings.balancedLastRound ? new Rng(seed ^ CONSOLIDATION_SEED).sample(heldOut.rest, consolidationCount(settings.replayPerRound)) : [];
  const table = planTable(model, memory, examples, options.growTable ?? true);
  const s = settings;
  const recorded = {
    select: formatSelection(s.spec),
    rounds: s.rounds,
    patience: s.patience,
    budgetMs: options.budgetMs ?? null,
    lr: s.lr,
    replay: options.replay ?? memory?.replay.capacity ?? 0,
    replayRatio: s.replayRatio,
    replayInput: s.replayInput,
    // (only in the class-incremental regime: other lineages stay as they were recorded)
    ...(s.balancedLastRound ? { balancedLastRound: true } : {}),
    ewc: s.ewc,
    distill: s.distill,
    distillWeight: s.distillWeight,
    oldRowRate: s.oldRowRate,
    balance: s.balance,
    align: s.align,
    seed: s.seed,
    gate: s.gate,
    ...s.gateOptions,
    guard: guardSource,
    valid: givenValid ? 'given' : heldOutFresh.length > 0 ? 'held out of the examples' : 'the examples',
    // (only when off or grown: other lineages stay as they were recorded)
    ...(options.growTable === false ? { growTable: false } : {}),
    ...(table && table.to !== table.from ? { table: `${table.from} -> ${table.to}` } : {}),
  };
  const warnings = updateWarnings({ subject: 'the model', memory: (memory?.replay.size ?? 0) > 0, replayOff: options.replay === 0, guardGiven: givenGuard !== undefined, savedGuard: Boolean(memory?.guard?.length), ...LIBRARY_OPTIONS });
  return { model, memory, started: req.started, settings, examples, fresh, heldOutFresh, guard, replayTrain, consolidation, table, replayOn, replayCapacity: options.replay, recorded, warnings, onRound: options.onRound };
}

/** Mixed into the update's seed for the consolidation's draw, so that it is not the rounds' own. */
const CONSOLIDATION_SEED = 0x2c1b3c6d;

function settingsOf({ model, options }: UpdateRequest, fresh: readonly Example[], replayable: number, seed: number): Settings {
  const newTrain = fresh.length;
  // The update teaches a label the parent does not know from a few examples (fewShot.ts).
  const fewShot = fewShotNewLabel(model, fresh);
  // New labels in bulk (classIncremental.ts): unless turned off, 3 replayed per new one (a short memory repeated), every row of it trained, a balanced last round.
  const bulk = options.labelScaledReplay !== false && !fewShot && classIncremental(model, fresh);
  // No new label, in bulk (domainIncremental.ts): twice the replay, every row of it trained.
  const domain = options.domainReplay !== false && domainIncremental(model, fresh);
  const replayRatio = options.replayRatio ?? (fewShot ? FEW_SHOT_REPLAY_RATIO : bulk ? CLASS_INCREMENTAL_RATIO : domain ? DOMAIN_REPLAY_RATIO : REPLAY_RATIO);
  // (the rate's floor is for plain SGD: Adam's rates and a hidden layer's are of another scale)
  const sgd = model.config.optimizer === 'sgd' && model.params.hidden === null;
  return {
    spec: typeof options.select === 'string' ? parseSelection(options.select) : (options.select ?? { kind: 'all' }),
    rounds: options.rounds ?? (bulk ? CLASS_INCREMENTAL_ROUNDS : 5),
    patience: options.patience ?? 2,
    budgetMs: options.budgetMs ?? Infinity,
    lr: options.lr ?? Math.max(fewShot && sgd ? FEW_SHOT_LR : 0, defaultLr(model, newTrain)),
    replayRatio,
    // At least 32 when the memory has them; a given ratio, or the class-incremental one, may replay an example more than once.
    replayPerRound: Math.min(Math.max(32, Math.ceil(replayRatio * newTrain)), options.replayRatio === undefined && !bulk ? replayable : Infinity),
    replayInput: options.replayInput ?? (bulk ? CLASS_INCREMENTAL_REPLAY_INPUT : domain ? DOMAIN_REPLAY_INPUT : REPLAY_INPUT),
    ewc: options.ewc ?? 0,
    distill: options.distill ?? 0,
    distillWeight: options.distillWeight ?? 1,
    oldRowRate: options.oldRowRate ?? 1,
    balance: options.balance ?? defaultBalance(newTrain),
    align: options.align ?? true,
    subBags: fewShot,
    balancedLastRound: bulk,
    // (a uniform scale keeps the top label only when the labels compete in one softmax)
    outputShrink: bulk && model.loss.exclusive ? CLASS_INCREMENTAL_OUTPUT_SHRINK : 1,
    seed,
    gate: options.gate ?? true,
    gateOptions: { ...GATE_DEFAULTS, ...pick(options, ['maxDrop', 'labelTolerance', 'minLabelSupport', 'policy', 'newShare']) },
  };
}

function splitNew(examples: readonly Example[], valid: readonly Example[] | undefined, seed: number): { train: Example[]; valid: Example[] } {
  if (valid) return { train: [...examples], valid: [...valid] };
  if (examples.length < 10) return { train: [...examples], valid: [...examples] };
  // 20% for validation, but no more than about 1000 examples: a large batch should mostly teach.
  const { train, test } = splitTrainTest([...examples], Math.min(0.2, 1000 / examples.length), seed);
  return { train, valid: test };
}

/** The validation examples the update did not train on (none when it trained on its only few). */
function heldOutOf(fresh: { train: readonly Example[]; valid: readonly Example[] }): Example[] {
  const trained = new Set(fresh.train);
  return fresh.valid.filter((e) => !trained.has(e));
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/**
 * The model's training rate for batches of 50 examples or more, down to a tenth of it for a single
 * piece of feedback: its imprinted row makes it predicted at once, and every step on shared rows
 * moves old decisions. Measured on WordNet (2M buckets, 10 pieces of feedback, 1000 old test texts):
 * at the full rate a guard move of mean 0.8, max 1.6 points; at a fifth mean 0.23, max 0.8; at a
 * tenth mean 0.12, max 0.5, with the examples still learned (10/10) and 29 of 30 paraphrases.
 */
export function defaultLr(model: TextClassifier, newExamples: number): number {
  return model.config.lr * Math.min(1, Math.max(0.1, newExamples / 50));
}

/**
 * The logit adjustment's strength for an update of `newExamples`: from the exact correction (1)
 * for one piece of feedback up to BALANCE at 50 examples, as defaultLr scales the rate. The lean
 * to new labels grows with the steps spent on them, and a handful of examples has little of it
 * to counter: at 1.5, paraphrases of ten pieces of feedback got the new label 93% of the time
 * instead of 100%.
 */
export function defaultBalance(newExamples: number): number {
  return 1 + (BALANCE - 1) * Math.min(1, newExamples / 50);
}

/**
 * Default strength of the logit adjustment for a batch of 50 new examples or more. 1 is the exact
 * correction of the label mix, but a model trained last on new labels still leans to them; with
 * as many old examples replayed as new ones, 1.5 counters part of that lean. Class-incremental
 * WordNet (2M buckets, replay ratio 1, gate off), points from retrain over seeds 1-3: at 1, ACC
 * -1.0, -0.5, -1.1 and BWT -3.3, -1.9, -2.2; at 1.25, ACC -1.3, -0.5, -1.0, BWT -3.2, -1.5, -2.0;
 * at 1.5, ACC -1.4, -0.6, -0.9, BWT -3.0, -1.1, -1.6. At 2 (replay ratio 0.2) new labels were
 * learned less (on arrival 0.75-0.88 -> 0.70-0.81). See defaultBalance for small updates.
 */
export const BALANCE = 1.5;

/**
 * Default replayed examples per new example in each round: as many old as new. With a large
 * memory, rounds draw different old examples each time, and what an update keeps of old labels
 * grows with how many it replays. Class-incremental WordNet (200k buckets, memory 50,000, seeds
 * 1-3), ACC in points from retrain: ratio 0.2 -2.7, -3.0, -1.9; 0.35 -2.0, -2.5, -1.4; 0.5 -1.6,
 * -1.7, -1.1; 1 -1.1, -0.8, -1.1. At 2M buckets 0.5's gate rejected seed 3's task 4 (old labels'
 * guard accuracy fell 4 points; a retrain's rose 3), which 1 keeps. The price: each round trains
 * on (1 + ratio) times the new examples, and an update as large as the training set (A then B)
 * costs about as much as training on both (91% against 77-81% at 0.5).
 */
export const REPLAY_RATIO = 1;

/**
 * Default input rows a replayed example trains: those the new examples share with it (see
 * replaySelection; figures in docs/decisions.md, 2026-12-06, patch bytes).
 */
export const REPLAY_INPUT: ReplayInput = 'shared';
