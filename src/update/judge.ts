/**
 * update()'s fourth phase: the candidate measured as the parent was, the gate's decision, and the
 * report. Nothing is kept or undone here (that is commit's).
 */
import type { TextClassifier } from '../model/classifier.js';
import { tensors } from '../model/params.js';
import { fingerprintOf } from './fingerprint.js';
import { gateIssues, type GateIssue, type Measured, type Outcomes } from './gate.js';
import type { Candidate } from './candidate.js';
import { changedPredictions, measure } from './measure.js';
import { perLabel, type UpdateReport } from './report.js';
import { formatSelection } from './selection.js';
import { findTrigger } from './trigger.js';

export interface Verdict {
  candidate: Candidate;
  /** The report, wallMs not yet set; report.accepted says what commit does. */
  report: UpdateReport;
}

export function judge(candidate: Candidate): Verdict {
  const { trial, growth, result } = candidate;
  const parent = trial.parent;
  const { plan } = parent;
  const { model, guard, fresh, examples, settings: s } = plan;
  // The guard is judged on the labels the parent knew (see measure); the fresh data on all labels.
  const afterGuard = measure(model, guard, candidate.guardData, growth.outputRowsBefore);
  const afterFresh = measure(model, fresh.valid, candidate.freshData);
  const before = parent.before;
  const after: Measured = { guard: guard.length ? afterGuard.metrics : null, fresh: afterFresh.metrics };
  const oldLabels = new Set(model.labels.slice(0, growth.outputRowsBefore));
  const outcomes: Outcomes = {
    fresh: { before: parent.fresh.correct, after: afterFresh.correct, gold: fresh.valid.map((e) => e.labels), topBefore: parent.fresh.top, topAfter: afterFresh.top, confidenceBefore: parent.fresh.confidence },
    guard: { before: parent.guard.correct, after: afterGuard.correct, gold: guard.map((e) => e.labels), topBefore: parent.guard.top, topAfter: afterGuard.top, confidenceBefore: parent.guard.confidence, takenByNewLabel: afterGuard.topIsNewLabel },
    newLabelShare: newLabelShare(model, growth.outputRowsBefore),
    oldLabels,
    trigger: examples.length > 0 && result.rounds.length > 0 ? findTrigger(model, examples, guard, { heldOut: plan.heldOutFresh, oldLabels, knownTokens: candidate.tokensOf, tables: [[candidate.trainTable, fresh.train], [parent.validTable, fresh.valid]], suspects: candidate.triggerSuspects }) : null,
  };
  // No round ran only when the time budget was spent first: the candidate is the parent, and
  // "nothing improved" would blame the data for what the budget did.
  const reasons = examples.length === 0 ? [noData()] : result.rounds.length === 0 ? [budgetSpent(s.budgetMs, performance.now() - plan.started)] : gateIssues(before, after, s.gateOptions, outcomes);
  const report: UpdateReport = {
    accepted: reasons.length === 0 || (!s.gate && examples.length > 0),
    reasons,
    warnings: plan.warnings,
    selection: formatSelection(s.spec),
    newLabels: growth.newLabels,
    newWords: { count: growth.newWords.length, first: growth.newWords.slice(0, 20) },
    data: {
      new: examples.length,
      train: fresh.train.length,
      valid: fresh.valid.length,
      replayed: plan.replayTrain.length,
      replayTrained: result.rounds.slice(0, result.bestRound).reduce((n, r) => n + r.replayed, 0),
      guard: guard.length,
      fingerprint: fingerprintOf(examples),
    },
    rounds: result.rounds,
    bestRound: result.bestRound,
    table: plan.table,
    alignment: candidate.alignment,
    outputShrink: result.outputShrink,
    before,
    after,
    perLabel: perLabel(before, after),
    guardChanged: changedPredictions(guard, parent.guard.top, afterGuard.top),
    paramsChanged: tensors(model.params).map(([name, m]) => ({ tensor: name, ...(candidate.changes.get(m) ?? { rows: 0, values: 0 }), grownRows: m.rows - candidate.rowsBefore(m) })),
    examplesProcessed: result.examplesProcessed,
    wallMs: 0,
  };
  return { candidate, report };
}

/** Examples of the labels from `firstNew` on, as a share of every label count the model has (its history and this update). */
function newLabelShare(model: TextClassifier, firstNew: number): number {
  const counts = model.vocab.labelCounts;
  const all = counts.reduce((a, b) => a + b, 0);
  return all > 0 ? counts.slice(firstNew).reduce((a, b) => a + b, 0) / all : 0;
}

function noData(): GateIssue {
  return { code: 'no-data', metric: 'examples', before: 0, after: 0, threshold: 1, message: 'the new data is empty: nothing to learn' };
}

function budgetSpent(budgetMs: number, spentMs: number): GateIssue {
  const ms = (x: number) => `${x < 10 ? Number(x.toPrecision(2)) : Math.round(x)} ms`;
  return {
    code: 'budget-exhausted',
    metric: 'time',
    before: 0,
    after: spentMs,
    threshold: budgetMs,
    message: `the time budget (${ms(budgetMs)}) ran out before round 1: ${ms(spentMs)} went on preparing the update (reading the examples, growing and measuring the model), so nothing was trained; raise the budget (--budget-ms) or leave it out`,
  };
}
