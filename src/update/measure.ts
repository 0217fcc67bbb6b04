/** Measurements the gate and the report need, taken before and after an update. */
import type { Example } from '../data/example.js';
import { MetricsAccumulator, type Metrics } from '../eval/metrics.js';
import { featurizeTable, type FeaturizedData } from '../features/dataset.js';
import type { TokenTable } from '../features/tokenTable.js';
import { teacherProbs, type Teacher } from '../forgetting/distill.js';
import type { RowFisher } from '../forgetting/fisher.js';
import type { ModelInfo, TextClassifier } from '../model/classifier.js';
import type { Measured } from './gate.js';
import { featureCacheOf } from './featureCache.js';
import { estimateFisher, tokenTableOf } from './memory.js';
import type { UpdatePlan } from './plan.js';

/**
 * Metrics on `examples` (featurised as `data`) and each example's top label (to find predictions that changed). With
 * `knownLabels`, predictions are restricted to the first that many labels (the parent's): what the
 * model knew is judged without the new labels competing, which any model, even one retrained from
 * scratch, would suffer from.
 */
export function measure(
  model: TextClassifier,
  examples: readonly Example[],
  data: FeaturizedData,
  knownLabels = model.labels.length,
): { metrics: Metrics; top: string[]; correct: boolean[]; topIsNewLabel: boolean[]; confidence: number[] } {
  const labels = model.labels;
  const acc = new MetricsAccumulator(labels.slice(0, knownLabels));
  const top: string[] = [];
  const correct: boolean[] = [];
  // Whether a label past `knownLabels` (one the update added) scores above the best known one.
  const topIsNewLabel: boolean[] = [];
  // The probability of the top label among the known ones (the label-flip check's typicality).
  const confidence: number[] = [];
  const known = Math.min(knownLabels, labels.length);
  for (const [i, e] of examples.entries()) {
    const probs = model.probsOfRows(data.rows, data.offsets[i], data.offsets[i + 1]);
    let best = -1;
    for (let i = 0; i < known; i++) if (best < 0 || probs[i] > probs[best]) best = i;
    let bestNew = -1;
    for (let i = known; i < labels.length; i++) if (bestNew < 0 || probs[i] > probs[bestNew]) bestNew = i;
    topIsNewLabel.push(bestNew >= 0 && (best < 0 || probs[bestNew] > probs[best]));
    const label = best >= 0 ? labels[best] : '';
    top.push(label);
    confidence.push(best >= 0 ? probs[best] : 0);
    correct.push(e.labels.includes(label));
    acc.update(e.labels, label ? [label] : []);
  }
  return { metrics: acc.get(), top, correct, topIsNewLabel, confidence };
}

export interface ChangedPrediction {
  text: string;
  gold: string[];
  before: string;
  after: string;
}

export function changedPredictions(examples: readonly Example[], before: readonly string[], after: readonly string[], keep = 10): { count: number; examples: ChangedPrediction[] } {
  const changed: ChangedPrediction[] = [];
  let count = 0;
  examples.forEach((e, i) => {
    if (before[i] === after[i]) return;
    count++;
    if (changed.length < keep) changed.push({ text: e.text.length > 200 ? e.text.slice(0, 200) + '…' : e.text, gold: e.labels, before: before[i], after: after[i] });
  });
  return { count, examples: changed };
}

/** The parent as measured before anything changes: update()'s second phase. */
export interface ParentMeasure {
  plan: UpdatePlan;
  /** The guard and the validation examples featurised as the parent sees them. */
  guardData: FeaturizedData;
  freshData: FeaturizedData;
  /**
   * The validation examples' tokens: they are featurised from them again once the model has grown
   * (new words change their rows), and the trigger check reads them (see Candidate.tokensOf).
   */
  validTable: TokenTable;
  guard: Measurement;
  fresh: Measurement;
  before: Measured;
  /** Distillation targets on every example the rounds may train on (null without distillation). */
  teacher: Teacher | null;
  /** The parent's Fisher information, when EWC or the low-fisher selection needs it. */
  fisher: RowFisher | null;
  /** What undoing the update puts back beside the journaled rows, and what a patch records of the parent. */
  optimizerStep: number;
  wordsBefore: number;
  labelCountsBefore: number[];
  infoBefore: ModelInfo;
}

export type Measurement = ReturnType<typeof measure>;

/** Measures the parent on the guard and the validation examples, and takes what training will need of it. */
export function measureParent(plan: UpdatePlan): ParentMeasure {
  const { model, guard, fresh, settings: s, memory } = plan;
  // Old examples' rows come from the model's feature cache, and the replayed examples the rounds
  // may draw are featurised now if they were not yet: the parent's vocabulary is settled.
  const cache = featureCacheOf(model);
  const guardData = cache.data(guard, true);
  cache.fill(plan.replayTrain);
  const validTable = tokenTableOf(model, fresh.valid);
  const freshData = featurizeTable(validTable, fresh.valid, model.featurizer);
  const beforeGuard = measure(model, guard, guardData);
  const beforeFresh = measure(model, fresh.valid, freshData);
  const before: Measured = { guard: guard.length ? beforeGuard.metrics : null, fresh: beforeFresh.metrics };
  const teacher = s.distill ? teacherProbs(model, [...fresh.train, ...plan.replayTrain, ...plan.consolidation], s.distill, s.distillWeight) : null;
  // Estimated once, from the memory, when the memory does not keep it.
  const needsFisher = s.ewc > 0 || s.spec.kind === 'low-fisher';
  const fisher = needsFisher ? (memory?.fisher ?? (plan.replayOn ? estimateFisher(model, memory!.replay.examples()) : null)) : null;
  return {
    plan,
    guardData,
    freshData,
    validTable,
    guard: beforeGuard,
    fresh: beforeFresh,
    before,
    teacher,
    fisher,
    optimizerStep: model.optimizerState?.step ?? 0,
    wordsBefore: model.vocab.wordCount,
    labelCountsBefore: [...model.vocab.labelCounts],
    infoBefore: structuredClone(model.info),
  };
}
