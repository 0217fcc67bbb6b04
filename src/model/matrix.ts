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
  ) {
    this.data = arena.f32(ptr, rows * cols);
  }

  /** A zero matrix in `arena` (a new arena of its own when none is given). */
  static zeros(rows: number, cols: number, arena: Arena = Arena.create(rows * cols * 4)): Matrix {
    return new Matrix(arena, arena.alloc(rows * cols * 4), rows, cols);
  }

  /** Values drawn uniformly from [-scale, scale] (fastText initialises the input matrix with 1/dim). */
  static uniform(rows: number, cols: number, scale: number, rng: Rng, arena?: Arena): Matrix {
    const m = Matrix.zeros(rows, cols, arena);
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
   * values. In place when the matrix is the arena's last block, else copied to a new block.
   */
  growRows(n: number, init?: (row: Float32Array, index: number) => void): void {
    if (n <= 0) return;
    const oldBytes = this.size * 4;
    const newBytes = (this.rows + n) * this.cols * 4;
    if (!this.arena.extend(this.ptr, oldBytes, newBytes)) {
      const ptr = this.arena.alloc(newBytes);
      this.arena.f32(ptr, this.size).set(this.data);
      this.ptr = ptr;
    }
    this.rows += n;
    this.data = this.arena.f32(this.ptr, this.size);
    if (init) for (let r = this.rows - n; r < this.rows; r++) init(this.row(r), r);
  }

  /** A copy in `arena` (a new arena when none is given). */
  clone(arena?: Arena): Matrix {
    const m = Matrix.zeros(this.rows, this.cols, arena);
    m.data.set(this.data);
    return m;
  }
}
