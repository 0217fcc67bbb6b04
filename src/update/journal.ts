/**
 * The undo journal of an update: the value of every row an update may change, copied once before
 * training, so a rejected or failed update puts the model back bit for bit and the best round can
 * be restored, without copying the whole model. The rows are known up front (the featurised
 * training data says which input rows any step can touch), so the hot loop never checks anything.
 * An update grows the model first and journals after, so rows it grew are journaled like the rest
 * (their starting values); rows grown after journaling are kept in snapshots. Undoing growth truncates.
 * A large journal sits in a block lent by the model's arena, where the wasm kernels copy and
 * compare its rows (the last class-incremental WordNet update: 50 -> 17 ms to journal, 90 -> 29 ms
 * to inspect); a small one (a piece of feedback) in JavaScript buffers.
 */
import { StaleParentError } from '../errors.js';
import type { Arena } from '../model/arena.js';
import type { Matrix } from '../model/matrix.js';

interface Entry {
  /** Journaled rows, and where each row's original sits in `originals` (made on first use: only EWC asks). */
  rows: Int32Array;
  slotOf: ((row: number) => number) | null;
  originals: Float32Array;
  baseRows: number;
  /**
   * Where `rows` and `originals` sit when they are views of a block lent by the matrix's arena (a
   * large journal: the kernels copy and compare them), with 24 bytes of kernel output at `block`.
   */
  lent: { block: number; rows: number; originals: number } | null;
  /** Set when handOver gave `originals` to an accepted update's parent: release() keeps them. */
  handed: Lease | null;
}

/** Whether a parent's values handed over from a lent block are still there (see handOver). */
interface Lease {
  stale: boolean;
}

/**
 * Lent blocks of released journals whose originals an accepted update's parent still reads, per
 * arena: given back when the next journal on that arena begins (settle), which reuses them.
 */
const held = new WeakMap<Arena, { block: number; lease: Lease }[]>();

function settle(arena: Arena): void {
  const blocks = held.get(arena);
  if (!blocks) return;
  held.delete(arena);
  for (const { block, lease } of blocks) {
    lease.stale = true;
    arena.giveBack(block);
  }
}

/** Bytes before a lent block's rows: the kernel's output (inspectRows writes 24). */
const OUT_BYTES = 32;
const align16 = (n: number) => Math.ceil(n / 16) * 16;

/**
 * Buffers of finished journals, kept a little while for the next update: a large update journals
 * tens of MB, and fresh memory costs a page fault per 4 KiB at its first write, about as much as
 * the copy itself. Dropped KEEP_SPARE_MS after the last journal gave its buffers back.
 */
const spare: Float32Array[] = [];
const MAX_SPARE = 4;
/** Smaller buffers (output and hidden layers, small updates) are allocated afresh and not kept; larger journals ask the arena first. */
const MIN_SPARE = 1 << 18;
const KEEP_SPARE_MS = 10_000;
let dropSpare: ReturnType<typeof setTimeout> | null = null;

/** A buffer of `length` floats (contents unspecified: every user overwrites all of it). */
function takeBuffer(length: number): Float32Array {
  if (length < MIN_SPARE) return new Float32Array(length);
  let best = -1;
  for (let i = 0; i < spare.length; i++) if (spare[i].length >= length && (best < 0 || spare[i].length < spare[best].length)) best = i;
  if (best < 0) return new Float32Array(length);
  const [buffer] = spare.splice(best, 1);
  return buffer.length === length ? buffer : buffer.subarray(0, length);
}

function giveBack(buffers: Float32Array[]): void {
  for (const b of buffers) if (b.length >= MIN_SPARE) spare.push(new Float32Array(b.buffer as ArrayBuffer));
  spare.sort((a, b) => b.length - a.length).splice(MAX_SPARE);
  if (dropSpare) clearTimeout(dropSpare);
  dropSpare = setTimeout(() => (spare.length = 0), KEEP_SPARE_MS);
  dropSpare.unref();
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
  /** Buffers taken for snapshots, given back with the originals by release(). */
  private readonly snapshotBuffers: Float32Array[] = [];
  private released = false;

  /** Journals the given distinct rows of `m` (call once per matrix, before any change). */
  keepRows(m: Matrix, rows: Int32Array): void {
    if (this.entries.has(m)) throw new Error('a matrix is journaled once per update');
    // A new update: the last one's parent (handOver) gives its block back for this journal.
    settle(m.arena);
    const size = rows.length * m.cols;
    // A large journal in the arena, where the kernels copy and compare it 3x faster than views can.
    const rowsAt = OUT_BYTES;
    const originalsAt = align16(rowsAt + rows.length * 4);
    const block = size >= MIN_SPARE ? m.arena.lend(originalsAt + size * 4) : null;
    if (block !== null) {
      const lent = { block, rows: block + rowsAt, originals: block + originalsAt };
      const kept = m.arena.i32(lent.rows, rows.length);
      kept.set(rows);
      m.arena.kernels.gatherRows(m.ptr, m.cols, lent.rows, rows.length, lent.originals);
      this.entries.set(m, { rows: kept, slotOf: null, originals: m.arena.f32(lent.originals, size), baseRows: m.rows, lent, handed: null });
      return;
    }
    const originals = takeBuffer(size);
    gatherRows(m.data, m.cols, rows, originals);
    this.entries.set(m, { rows, slotOf: null, originals, baseRows: m.rows, lent: null, handed: null });
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
      let kept = old?.kept;
      if (!kept || kept.length !== e.originals.length) {
        kept = takeBuffer(e.originals.length);
        this.snapshotBuffers.push(kept);
      }
      gatherRows(m.data, m.cols, e.rows, kept);
      snap.set(m, { kept, grown: m.data.slice(e.baseRows * m.cols, m.rows * m.cols) });
    }
    return snap;
  }

  /**
   * The journaled rows of `m` and their values before the update (null when `m` is not journaled):
   * what a patch needs to know of the parent, at the cost of the rows an update may touch. The
   * values are not copied (a copy of the last class-incremental WordNet update's 82 MB cost 50-80 ms
   * of fresh pages, and a full GC for the external memory, about a third of the update): the
   * journal gives them up. A JavaScript buffer is the caller's from then on; a block lent by the
   * arena is kept until the next journal on that arena begins, and values() throws
   * StaleParentError after that. Call once the update is accepted, before release().
   */
  handOver(m: Matrix): { rows: Int32Array; values: () => Float32Array } | null {
    const e = this.entries.get(m);
    if (!e) return null;
    const lease: Lease = { stale: false };
    e.handed = lease;
    const { originals, lent } = e;
    const size = originals.length;
    return {
      rows: e.rows.slice(),
      values: () => {
        if (lease.stale) throw new StaleParentError();
        // (a view of the arena made afresh: one made before the arena's memory grew would be detached)
        return lent ? m.arena.f32(lent.originals, size) : originals;
      },
    };
  }

  /**
   * Ends the journal: its buffers go to the next update's journal. Call once the update is
   * decided and nothing restores or inspects any more (snapshots taken from it die with it).
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const [m, e] of this.entries) {
      if (!e.lent) continue;
      if (!e.handed) m.arena.giveBack(e.lent.block);
      else held.set(m.arena, [...(held.get(m.arena) ?? []), { block: e.lent.block, lease: e.handed }]);
    }
    giveBack([...[...this.entries.values()].filter((e) => !e.lent && !e.handed).map((e) => e.originals), ...this.snapshotBuffers]);
    this.entries.clear();
  }

  /** Puts journaled rows back to `snapshot` (or to their values before the update), and grown rows to the snapshot's. */
  restore(snapshot?: JournalSnapshot): void {
    for (const [m, e] of this.entries) {
      const s = snapshot?.get(m);
      if (!s && e.lent) m.arena.kernels.scatterRows(e.lent.originals, m.cols, e.lent.rows, e.rows.length, m.ptr);
      else scatterRows(s ? s.kept : e.originals, m.cols, e.rows, m.data);
      if (s && m.rows > e.baseRows) m.data.set(s.grown.subarray(0, (m.rows - e.baseRows) * m.cols), e.baseRows * m.cols);
    }
  }

  /**
   * One pass over every journaled and grown value: whether all are finite (x * 0 is 0 for every
   * finite x and NaN for NaN and ±Infinity), and per matrix how many rows below `limitOf(m)` (the
   * rows the parent had) and how many of their values differ from their originals. `current`: a
   * snapshot the matrices were just restored to, read instead of them (in order, not row by row
   * across a large table).
   */
  inspect(limitOf: (m: Matrix) => number = (m) => m.rows, current?: JournalSnapshot): { finite: boolean; changes: Map<Matrix, { rows: number; values: number }> } {
    let probe = 0;
    const changes = new Map<Matrix, { rows: number; values: number }>();
    for (const [m, e] of this.entries) {
      const { cols } = m;
      const { rows, originals } = e;
      const kept = current?.get(m)?.kept;
      const data = kept ?? m.data;
      const limit = limitOf(m);
      const counted = !kept && e.lent ? compareLent(m, e.lent, rows.length, limit) : compareViews(data, kept !== undefined, rows, originals, cols, limit);
      probe += counted.probe;
      for (let k = e.baseRows * cols; k < m.rows * cols; k++) probe += m.data[k] * 0;
      changes.set(m, { rows: counted.rows, values: counted.values });
    }
    return { finite: probe === 0, changes };
  }
}

/** What inspect counts for one matrix: changed rows and values below its limit, and the sum of x * 0 over every value. */
interface Compared {
  rows: number;
  values: number;
  probe: number;
}

/** inspect over views: rows of `data` (consecutive when `inOrder`, else those named in `rows`) against `originals`. */
function compareViews(data: Float32Array, inOrder: boolean, rows: Int32Array, originals: Float32Array, cols: number, limit: number): Compared {
  let probe = 0;
  let changedRows = 0;
  let values = 0;
  for (let k = 0; k < rows.length; k++) {
    let changed = 0;
    for (let d = 0, at = (inOrder ? k : rows[k]) * cols, o = k * cols; d < cols; d++) {
      const x = data[at + d];
      probe += x * 0;
      if (x !== originals[o + d]) changed++;
    }
    if (rows[k] >= limit) continue;
    if (changed > 0) changedRows++;
    values += changed;
  }
  return { rows: changedRows, values, probe };
}

/** The same by the kernel, for a journal in a block lent by the matrix's arena (its output lands at the block's start). */
function compareLent(m: Matrix, lent: NonNullable<Entry['lent']>, count: number, limit: number): Compared {
  m.arena.kernels.inspectRows(m.ptr, m.cols, lent.rows, count, lent.originals, limit, lent.block);
  const out = new DataView(m.arena.memory.buffer, lent.block, 24);
  return { rows: out.getInt32(0, true), values: out.getFloat64(8, true), probe: out.getFloat32(16, true) };
}
