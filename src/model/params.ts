/**
 * The parameter tensors of a text classifier: embedding bag -> optional hidden layer (ReLU) ->
 * output layer. Shapes: input [inputRows, dim], hidden.weight [hidden, dim], hidden.bias [1, hidden],
 * output [labels, hidden || dim]. All live in one Arena; the input matrix is allocated last so that
 * new word rows extend it in place.
 */
import { Arena } from './arena.js';
import { Matrix } from './matrix.js';
import type { Rng } from '../util/rng.js';

export interface HiddenLayer {
  readonly weight: Matrix;
  readonly bias: Matrix;
}

export interface Params {
  readonly arena: Arena;
  readonly input: Matrix;
  readonly hidden: HiddenLayer | null;
  readonly output: Matrix;
}

/** Names of the tensors, as stored in weights.safetensors. */
export type TensorName = 'input' | 'hidden.weight' | 'hidden.bias' | 'output';

export function tensors(p: Params): [TensorName, Matrix][] {
  const list: [TensorName, Matrix][] = [['input', p.input]];
  if (p.hidden) list.push(['hidden.weight', p.hidden.weight], ['hidden.bias', p.hidden.bias]);
  list.push(['output', p.output]);
  return list;
}

export interface ParamShape {
  inputRows: number;
  dim: number;
  hidden: number;
  labels: number;
}

/** Room kept for new labels and new words, so growth during updates needs no copy. */
const SPARE_LABELS = 64;
function spareWords(inputRows: number): number {
  return Math.min(1 << 18, Math.max(4096, Math.ceil(inputRows / 16)));
}

function bytesOf(s: ParamShape): number {
  const width = s.hidden > 0 ? s.hidden : s.dim;
  return 4 * ((s.inputRows + spareWords(s.inputRows)) * s.dim + s.hidden * (s.dim + 1) + (s.labels + SPARE_LABELS) * width) + 4096;
}

/**
 * Fresh parameters: input rows uniform in [-1/dim, 1/dim] and a zero output layer (fastText's
 * choice), Glorot-uniform hidden weights.
 */
export function initParams(shape: ParamShape, rng: Rng): Params {
  const { inputRows, dim, hidden, labels } = shape;
  const arena = Arena.create(bytesOf(shape));
  let hiddenLayer: HiddenLayer | null = null;
  if (hidden > 0) {
    const limit = Math.sqrt(6 / (dim + hidden));
    hiddenLayer = { weight: Matrix.uniform(hidden, dim, limit, rng, arena), bias: Matrix.zeros(1, hidden, arena) };
    // A small positive bias keeps ReLUs alive through the first, largest SGD steps.
    hiddenLayer.bias.data.fill(0.1);
  }
  // fastText's zero output layer suits the linear model; behind a hidden layer, zero rows are all
  // alike and the hidden units learn in lockstep, so start from small random (Glorot) rows.
  const output =
    hidden > 0 ? Matrix.uniform(labels, hidden, Math.sqrt(6 / (hidden + labels)), rng, arena, SPARE_LABELS) : Matrix.zeros(labels, dim, arena, SPARE_LABELS);
  const input = Matrix.uniform(inputRows, dim, 1 / dim, rng, arena, spareWords(inputRows));
  return { arena, input, hidden: hiddenLayer, output };
}

/** Parameters of the given shapes, zero-filled, in a new arena (for loading from a file). */
export function zeroParams(shape: ParamShape): Params {
  const arena = Arena.create(bytesOf(shape));
  const width = shape.hidden > 0 ? shape.hidden : shape.dim;
  const hidden = shape.hidden > 0 ? { weight: Matrix.zeros(shape.hidden, shape.dim, arena), bias: Matrix.zeros(1, shape.hidden, arena) } : null;
  const output = Matrix.zeros(shape.labels, width, arena, SPARE_LABELS);
  const input = Matrix.zeros(shape.inputRows, shape.dim, arena, spareWords(shape.inputRows));
  return { arena, input, hidden, output };
}

export function shapeOf(p: Params): ParamShape {
  return { inputRows: p.input.rows, dim: p.input.cols, hidden: p.hidden?.weight.rows ?? 0, labels: p.output.rows };
}

/** A deep copy in a new arena. */
export function cloneParams(p: Params): Params {
  const copy = zeroParams(shapeOf(p));
  const targets = tensors(copy);
  tensors(p).forEach(([, m], i) => targets[i][1].data.set(m.data));
  return copy;
}
