/**
 * Hands a model from one thread to another without copying its tensors: they live in shared
 * WebAssembly memory, so the receiver attaches to the same memory and rebuilds the small parts
 * (config, vocabulary). Loading a large model takes the loading thread a while (reading and
 * checksumming the files); receiving it takes the server's thread only the vocabulary's size.
 * The optimizer state is left behind: a served model only predicts (updates load from disk).
 */
import type { Config } from '../config.js';
import { Arena } from '../model/arena.js';
import { TextClassifier, type ModelInfo } from '../model/classifier.js';
import { Matrix } from '../model/matrix.js';
import type { Params } from '../model/params.js';
import { Vocab, type VocabJSON } from '../vocab/vocab.js';

interface TensorRef {
  ptr: number;
  rows: number;
  cols: number;
  capacity: number;
}

export interface ModelTransfer {
  memory: WebAssembly.Memory;
  input: TensorRef;
  hidden: { weight: TensorRef; bias: TensorRef } | null;
  output: TensorRef;
  config: Config;
  vocab: VocabJSON;
  info: ModelInfo;
  source: TextClassifier['source'];
}

const ref = (m: Matrix): TensorRef => ({ ptr: m.ptr, rows: m.rows, cols: m.cols, capacity: m.capacity });

export function toTransfer(model: TextClassifier): ModelTransfer {
  const p = model.params;
  return {
    memory: p.arena.memory,
    input: ref(p.input),
    hidden: p.hidden ? { weight: ref(p.hidden.weight), bias: ref(p.hidden.bias) } : null,
    output: ref(p.output),
    config: model.config,
    vocab: model.vocab.toJSON(),
    info: model.info,
    source: model.source,
  };
}

export function fromTransfer(t: ModelTransfer): TextClassifier {
  const arena = Arena.attach(t.memory);
  const matrix = (r: TensorRef) => new Matrix(arena, r.ptr, r.rows, r.cols, r.capacity);
  const params: Params = { arena, input: matrix(t.input), hidden: t.hidden ? { weight: matrix(t.hidden.weight), bias: matrix(t.hidden.bias) } : null, output: matrix(t.output) };
  const model = new TextClassifier(t.config, Vocab.fromJSON(t.vocab), params, null, t.info);
  model.source = t.source;
  return model;
}
