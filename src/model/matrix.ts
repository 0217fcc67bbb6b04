/**
 * A dense row-major float32 matrix living in an Arena of WebAssembly memory, so the SIMD kernels
 * can work on it in place. It can grow by rows (new words, new labels) without renumbering.
 */
import type { Rng } from '../util/rng.js';
import { Arena } from './arena.js';

export class Matrix {
  /** A view of the matrix's floats (valid for the life of the arena, across growth of other blocks). */
  data: Float32Array;

  constructor(
    readonly arena: Arena,
    /** Byte address of row 0 in the arena. */
    public ptr: number,
    public rows: number,
    readonly cols: number,
    /** Rows reserved at ptr: growing up to this many costs nothing. */
    public capacity = rows,
  ) {
    this.data = arena.f32(ptr, rows * cols);
  }

  /**
   * A zero matrix in `arena` (a new arena of its own when none is given), with room reserved for
   * `spare` more rows so that new words and labels do not force a copy of a large table.
   */
  static zeros(rows: number, cols: number, arena: Arena = Arena.create(rows * cols * 4), spare = 0): Matrix {
    return new Matrix(arena, arena.alloc((rows + spare) * cols * 4), rows, cols, rows + spare);
  }

  /** Values drawn uniformly from [-scale, scale] (fastText initialises the input matrix with 1/dim). */
  static uniform(rows: number, cols: number, scale: number, rng: Rng, arena?: Arena, spare = 0): Matrix {
    const m = Matrix.zeros(rows, cols, arena, spare);
    const d = m.data;
    // An inline xorshift32 stream seeded from rng: a call per float would dominate start-up
    // for a 2M-row bucket table.
    let s = (rng.int(0x7fffffff) | 1) >>> 0;
    const k = (2 * scale) / 4294967296;
    for (let i = 0; i < d.length; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      d[i] = (s >>> 0) * k - scale;
    }
    return m;
  }

  /** Byte address of row i. */
  rowPtr(i: number): number {
    return this.ptr + i * this.cols * 4;
  }

  /** A view of row i (no copy). */
  row(i: number): Float32Array {
    return this.data.subarray(i * this.cols, (i + 1) * this.cols);
  }

  get size(): number {
    return this.rows * this.cols;
  }

  /**
   * Appends n rows, filled by `init` (zeros when omitted). Existing rows keep their index and
   * values. Free within the reserved capacity; beyond it, in place when the matrix is the arena's
   * last block, else copied to a new block with half again as much room.
   */
  growRows(n: number, init?: (row: Float32Array, index: number) => void): void {
    if (n <= 0) return;
    const needed = this.rows + n;
    if (needed > this.capacity) {
      const capacity = Math.max(needed, this.capacity + Math.ceil(this.capacity / 2));
      if (!this.arena.extend(this.ptr, this.capacity * this.cols * 4, capacity * this.cols * 4)) {
        const ptr = this.arena.alloc(capacity * this.cols * 4);
        this.arena.f32(ptr, this.size).set(this.data);
        this.ptr = ptr;
      }
      this.capacity = capacity;
    }
    this.rows = needed;
    this.data = this.arena.f32(this.ptr, this.size);
    this.data.fill(0, (needed - n) * this.cols);
    if (init) for (let r = needed - n; r < needed; r++) init(this.row(r), r);
  }

  /** Drops the rows from `rows` on (used to undo a rejected growth); the room stays reserved. */
  truncateRows(rows: number): void {
    if (rows > this.rows) throw new RangeError(`cannot truncate ${this.rows} rows to ${rows}`);
    this.rows = rows;
    this.data = this.arena.f32(this.ptr, this.size);
  }

  /**
   * Products of rows [0, rows) with each of `xs` (vectors of `cols` floats), by the wasm kernel:
   * result[i * rows + r] = row r · xs[i]. Its scratch is taken from the arena and given back.
   */
  timesVectors(xs: readonly Float32Array[], rows = this.rows): Float32Array {
    const { arena, cols } = this;
    const inBytes = xs.length * cols * 4;
    const bytes = inBytes + xs.length * rows * 4;
    const ptr = arena.alloc(bytes);
    try {
      const input = arena.f32(ptr, xs.length * cols);
      xs.forEach((x, i) => input.set(x, i * cols));
      for (let i = 0; i < xs.length; i++) arena.kernels.matVec(this.ptr, rows, cols, ptr + i * cols * 4, ptr + inBytes + i * rows * 4);
      return arena.f32(ptr + inBytes, xs.length * rows).slice();
    } finally {
      arena.free(ptr, bytes);
    }
  }

  /** A copy in `arena` (a new arena when none is given). */
  clone(arena?: Arena): Matrix {
    const m = Matrix.zeros(this.rows, this.cols, arena);
    m.data.set(this.data);
    return m;
  }
}
