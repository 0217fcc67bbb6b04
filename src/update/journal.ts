/**
 * The undo journal of an update: the value of every row before its first change, so a rejected or
 * failed update puts the model back bit for bit, and the best round can be restored, without ever
 * copying the whole model. Rows appended by growth are not journaled: undoing growth truncates them.
 */
import type { Matrix } from '../model/matrix.js';

type RowMap = Map<number, Float32Array>;
export type JournalSnapshot = Map<Matrix, RowMap>;

export class RowJournal {
  private readonly originals = new Map<Matrix, RowMap>();
  private readonly baseRows = new Map<Matrix, number>();

  /** Starts watching `m`: rows below its current row count are journaled on first touch. */
  watch(m: Matrix): void {
    if (!this.originals.has(m)) {
      this.originals.set(m, new Map());
      this.baseRows.set(m, m.rows);
    }
  }

  /** Saves row `row` of `m` unless already saved (call before changing it). */
  keep(m: Matrix, row: number): void {
    const rows = this.originals.get(m);
    if (rows === undefined || rows.has(row) || row >= this.baseRows.get(m)!) return;
    rows.set(row, m.data.slice(row * m.cols, (row + 1) * m.cols));
  }

  /** Saves every pre-existing row of `m` (for the small tensors). */
  keepAll(m: Matrix): void {
    this.watch(m);
    for (let r = 0; r < this.baseRows.get(m)!; r++) this.keep(m, r);
  }

  /** The value a row had before the update, or undefined when it has not changed. */
  readonly original = (m: Matrix, row: number): Float32Array | undefined => this.originals.get(m)?.get(row);

  /** Current values of every journaled row and of every row grown since watching began. */
  snapshot(): JournalSnapshot {
    const snap: JournalSnapshot = new Map();
    for (const [m, rows] of this.originals) {
      const copy: RowMap = new Map();
      const rowValue = (row: number) => m.data.slice(row * m.cols, (row + 1) * m.cols);
      for (const row of rows.keys()) copy.set(row, rowValue(row));
      for (let row = this.baseRows.get(m)!; row < m.rows; row++) copy.set(row, rowValue(row));
      snap.set(m, copy);
    }
    return snap;
  }

  /**
   * Puts rows back: to `snapshot` where it has them, else to their values before the update.
   * Grown rows that the snapshot lacks are left as they are (undoing growth truncates them).
   */
  restore(snapshot?: JournalSnapshot): void {
    for (const [m, rows] of this.originals) {
      for (const [row, original] of rows) m.data.set(original, row * m.cols);
      for (const [row, value] of snapshot?.get(m) ?? []) if (row < m.rows) m.data.set(value, row * m.cols);
    }
  }

  /** Rows and values that differ from their originals, per watched matrix (grown rows not included). */
  changes(m: Matrix): { rows: number; values: number } {
    let rows = 0;
    let values = 0;
    for (const [row, original] of this.originals.get(m) ?? []) {
      let changed = 0;
      for (let d = 0; d < m.cols; d++) if (m.data[row * m.cols + d] !== original[d]) changed++;
      if (changed > 0) rows++;
      values += changed;
    }
    return { rows, values };
  }

  /** Number of journaled rows in all (the memory the journal holds, in rows). */
  get size(): number {
    let n = 0;
    for (const rows of this.originals.values()) n += rows.size;
    return n;
  }
}
