/**
 * Parameter selections for the rounds of an update (design.md): which rows may change.
 *   all            every parameter
 *   head           the output layer only
 *   new-rows       rows of new labels, new words and hashed features the model had never seen
 *   layerwise      one tensor per round, cycling output -> hidden -> input (the founding loop)
 *   topk-grad:F    the fraction F of rows with the largest gradient norm on the new data
 *   low-fisher:F   the fraction F of touched rows least important to old examples (Fisher)
 */
import { UsageError } from '../errors.js';
import type { Params } from '../model/params.js';
import type { RowMask, Selection } from '../optim/selection.js';

export type SelectionSpec =
  | { kind: 'all' }
  | { kind: 'head' }
  | { kind: 'new-rows' }
  | { kind: 'layerwise' }
  | { kind: 'topk-grad'; fraction: number }
  | { kind: 'low-fisher'; fraction: number };

export const SELECTION_HELP = 'all | head | new-rows | layerwise | topk-grad:F | low-fisher:F (0 < F <= 1)';

/**
 * Which parameters an update may change, from its text form (SELECTION_HELP); a UsageError for text
 * that is not one.
 * @example parseSelection('topk-grad:0.1') // { kind: 'topk-grad', fraction: 0.1 }
 */
export function parseSelection(text: string): SelectionSpec {
  const [kind, arg] = text.split(':');
  if (kind === 'all' || kind === 'head' || kind === 'new-rows' || kind === 'layerwise') {
    if (arg !== undefined) throw new UsageError(`selection "${kind}" takes no argument`);
    return { kind };
  }
  if (kind === 'topk-grad' || kind === 'low-fisher') {
    const fraction = Number(arg);
    if (arg === undefined || !(fraction > 0 && fraction <= 1)) throw new UsageError(`selection "${kind}" needs a fraction in (0, 1], as in ${kind}:0.1`);
    return { kind, fraction };
  }
  throw new UsageError(`unknown selection "${text}"; expected ${SELECTION_HELP}`);
}

/**
 * Which input rows replayed old examples train: only those the new examples also touch
 * ('shared'), or all of theirs ('all'). See replaySelection.
 */
export type ReplayInput = 'shared' | 'all';

export const REPLAY_INPUT_HELP = 'shared | all';

/**
 * The selection a replayed example trains under in a round that selected `selection`. With
 * `shared` (a mask of the input rows the new examples touch) its input rows are only those: replay
 * is there to hold the old decisions where the new data moves them (the output rows, and the input
 * rows both share), while a row only old examples have was trained already and need not move. An
 * update then changes the rows of what it learned, not of everything it replayed, and its patch is
 * that much smaller (figures: docs/decisions.md, "Replayed examples train only the rows they share").
 */
export function replaySelection(selection: Selection, shared: Uint8Array | null): Selection {
  if (shared === null || selection.input === false) return selection;
  const input = selection.input === true ? shared : shared.map((v, r) => v & (selection.input as Uint8Array)[r]);
  return { ...selection, input };
}

export function formatSelection(s: SelectionSpec): string {
  return 'fraction' in s ? `${s.kind}:${s.fraction}` : s.kind;
}

/** What selections need to know about the update's data and the model's past. */
export interface SelectionInputs {
  params: Params;
  /** Input rows the new training data touches, each once. */
  touched: readonly number[];
  /** Input rows the model had seen in training before this update (null = unknown: treat all old rows as seen). */
  seen: Uint8Array | null;
  inputRowsBefore: number;
  outputRowsBefore: number;
  /** Per-row squared gradient norms on the new data (for topk-grad). */
  gradNorms?: { input: Float32Array; output: Float32Array };
  /** Per-row Fisher information on old examples (for low-fisher; null = none saved). */
  fisher?: { input: Float32Array; output: Float32Array } | null;
}

function maskOf(length: number, pick: (row: number) => boolean): Uint8Array {
  const m = new Uint8Array(length);
  for (let r = 0; r < length; r++) if (pick(r)) m[r] = 1;
  return m;
}

/** A mask of `length` rows with `rows` set. */
export function maskFromRows(length: number, rows: readonly number[]): Uint8Array {
  const m = new Uint8Array(length);
  for (const r of rows) m[r] = 1;
  return m;
}

/** Rows with the top `fraction` of `score` among `candidates` (ties: lower row first). */
function topRows(candidates: number[], score: (row: number) => number, fraction: number, length: number): Uint8Array {
  const keep = Math.max(1, Math.ceil(candidates.length * fraction));
  return maskFromRows(length, [...candidates].sort((a, b) => score(b) - score(a) || a - b).slice(0, keep));
}

function rowsWhere(length: number, pick: (row: number) => boolean): number[] {
  const out: number[] = [];
  for (let r = 0; r < length; r++) if (pick(r)) out.push(r);
  return out;
}

/**
 * Whether the selection lets every output row train (in some round): only then may an update
 * rebalance old and new labels' rows afterwards (align.ts) and stay within what it selected.
 */
export function trainsEveryOutputRow(spec: SelectionSpec): boolean {
  return spec.kind === 'all' || spec.kind === 'head' || spec.kind === 'layerwise';
}

/** The selection for round `round` (0-based). */
export function selectionFor(spec: SelectionSpec, round: number, x: SelectionInputs): Selection {
  const inputRows = x.params.input.rows;
  const outputRows = x.params.output.rows;
  switch (spec.kind) {
    case 'all':
      return { input: true, hidden: true, output: true };
    case 'head':
      return { input: false, hidden: false, output: true };
    case 'new-rows': {
      const isNew = (r: number) => r >= x.inputRowsBefore || (x.seen !== null && x.seen[r] === 0);
      return {
        input: maskFromRows(inputRows, x.touched.filter(isNew)),
        hidden: false,
        output: maskOf(outputRows, (r) => r >= x.outputRowsBefore),
      };
    }
    case 'layerwise': {
      const order: ('output' | 'hidden' | 'input')[] = x.params.hidden ? ['output', 'hidden', 'input'] : ['output', 'input'];
      const pick = order[round % order.length];
      return { input: pick === 'input', hidden: pick === 'hidden', output: pick === 'output' };
    }
    case 'topk-grad': {
      const g = x.gradNorms;
      if (!g) throw new Error('topk-grad needs gradient norms');
      const input = topRows(x.touched.filter((r) => g.input[r] > 0), (r) => g.input[r], spec.fraction, inputRows);
      const output = topRows(rowsWhere(outputRows, (r) => g.output[r] > 0), (r) => g.output[r], spec.fraction, outputRows);
      return { input, hidden: true, output };
    }
    case 'low-fisher': {
      const f = x.fisher;
      const fi = (r: number) => (f && r < f.input.length ? f.input[r] : 0);
      const fo = (r: number) => (f && r < f.output.length ? f.output[r] : 0);
      const input = topRows([...x.touched], (r) => -fi(r), spec.fraction, inputRows);
      const output: RowMask = topRows(rowsWhere(outputRows, () => true), (r) => -fo(r), spec.fraction, outputRows);
      return { input, hidden: false, output };
    }
  }
}
