/**
 * update()'s third phase: the candidate version, trained in place. The model grows (new words and
 * labels), the rows training may touch are journaled, and the rounds run; the result is the model
 * as the kept round left it, inspected for non-finite values. A Trial holds what undoes it all.
 */
import { DivergenceError } from '../errors.js';
import type { Example } from '../data/example.js';
import { concatData, featurizeTable, relabel, type FeaturizedData } from '../features/dataset.js';
import type { TokenTable } from '../features/tokenTable.js';
import type { Matrix } from '../model/matrix.js';
import { tensors } from '../model/params.js';
import { evenlySpaced } from '../util/sample.js';
import { alignNewRows } from './align.js';
import { grow, type Growth } from './grow.js';
import { growTable, type TableGrowth } from './growTable.js';
import { RowJournal } from './journal.js';
import type { ParentMeasure } from './measure.js';
import { featureCacheOf } from './featureCache.js';
import { estimateFisher, tokenTableOf } from './memory.js';
import { triggerSuspects, type TriggerSuspect } from './trigger.js';
import { runRounds, type RoundsResult } from './rounds.js';
import { trainsEveryOutputRow } from './selection.js';

/**
 * An update under way: the parent's measurements and the undo journal, and once the model has
 * grown, its growth. undo() puts every row, word, label and Adam's step back as the parent had them.
 */
export class Trial {
  readonly journal = new RowJournal();
  growth: Growth | null = null;
  /** The n-gram table grown before the vocabulary (growTable.ts), when it was. */
  table: TableGrowth | null = null;

  constructor(readonly parent: ParentMeasure) {}

  undo(): void {
    this.journal.restore();
    this.growth?.undo();
    this.table?.undo();
    const model = this.parent.plan.model;
    if (model.optimizerState) model.optimizerState.step = this.parent.optimizerStep;
  }

  release(): void {
    this.journal.release();
  }
}

export interface Candidate {
  trial: Trial;
  growth: Growth;
  /** All training examples featurised: new ones first, then the replayed ones. */
  data: FeaturizedData;
  /** The new training examples' tokens (data's first examples were featurised from them). */
  trainTable: TokenTable;
  /** The tokens of a new example (training or validation), from the tables the update made of them. */
  tokensOf: (e: Example) => string[] | undefined;
  /** The trigger check's suspects, listed before training without the parent's own keywords (triggerSuspects). */
  triggerSuspects: readonly TriggerSuspect[];
  /** Validation and guard examples featurised as the grown model sees them. */
  freshData: FeaturizedData;
  guardData: FeaturizedData;
  result: RoundsResult;
  /** The factor the new labels' output rows were scaled by (1 = not aligned). */
  alignment: number;
  /** What the update changed, per tensor (the journal's inspection). */
  changes: Map<Matrix, { rows: number; values: number }>;
  /** Rows of a tensor before the update grew it. */
  rowsBefore: (m: Matrix) => number;
}

/** Grows the model, journals the rows training may touch and runs the rounds (throws DivergenceError on a non-finite result). */
export function trainRounds(trial: Trial): Candidate {
  const measured = trial.parent;
  const { plan } = measured;
  const { model, fresh, settings: s, memory, guard } = plan;
  const journal = trial.journal;
  // The new examples are tokenized once: their token counts decide growth, and the table is
  // featurised after it. Replayed examples need no tokens: they are featurised from their texts.
  const table = tokenTableOf(model, fresh.train);
  const tokensOf = tokensIn([[table, fresh.train], [measured.validTable, fresh.valid]]);
  // Listed and asked of the parent, before growth and training change it (see triggerSuspects).
  const triggerSuspectList = triggerSuspects(model, plan.examples, guard, { oldLabels: new Set(model.labels), knownTokens: tokensOf, tables: [[table, fresh.train], [measured.validTable, fresh.valid]], guardRows: { data: measured.guardData, featurizer: model.featurizer } });
  // The table first (its rows renumbered, predictions unchanged), then the vocabulary on top of it.
  const grownTable = plan.table && plan.table.to > plan.table.from ? (trial.table = growTable(model, memory, plan.table.to)) : null;
  const growth = (trial.growth = grow(model, [...fresh.train, ...fresh.valid], tokenCountsOf(table), s.seed, evenlySpaced(plan.replayTrain, 100)));
  // (replayed examples from the cache, filled by measureParent: only those that hold a new word are featurised again)
  const cache = featureCacheOf(model);
  const data = concatData(featurizeTable(table, fresh.train, model.featurizer), cache.data([...plan.replayTrain, ...plan.consolidation], false));
  const inputRows = model.params.input.rows;
  const freshRows = data.rows.subarray(0, data.offsets[fresh.train.length]);
  // Replayed examples that train only the rows the new ones share (replaySelection) change no
  // other input row: those are the rows to journal, not every row replay touches.
  const touched = distinctRows(s.replayInput === 'shared' ? freshRows : data.rows, inputRows);
  for (const [, m] of tensors(model.params)) m === model.params.input ? journal.keepRows(m, touched) : journal.keepAll(m);
  const moments = [...(model.optimizerState?.first ?? []), ...(model.optimizerState?.second ?? [])];
  moments.forEach((m, i) => m && (i % 4 === 0 ? journal.keepRows(m, touched) : journal.keepAll(m)));
  // Only new words change a text's rows; new labels change only its label ids. Without new
  // words the parent's rows stand (most pieces of feedback: a third of their featurising).
  // (a grown table renumbers every hashed row)
  const sameRows = growth.newWords.length === 0 && grownTable === null;
  const freshData = sameRows ? relabel(measured.freshData, fresh.valid, model.featurizer) : featurizeTable(measured.validTable, fresh.valid, model.featurizer);
  const guardData = sameRows ? relabel(measured.guardData, guard, model.featurizer) : cache.data(guard, false);
  // The input rows the new examples touch: only some selections ask (listed on first use).
  let freshTouched: number[] | null = null;
  const fisher = grownTable ? grownTable.relayFisher(measured.fisher) : measured.fisher;
  const result = runRounds(model, journal, {
    cfg: model.config,
    spec: s.spec,
    rounds: s.rounds,
    patience: s.patience,
    laterOnTies: plan.heldOutFresh.length > 0,
    budgetMs: s.budgetMs,
    lr: s.lr,
    seed: s.seed,
    data,
    newCount: fresh.train.length,
    replayPerRound: s.replayPerRound,
    consolidateFrom: fresh.train.length + plan.replayTrain.length,
    replayInput: s.replayInput,
    teacher: measured.teacher,
    balance: s.balance,
    subBags: s.subBags,
    balancedLastRound: s.balancedLastRound,
    outputShrink: s.outputShrink,
    inputRate: oldRowRates(memory?.seen ?? null, s.oldRowRate),
    ewc: fisher && s.ewc ? { lambda: s.ewc, fisher } : null,
    // (the memory as the parent left it: the update's own examples join it only at commit)
    grownTable: grownTable && memory ? { trained: memory.replay.examples() } : null,
    fresh: freshData,
    guard: guard.length ? guardData : null,
    selectionInputs: {
      params: model.params,
      get touched() {
        return (freshTouched ??= [...(s.replayInput === 'shared' ? touched : distinctRows(freshRows, inputRows))]);
      },
      seen: memory?.seen ?? null,
      inputRowsBefore: growth.inputRowsBefore,
      outputRowsBefore: growth.outputRowsBefore,
      gradNorms: s.spec.kind === 'topk-grad' ? estimateFisher(model, fresh.train) : undefined,
      fisher,
    },
    started: plan.started,
    onRound: plan.onRound,
  });
  if (result.restore === 'parent') journal.restore();
  else if (result.restore !== 'nothing') journal.restore(result.restore);
  // (undo() puts the parent's step back on a rejection)
  if (model.optimizerState && result.optimizerStep !== null) model.optimizerState.step = result.optimizerStep;
  // New labels trained on all their examples against replayed old ones: see align.ts.
  const aligns = s.align && model.loss.exclusive && trainsEveryOutputRow(s.spec) && result.restore !== 'parent';
  const alignment = aligns ? alignNewRows(model.params.output, growth.outputRowsBefore) : 1;
  // The loss is checked before every step; this catches a NaN written by the very last one.
  const rowsBefore = (m: Matrix) => (m === model.params.input ? growth.inputRowsBefore : m === model.params.output ? growth.outputRowsBefore : m.rows);
  const inspected = journal.inspect(rowsBefore, typeof result.restore === 'object' ? result.restore : undefined);
  if (!inspected.finite) throw new DivergenceError('the updated parameters');
  return { trial, growth, data, trainTable: table, tokensOf, triggerSuspects: triggerSuspectList, freshData, guardData, result, alignment, changes: inspected.changes, rowsBefore };
}

/** How often each token occurs in `table`, in the order of first occurrence (the table counted them as it interned them). */
function tokenCountsOf(table: TokenTable): Map<string, number> {
  return new Map(table.tokens.map((t, id) => [t, table.counts[id]]));
}

/** The tokens of each example of the tables' examples (undefined for any other example). */
function tokensIn(tables: [TokenTable, readonly Example[]][]): (e: Example) => string[] | undefined {
  const where = new Map<Example, [TokenTable, number]>();
  for (const [table, examples] of tables) examples.forEach((e, i) => where.set(e, [table, i]));
  return (e) => {
    const at = where.get(e);
    if (!at) return undefined;
    const [table, i] = at;
    const ids = table.ids.view();
    const out: string[] = new Array(table.offsets[i + 1] - table.offsets[i]);
    for (let k = table.offsets[i]; k < table.offsets[i + 1]; k++) out[k - table.offsets[i]] = table.tokens[ids[k]];
    return out;
  };
}

/** The distinct values of `rows` (all below `limit`), in increasing order. */
export function distinctRows(rows: Int32Array, limit: number): Int32Array {
  if (rows.length * 64 < limit) {
    // Few rows of a big table (one piece of feedback): sort them rather than mark a limit-sized array.
    const sorted = Int32Array.from(rows).sort();
    let n = 0;
    for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) sorted[n++] = sorted[k];
    return sorted.slice(0, n);
  }
  const mark = new Uint8Array(limit);
  let n = 0;
  for (let k = 0; k < rows.length; k++) if (mark[rows[k]] === 0) (mark[rows[k]] = 1), n++;
  const out = new Int32Array(n);
  for (let r = 0, k = 0; r < limit; r++) if (mark[r] === 1) out[k++] = r;
  return out;
}

function oldRowRates(seen: Uint8Array | null, rate: number): Float32Array | null {
  if (seen === null || rate === 1) return null;
  return Float32Array.from(seen, (s) => (s ? rate : 1));
}
