/** What an update reports: the shapes, and the pieces built from its measurements. */
import type { TextClassifier } from '../model/classifier.js';
import type { GateIssue, Measured } from './gate.js';
import type { ChangedPrediction } from './measure.js';
import type { RoundReport } from './rounds.js';
import type { UpdateWarning } from './warnings.js';

/** Per tensor: rows and values of the parent that changed, and rows the update added (all new parameters). */
export interface ParamChange {
  tensor: string;
  rows: number;
  values: number;
  grownRows: number;
}

export interface UpdateReport {
  accepted: boolean;
  reasons: GateIssue[];
  /** What the update ran without that can cost what the model knew (no replay memory, replay off); empty when nothing. */
  warnings: UpdateWarning[];
  selection: string;
  newLabels: string[];
  newWords: { count: number; first: string[] };
  data: {
    new: number;
    train: number;
    valid: number;
    /**
     * The distinct old examples the rounds could draw replay from (not how many were trained on):
     * the replay memory less any guard held out of it, or a random sample of rounds x
     * replay-per-round of them when the memory is larger; 0 without replay. See replayTrained.
     */
    replayed: number;
    /**
     * The replayed examples the kept version was trained on: summed over rounds 1 to bestRound
     * (the rounds after it were undone), an example drawn more than once counted each time.
     */
    replayTrained: number;
    guard: number;
    fingerprint: string;
  };
  rounds: RoundReport[];
  bestRound: number;
  /**
   * The hashed n-gram table: its rows before and after the update, and why it grew or was kept
   * (growTable.ts). Null when the model hashes no n-grams. A rejected update keeps the parent's.
   */
  table: { from: number; to: number; why: string } | null;
  /** The factor the new labels' output rows were scaled by after training (1 = unchanged; see align.ts). */
  alignment: number;
  /** The factor every output row was scaled by before the first round (1 = unchanged; classIncremental.ts, SURE_OF_REPLAY). */
  outputShrink: number;
  before: Measured;
  after: Measured;
  perLabel: { label: string; guardF1Before: number | null; guardF1After: number | null; freshF1Before: number | null; freshF1After: number | null }[];
  guardChanged: { count: number; examples: ChangedPrediction[] };
  paramsChanged: ParamChange[];
  examplesProcessed: number;
  wallMs: number;
}

/** Per-label F1 before and after, on the guard and on the new data (null where a label has no examples). */
export function perLabel(before: Measured, after: Measured): UpdateReport['perLabel'] {
  const labels = new Set<string>();
  for (const m of [before.guard, after.guard, before.fresh, after.fresh]) for (const l of m?.perLabel ?? []) if (l.support > 0) labels.add(l.label);
  const f1 = (m: Measured['guard'], label: string) => {
    const l = m?.perLabel.find((x) => x.label === label);
    return l && l.support > 0 ? l.f1 : null;
  };
  return [...labels].map((label) => ({ label, guardF1Before: f1(before.guard, label), guardF1After: f1(after.guard, label), freshF1Before: f1(before.fresh, label), freshF1After: f1(after.fresh, label) }));
}

/** What an accepted version records about its parent, its data and the update. */
export function lineage(model: TextClassifier, report: UpdateReport, options: Record<string, unknown>) {
  const previous = (model.info.lineage as { depth?: number } | undefined)?.depth ?? 0;
  return {
    depth: previous + 1,
    parent: model.source?.weightsChecksum ?? null,
    updatedAt: new Date().toISOString(),
    dataFingerprint: report.data.fingerprint,
    options,
    metricsBefore: summary(report.before),
    metricsAfter: summary(report.after),
  };
}

function summary(m: Measured) {
  return { guard: m.guard ? { accuracy: m.guard.accuracy, macroF1: m.guard.macroF1, n: m.guard.n } : null, fresh: { accuracy: m.fresh.accuracy, macroF1: m.fresh.macroF1, n: m.fresh.n } };
}
