/**
 * Parameters handed to another thread without a copy: the tensors live in shared WebAssembly
 * memory, so a thread gets where each one sits and rebuilds Matrix views on the same memory.
 * Training workers, forward workers and the server's model hand-over all go through here.
 */
import type { Arena } from './arena.js';
import { Matrix } from './matrix.js';
import type { AdamState } from '../optim/adam.js';
import type { Params } from './params.js';

/** Where a tensor sits in its arena (rows reserved at ptr: `capacity`). */
export interface TensorRef {
  ptr: number;
  rows: number;
  cols: number;
  capacity: number;
}

/** Where every tensor of a Params sits. */
export interface ParamRefs {
  input: TensorRef;
  hidden: { weight: TensorRef; bias: TensorRef } | null;
  output: TensorRef;
}

export const tensorRef = (m: Matrix): TensorRef => ({ ptr: m.ptr, rows: m.rows, cols: m.cols, capacity: m.capacity });

/** A view of the tensor `t` points at, through `arena` (attached to the same memory). */
export const matrixAt = (arena: Arena, t: TensorRef): Matrix => new Matrix(arena, t.ptr, t.rows, t.cols, t.capacity);

export function paramRefs(p: Params): ParamRefs {
  return { input: tensorRef(p.input), hidden: p.hidden ? { weight: tensorRef(p.hidden.weight), bias: tensorRef(p.hidden.bias) } : null, output: tensorRef(p.output) };
}

/** The parameters `refs` point at, seen through `arena`. */
export function paramsAt(arena: Arena, refs: ParamRefs): Params {
  const at = (t: TensorRef) => matrixAt(arena, t);
  return { arena, input: at(refs.input), hidden: refs.hidden ? { weight: at(refs.hidden.weight), bias: at(refs.hidden.bias) } : null, output: at(refs.output) };
}

/** Where Adam's moments sit (null slots: tensors without moments), with its step count. */
export interface AdamRefs {
  step: number;
  first: (TensorRef | null)[];
  second: (TensorRef | null)[];
}

const refOrNull = (m: Matrix | null) => (m ? tensorRef(m) : null);

export function adamRefs(adam: AdamState): AdamRefs {
  return { step: adam.step, first: adam.first.map(refOrNull), second: adam.second.map(refOrNull) };
}

/** The Adam state `refs` point at, seen through `arena`. */
export function adamAt(arena: Arena, refs: AdamRefs): AdamState {
  const at = (t: TensorRef | null) => (t ? matrixAt(arena, t) : null);
  return { step: refs.step, first: refs.first.map(at), second: refs.second.map(at) };
}
