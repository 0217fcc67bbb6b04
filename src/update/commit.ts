/**
 * update()'s last phase: a rejected candidate is undone; an accepted one is kept, with what its
 * parent was (for a patch), the memory brought up to date and the lineage recorded.
 */
import type { Example } from '../data/example.js';
import type { FeaturizedData } from '../features/dataset.js';
import type { TextClassifier } from '../model/classifier.js';
import type { Matrix } from '../model/matrix.js';
import { namedTensors, type ModelBefore } from '../store/patch.js';
import type { Trial } from './candidate.js';
import { featureCacheOf } from './featureCache.js';
import { growGuard } from './guard.js';
import type { Verdict } from './judge.js';
import { markSeen, type ContinualMemory } from './memory.js';
import { lineage } from './report.js';
import type { UpdateDecision } from './update.js';

export function commit(verdict: Verdict): UpdateDecision {
  const { candidate, report } = verdict;
  const { trial } = candidate;
  const { plan } = trial.parent;
  const { model, memory } = plan;
  if (!report.accepted) {
    trial.undo();
    report.wallMs = performance.now() - plan.started;
    return { accepted: false, reasons: report.reasons, report, warnings: plan.warnings };
  }
  const parent = parentOf(trial);
  if (memory) {
    remember(model, memory, plan.examples, plan.heldOutFresh, candidate.data, plan.replayCapacity);
    // The new examples joined the replay memory (or the guard) with the rows this update gave them.
    featureCacheOf(model).keep([...memory.replay.examples(), ...(memory.guard ?? [])], [
      { examples: plan.fresh.train, table: candidate.trainTable, data: candidate.data },
      { examples: plan.fresh.valid, table: trial.parent.validTable, data: candidate.freshData },
    ]);
  }
  model.info = { ...model.info, lineage: lineage(model, report, plan.recorded) };
  report.wallMs = performance.now() - plan.started;
  return { accepted: true, reasons: report.reasons, report, parent, warnings: plan.warnings };
}

/**
 * What the parent of an accepted update was, for a patch: its state, vocabulary sizes, info and
 * Adam's step, and per tensor the rows the update could touch with their values before (from the
 * journal: every other row is the parent's still). Rows the update grew are left to the patch.
 * The values are the journal's (not copied): valid until the model's next update begins.
 */
function parentOf(trial: Trial): ModelBefore {
  const b = trial.parent;
  const model = b.plan.model;
  const growth = trial.growth!;
  const rowsBefore = (m: Matrix, name: string) => (name.endsWith('input') ? growth.inputRowsBefore : name.endsWith('output') ? growth.outputRowsBefore : m.rows);
  const tensorsBefore: ModelBefore['tensors'] = new Map();
  for (const [name, m] of namedTensors(model)) {
    const kept = trial.journal.handOver(m);
    const rows = rowsBefore(m, name);
    // The journal's own values, not a copy (journal.ts handOver): read them before the next update.
    tensorsBefore.set(name, kept ? { rows, ids: kept.rows, get values() { return kept.values(); } } : { rows, ids: new Int32Array(0), values: new Float32Array(0) });
  }
  return {
    state: model.source?.weightsChecksum ?? '',
    words: b.wordsBefore,
    labelCounts: b.labelCountsBefore,
    info: b.infoBefore,
    optimizerStep: model.optimizerState ? b.optimizerStep : null,
    tensors: tensorsBefore,
    bucket: trial.table ? trial.table.from : model.config.bucket,
  };
}

/**
 * After an accepted update: a saved guard takes its share of the examples the update held out
 * (growGuard), so the gate watches the labels this update taught too; the other new examples
 * (and any the guard gave up) join the replay buffer; their rows count as seen, and the Fisher
 * estimate goes stale (recomputed when saved or needed).
 */
function remember(model: TextClassifier, memory: ContinualMemory, examples: readonly Example[], heldOut: readonly Example[], data: FeaturizedData, capacity: number | undefined): void {
  if (capacity !== undefined && capacity !== memory.replay.capacity) {
    if (capacity > 0) memory.replay.resize(capacity);
  }
  let toReplay: readonly Example[] = examples;
  if (memory.guard?.length && heldOut.length > 0) {
    const grown = growGuard(memory.guard, heldOut);
    const inGuard = new Set(grown.guard);
    memory.guard = grown.guard;
    toReplay = [...new Set([...examples, ...grown.leftOut])].filter((e) => !inGuard.has(e));
  }
  memory.replay.addAll(toReplay);
  // Unknown stays unknown: marking only this update's rows would call the parent's rows unseen.
  if (memory.seen) memory.seen = markSeen(memory.seen, model.params.input.rows, data);
  memory.fisher = null;
}
