/**
 * An arena of WebAssembly memory that holds a model's tensors and scratch buffers, so the SIMD
 * kernels (wasm/kernels.ts) work on them in place. Memory is shared: training workers post it to
 * each other and update it Hogwild-style, and growing it never detaches existing views.
 * Allocation is a bump pointer (kept in the memory itself, so workers can allocate too); an
 * arena is freed as a whole when its model is garbage-collected.
 */
import { readFileSync } from 'node:fs';
import { AccreteError } from '../errors.js';

export interface Kernels {
  axpy(dst: number, src: number, n: number, a: number): void;
  dot(a: number, b: number, n: number): number;
  embedMean(m: number, dim: number, ids: number, n: number, out: number): void;
  scale(v: number, n: number, a: number): void;
  matVec(m: number, rows: number, cols: number, x: number, out: number): void;
  outputBackwardSgd(m: number, rows: number, cols: number, coef: number, x: number, grad: number, lr: number): void;
  scatterAdd(m: number, dim: number, ids: number, n: number, v: number, a: number): void;
  adamRow(w: number, m1: number, m2: number, v: number, n: number, c: number, rate: number, beta1: number, beta2: number, eps: number): void;
  /** The undo journal's row copies and comparison (see src/update/journal.ts). */
  gatherRows(m: number, cols: number, rows: number, n: number, dst: number): void;
  scatterRows(src: number, cols: number, rows: number, n: number, m: number): void;
  inspectRows(m: number, cols: number, rows: number, n: number, originals: number, limit: number, out: number): void;
  /** XXH64 streaming hasher over an 88-byte state at `state` (see src/store/xxh64.ts). */
  xxh64Init(state: number, seed: bigint): void;
  xxh64Update(state: number, data: number, len: number): void;
  xxh64Digest(state: number): bigint;
}

const PAGE = 65536;
const MAX_PAGES = 65536;
/** The first page belongs to the wasm module; the allocation pointer lives at TOP_ADDRESS in 16-byte units. */
const TOP_ADDRESS = 1024;
const FIRST_FREE = PAGE;

let compiled: WebAssembly.Module | null = null;

/** The compiled kernel module (compiled once per thread). */
export function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(new URL('../wasm/kernels.wasm', import.meta.url)));
  return compiled;
}

export class Arena {
  readonly kernels: Kernels;
  private readonly top: Int32Array;

  private constructor(readonly memory: WebAssembly.Memory) {
    this.kernels = new WebAssembly.Instance(kernelModule(), { env: { memory } }).exports as unknown as Kernels;
    this.top = new Int32Array(memory.buffer, TOP_ADDRESS, 1);
  }

  /** A new arena with room for about `bytes` bytes before it has to grow. */
  static create(bytes = 0): Arena {
    const initial = Math.min(MAX_PAGES, Math.ceil((FIRST_FREE + bytes) / PAGE) + 1);
    const arena = new Arena(new WebAssembly.Memory({ initial, maximum: MAX_PAGES, shared: true }));
    Atomics.store(arena.top, 0, FIRST_FREE / 16);
    return arena;
  }

  /** The same arena seen from another thread. */
  static attach(memory: WebAssembly.Memory): Arena {
    return new Arena(memory);
  }

  /** Bytes in use. */
  get used(): number {
    return Atomics.load(this.top, 0) * 16;
  }

  /** Reserves `bytes` bytes (16-byte aligned, zero-filled) and returns their address. */
  alloc(bytes: number): number {
    const units = Math.ceil(bytes / 16);
    const start = (Atomics.add(this.top, 0, units) >>> 0) * 16;
    this.ensure(start + units * 16);
    return start;
  }

  /**
   * Extends the block at `ptr` of `oldBytes` to `newBytes` in place when it is the last block;
   * returns false otherwise.
   */
  extend(ptr: number, oldBytes: number, newBytes: number): boolean {
    const oldEnd = Math.ceil((ptr + oldBytes) / 16);
    const newEnd = Math.ceil((ptr + newBytes) / 16);
    if (Atomics.compareExchange(this.top, 0, oldEnd, newEnd) !== oldEnd) return false;
    this.ensure(newEnd * 16);
    return true;
  }

  /**
   * Gives back a block from alloc() that is no longer used: it is zeroed (blocks are handed out
   * zeroed), and its room is reused when it is still the last block (scratch freed in reverse order).
   */
  free(ptr: number, bytes: number): void {
    new Uint8Array(this.memory.buffer, ptr, bytes).fill(0);
    this.extend(ptr, bytes, 0);
  }

  /** Blocks made for lending (see lend), given back and free to lend again; their bytes in all. */
  private readonly returned: { ptr: number; bytes: number }[] = [];
  private readonly lent = new Map<number, number>();
  private lendable = 0;

  /**
   * A block of at least `bytes` (contents unspecified) for scratch that outlives a call (an
   * update's undo journal), so that kernels work on it; null when making it would take the blocks
   * made for lending beyond half the rest of the arena (the caller then uses memory of its own).
   * An arena never frees, and wasm memory never shrinks: a block given back stays resident and is
   * lent again, to the next update (class-incremental WordNet: 2 blocks, 231 MB, served 4 updates
   * of an 800 MB model).
   */
  lend(bytes: number): number | null {
    let best = -1;
    for (let i = 0; i < this.returned.length; i++) if (this.returned[i].bytes >= bytes && (best < 0 || this.returned[i].bytes < this.returned[best].bytes)) best = i;
    if (best < 0 && this.lendable + bytes > (this.used - this.lendable) / 2) return null;
    const block = best >= 0 ? this.returned.splice(best, 1)[0] : { ptr: this.alloc(bytes), bytes };
    if (best < 0) this.lendable += bytes;
    this.lent.set(block.ptr, block.bytes);
    return block.ptr;
  }

  /** Takes back a block from lend(). */
  giveBack(ptr: number): void {
    const bytes = this.lent.get(ptr);
    if (bytes === undefined) throw new Error(`arena: block ${ptr} was not lent`);
    this.lent.delete(ptr);
    this.returned.push({ ptr, bytes });
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) {
      throw new AccreteError('BAD_CONFIG', `the model needs more than 4 GiB of memory (${(end / 2 ** 30).toFixed(1)} GiB); lower --bucket or --dim`);
    }
    // Grow by at least an eighth to keep the number of grows small.
    this.memory.grow(Math.min(MAX_PAGES - have / PAGE, Math.max(pages, Math.ceil(have / PAGE / 8))));
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }
}
