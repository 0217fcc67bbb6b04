/**
 * The undo journal of an update: the value of every row an update may change, copied once before
 * training, so a rejected or failed update puts the model back bit for bit and the best round can
 * be restored, without copying the whole model. The rows are known up front (the featurised
 * training data says which input rows any step can touch), so the hot loop never checks anything.
 * An update grows the model first and journals after, so rows it grew are journaled like the rest
 * (their starting values); rows grown after journaling are kept in snapshots. Undoing growth truncates.
 */
import type { Matrix } from '../model/matrix.js';

interface Entry {
  /** Journaled rows, and where each row's original sits in `originals` (made on first use: only EWC asks). */
  rows: Int32Array;
  slotOf: ((row: number) => number) | null;
  originals: Float32Array;
  baseRows: number;
}

/** Values of journaled rows (in slot order) and of grown rows, per matrix. */
export type JournalSnapshot = Map<Matrix, { kept: Float32Array; grown: Float32Array }>;

/** row -> slot lookup: a table over all rows when many are journaled, a Map when few are. */
function slotIndex(rows: Int32Array, total: number): (row: number) => number {
  if (rows.length * 64 < total) {
    const map = new Map<number, number>();
    rows.forEach((row, k) => map.set(row, k));
    return (row) => map.get(row) ?? -1;
  }
  const slots = new Int32Array(total).fill(-1);
  rows.forEach((row, k) => (slots[row] = k));
  return (row) => (row < slots.length ? slots[row] : -1);
}

/** Copies rows `rows` of `data` (row length `cols`) into consecutive rows of `out`. */
function gatherRows(data: Float32Array, cols: number, rows: Int32Array, out: Float32Array): void {
  // A view and a memcpy per row beat an element loop here (rows are scattered over a large table).
  for (let k = 0; k < rows.length; k++) out.set(data.subarray(rows[k] * cols, (rows[k] + 1) * cols), k * cols);
}

/** The inverse of gatherRows: consecutive rows of `src` back to rows `rows` of `data`. */
function scatterRows(src: Float32Array, cols: number, rows: Int32Array, data: Float32Array): void {
  for (let k = 0; k < rows.length; k++) data.set(src.subarray(k * cols, (k + 1) * cols), rows[k] * cols);
}

export class RowJournal {
  private readonly entries = new Map<Matrix, Entry>();

  /** Journals the given distinct rows of `m` (call once per matrix, before any change). */
  keepRows(m: Matrix, rows: Int32Array): void {
    if (this.entries.has(m)) throw new Error('a matrix is journaled once per update');
    const originals = new Float32Array(rows.length * m.cols);
    gatherRows(m.data, m.cols, rows, originals);
    this.entries.set(m, { rows, slotOf: null, originals, baseRows: m.rows });
  }

  /** Journals every row of `m`. */
  keepAll(m: Matrix): void {
    this.keepRows(m, Int32Array.from({ length: m.rows }, (_, i) => i));
  }

  /** The value a row had before the update, or undefined when it is not journaled. */
  readonly original = (m: Matrix, row: number): Float32Array | undefined => {
    const e = this.entries.get(m);
    if (e) e.slotOf ??= slotIndex(e.rows, e.baseRows);
    const k = e ? e.slotOf!(row) : -1;
    return k >= 0 ? e!.originals.subarray(k * m.cols, (k + 1) * m.cols) : undefined;
  };

  /**
   * Current values of every journaled row and of every row grown since journaling began. Pass an
   * older snapshot of this journal as `reuse` to overwrite it instead of allocating (a snapshot of
   * a large update is tens of MB, taken after every round that improves).
   */
  snapshot(reuse?: JournalSnapshot): JournalSnapshot {
    const snap: JournalSnapshot = reuse ?? new Map();
    for (const [m, e] of this.entries) {
      const old = reuse?.get(m);
      const kept = old?.kept.length === e.originals.length ? old.kept : new Float32Array(e.originals.length);
      gatherRows(m.data, m.cols, e.rows, kept);
      snap.set(m, { kept, grown: m.data.slice(e.baseRows * m.cols, m.rows * m.cols) });
    }
    return snap;
  }

  /** Puts journaled rows back to `snapshot` (or to their values before the update), and grown rows to the snapshot's. */
  restore(snapshot?: JournalSnapshot): void {
    for (const [m, e] of this.entries) {
      const s = snapshot?.get(m);
      scatterRows(s ? s.kept : e.originals, m.cols, e.rows, m.data);
      if (s && m.rows > e.baseRows) m.data.set(s.grown.subarray(0, (m.rows - e.baseRows) * m.cols), e.baseRows * m.cols);
    }
  }

  /**
   * One pass over every journaled and grown value: whether all are finite (x * 0 is 0 for every
   * finite x and NaN for NaN and ±Infinity), and per matrix how many rows below `limitOf(m)` (the
   * rows the parent had) and how many of their values differ from their originals.
   */
  inspect(limitOf: (m: Matrix) => number = (m) => m.rows): { finite: boolean; changes: Map<Matrix, { rows: number; values: number }> } {
    let probe = 0;
    const changes = new Map<Matrix, { rows: number; values: number }>();
    for (const [m, e] of this.entries) {
      const { data, cols } = m;
      const { rows, originals } = e;
      const limit = limitOf(m);
      let changedRows = 0;
      let values = 0;
      for (let k = 0; k < rows.length; k++) {
        let changed = 0;
        for (let d = 0, at = rows[k] * cols, o = k * cols; d < cols; d++) {
          const x = data[at + d];
          probe += x * 0;
          if (x !== originals[o + d]) changed++;
        }
        if (rows[k] >= limit) continue;
        if (changed > 0) changedRows++;
        values += changed;
      }
      for (let k = e.baseRows * cols; k < m.rows * cols; k++) probe += data[k] * 0;
      changes.set(m, { rows: changedRows, values });
    }
    return { finite: probe === 0, changes };
  }
}
