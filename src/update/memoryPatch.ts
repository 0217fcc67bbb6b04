/**
 * A memory as the parts its files hold (the replay state, the guard, memory.safetensors' tensors),
 * and a patch's changes to those parts, forward or back: what loading a base with patches does to
 * the files' parts, and what the server's update worker does to the memory it keeps between jobs
 * when the active version moves by patches (a rollback, another replica's update).
 */
import { join } from 'node:path';
import type { Example } from '../data/example.js';
import { ModelFileError } from '../errors.js';
import type { RowFisher } from '../forgetting/fisher.js';
import { ReplayBuffer, type ReplayState } from '../forgetting/replay.js';
import { applyRowChain, applyRows, revertRows, type Patch, type RowChanges } from '../store/patch.js';
import { applyList, type ListPatch } from '../util/listPatch.js';
import type { ContinualMemory } from './memory.js';

export const REPLAY_FILE = 'replay.json';
export const GUARD_FILE = 'guard.json';
export const TENSOR_FILE = 'memory.safetensors';
/** Marks the Fisher tensors of memory.safetensors as an earlier version's (1) or this one's (0; absent = 0). */
export const STALE = 'fisher.stale';
/** The seen record's tensor in memory.safetensors: 1 for each input row training data touched, as F32. */
export const SEEN = 'seen.input';

/** A memory as its files hold it. */
export interface MemoryParts {
  state: ReplayState;
  guard: Example[] | null;
  /** memory.safetensors' tensors by name. */
  tensors: Map<string, Float32Array>;
}

/**
 * The tensors memory.safetensors holds: the Fisher information (when known) and the seen rows (when
 * known). For a patch (`as` 'patch'), a stale Fisher estimate too, kept as it is and marked stale.
 */
export function memoryTensors(memory: ContinualMemory, as: 'whole' | 'patch' = 'patch', withSeen = true): [string, Float32Array][] {
  const list: [string, Float32Array][] = [];
  const f = memory.fisher ?? (as === 'patch' ? memory.staleFisher : null);
  if (f) {
    list.push(['fisher.input', f.input], ['fisher.output', f.output]);
    if (f.hiddenWeight && f.hiddenBias) list.push(['fisher.hidden.weight', f.hiddenWeight], ['fisher.hidden.bias', f.hiddenBias]);
    if (as === 'patch' && (memory.fisher === null || memory.staleFisher)) list.push([STALE, Float32Array.of(memory.fisher ? 0 : 1)]);
  }
  if (memory.seen && withSeen) list.push([SEEN, Float32Array.from(memory.seen)]);
  return list;
}

/** The Fisher estimate among memory.safetensors' tensors, or null. */
export function fisherIn(t: Map<string, Float32Array>): RowFisher | null {
  const input = t.get('fisher.input');
  const output = t.get('fisher.output');
  return input && output ? { input, output, hiddenWeight: t.get('fisher.hidden.weight') ?? null, hiddenBias: t.get('fisher.hidden.bias') ?? null } : null;
}

/** The parts of a memory in use, as a base with patches would load them (the lists are the memory's own objects). */
export function partsOf(memory: ContinualMemory): MemoryParts {
  return { state: { ...memory.replay.head(), examples: memory.replay.examples() }, guard: memory.guard ?? null, tensors: new Map(memoryTensors(memory)) };
}

/** The parts after `patch` (`forward`) or before it (`back`, the parts being the patch's child). `where`: the patch file, for errors. */
export function patchParts(parts: MemoryParts, patch: Patch, where: string, way: 'forward' | 'back'): MemoryParts {
  let { state, guard } = parts;
  const tensors = new Map(parts.tensors);
  try {
    for (const c of patch.head.json ?? []) {
      const list = (way === 'forward' ? c.forward : c.back) as ListPatch<Example>;
      if (c.name === REPLAY_FILE) state = { ...((way === 'forward' ? c.head!.after : c.head!.before) as Omit<ReplayState, 'examples'>), examples: applyList(state.examples, list) };
      else if (c.name === GUARD_FILE) guard = applyList(guard ?? [], list);
    }
  } catch (cause) {
    throw new ModelFileError(where, `its memory changes do not apply: ${(cause as Error).message}`, { cause });
  }
  for (const r of patch.rows) {
    if (!r.name.startsWith(`${TENSOR_FILE}:`)) continue;
    const name = r.name.slice(TENSOR_FILE.length + 1);
    const now = tensors.get(name) ?? new Float32Array(0);
    const moved = way === 'forward' ? applyRows(now, r, where) : revertRows(now, r, where);
    // A tensor the patch started (none before it) is gone again when it is reverted.
    if (moved.length === 0 && way === 'back') tensors.delete(name);
    else tensors.set(name, moved);
  }
  return { state, guard, tensors };
}

/**
 * The parts after a chain of patches, in order, as loading a base with patches does. Each tensor's
 * rows of every patch are applied at once (applyRowChain): one copy of a 2M-row memory tensor for
 * the chain, not one per patch.
 */
export function applyPatchChain(parts: MemoryParts, chain: readonly { patch: Patch; where: string }[]): MemoryParts {
  let { state, guard } = parts;
  const rows = new Map<string, { rows: RowChanges; where: string }[]>();
  for (const { patch, where } of chain) {
    ({ state, guard } = patchParts({ state, guard, tensors: new Map() }, { ...patch, rows: [] }, where, 'forward'));
    for (const r of patch.rows) {
      if (!r.name.startsWith(`${TENSOR_FILE}:`)) continue;
      const name = r.name.slice(TENSOR_FILE.length + 1);
      rows.set(name, [...(rows.get(name) ?? []), { rows: r, where }]);
    }
  }
  const tensors = new Map(parts.tensors);
  for (const [name, list] of rows) tensors.set(name, applyRowChain(tensors.get(name) ?? new Float32Array(0), list));
  return { state, guard, tensors };
}

/** The memory of `parts`. `dir`: where they were read, for errors. */
export function memoryFromParts(parts: MemoryParts, dir: string): ContinualMemory {
  const t = parts.tensors;
  const fisher = fisherIn(t);
  const stale = t.get(STALE)?.[0] === 1;
  const seenF = t.get(SEEN);
  let replay: ReplayBuffer;
  try {
    replay = ReplayBuffer.fromState(parts.state);
  } catch (cause) {
    throw new ModelFileError(join(dir, REPLAY_FILE), (cause as Error).message, { cause });
  }
  const guard = parts.guard;
  return { replay, fisher: stale ? null : fisher, staleFisher: stale ? fisher : null, seen: seenF ? Uint8Array.from(seenF) : null, guard: guard?.length ? guard : null };
}

/** Float32 bit patterns of byte values, as diffSeen needs them. */
const f32 = new Float32Array(1);
const f32Bits = new Int32Array(f32.buffer);
const bitsOfByte = (b: number) => ((f32[0] = b), f32Bits[0]);

/**
 * diffRows of the seen record (`name`), from its bytes: the RowChanges diffRows gives for the same
 * values as float32 (rows of one value; a changed row's delta the XOR of its bit patterns, a grown
 * row's its bit patterns), without turning 2M bytes into 8 MB of floats twice per save. The bytes
 * are compared four at a time (500,000 int compares for the 2M-row record: a few ms, where
 * Buffer.compare of blocks paid a native call per block, 38 ms for blocks of 256 bytes).
 */
export function diffSeen(name: string, before: Uint8Array, after: Uint8Array): RowChanges | null {
  const rowsBefore = before.length;
  const rowsAfter = after.length;
  if (rowsAfter < rowsBefore) throw new Error(`a patch of ${name}: it lost rows (${rowsBefore} -> ${rowsAfter})`);
  const changed: number[] = [];
  let row = 0;
  if (before.byteOffset % 4 === 0 && after.byteOffset % 4 === 0) {
    const words = rowsBefore >>> 2;
    const was = new Int32Array(before.buffer, before.byteOffset, words);
    const now = new Int32Array(after.buffer, after.byteOffset, words);
    for (let w = 0; w < words; w++) {
      if (was[w] === now[w]) continue;
      for (let r = 4 * w; r < 4 * w + 4; r++) if (before[r] !== after[r]) changed.push(r);
    }
    row = 4 * words;
  }
  for (; row < rowsBefore; row++) if (before[row] !== after[row]) changed.push(row);
  const grown = rowsAfter - rowsBefore;
  if (changed.length === 0 && grown === 0) return null;
  const ids = new Int32Array(changed.length + grown);
  const delta = new Int32Array(ids.length);
  changed.forEach((r, i) => {
    ids[i] = r;
    delta[i] = bitsOfByte(after[r]) ^ bitsOfByte(before[r]);
  });
  for (let g = 0; g < grown; g++) {
    const i = changed.length + g;
    ids[i] = rowsBefore + g;
    delta[i] = bitsOfByte(after[ids[i]]);
  }
  return { name, cols: 1, rowsBefore, rowsAfter, ids, delta };
}
