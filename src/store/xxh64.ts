/**
 * XXH64 (xxHash, 64-bit), the integrity checksum of model files: several times faster than
 * SHA-256, and as good at catching corruption, truncation or a flipped byte (it is not meant to
 * resist deliberate tampering). The hashing runs in the wasm kernels (wasm/kernels.ts) with its
 * state in arena memory, so tensors are hashed in place, without a copy.
 */
import { Arena } from '../model/arena.js';

/** The kernel's state takes 88 bytes; rounded up so the scratch buffer after it is 16-byte aligned. */
const STATE_BYTES = 96;
/** Bytes outside the arena (headers, plain Float32Arrays) are copied through a buffer of this size. */
const SCRATCH_BYTES = 1 << 15;
const BLOCK_BYTES = STATE_BYTES + SCRATCH_BYTES;

let defaultArena: Arena | null = null;

/** A small arena of this thread's own, for hashing bytes that live outside any arena. */
function scratchArena(): Arena {
  defaultArena ??= Arena.create(BLOCK_BYTES);
  return defaultArena;
}

/**
 * A streaming XXH64 hasher. Its state and a small scratch buffer are allocated from `arena`;
 * call dispose() when done, which gives them back when nothing was allocated after them.
 */
export class Xxh64 {
  readonly arena: Arena;
  private readonly state: number;
  private readonly scratch: Uint8Array;
  private disposed = false;

  constructor(arena: Arena = scratchArena(), seed = 0n) {
    this.arena = arena;
    this.state = arena.alloc(BLOCK_BYTES);
    // Shared memory never detaches its views, so this one stays valid when the arena grows.
    this.scratch = new Uint8Array(arena.memory.buffer, this.state + STATE_BYTES, SCRATCH_BYTES);
    arena.kernels.xxh64Init(this.state, BigInt.asUintN(64, seed));
  }

  /** Adds the `len` bytes at address `ptr` of the arena, in place. */
  update(ptr: number, len: number): void {
    this.check();
    if (!Number.isInteger(ptr) || !Number.isInteger(len) || ptr < 0 || len < 0 || ptr + len > this.arena.memory.buffer.byteLength) {
      throw new RangeError(`Xxh64.update: bytes [${ptr}, ${ptr + len}) are outside the arena`);
    }
    if (len > 0) this.arena.kernels.xxh64Update(this.state, ptr, len);
  }

  /** Adds bytes that are not in the arena, copying them through the scratch buffer. */
  updateBytes(b: Uint8Array): void {
    this.check();
    for (let at = 0; at < b.length; at += SCRATCH_BYTES) {
      const n = Math.min(SCRATCH_BYTES, b.length - at);
      this.scratch.set(b.subarray(at, at + n));
      this.arena.kernels.xxh64Update(this.state, this.state + STATE_BYTES, n);
    }
  }

  /** The hash of everything added so far, as 16 hex digits (more may be added after). */
  digest(): string {
    this.check();
    return BigInt.asUintN(64, this.arena.kernels.xxh64Digest(this.state)).toString(16).padStart(16, '0');
  }

  /** Zeroes the state and scratch and hands them back to the arena if they are still its last block. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.arena.free(this.state, BLOCK_BYTES);
  }

  private check(): void {
    if (this.disposed) throw new Error('Xxh64 used after dispose()');
  }
}

/** The XXH64 (seed 0) of `data`, as 16 hex digits. */
export function xxh64Hex(data: Uint8Array): string {
  const h = new Xxh64();
  try {
    h.updateBytes(data);
    return h.digest();
  } finally {
    h.dispose();
  }
}
