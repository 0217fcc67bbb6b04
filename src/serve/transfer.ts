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
import { paramRefs, paramsAt, type ParamRefs } from '../model/sharedParams.js';
import { Vocab, type VocabJSON } from '../vocab/vocab.js';

export interface ModelTransfer {
  memory: WebAssembly.Memory;
  params: ParamRefs;
  config: Config;
  vocab: VocabJSON;
  info: ModelInfo;
  source: TextClassifier['source'];
}

export function toTransfer(model: TextClassifier): ModelTransfer {
  const p = model.params;
  return {
    memory: p.arena.memory,
    params: paramRefs(p),
    config: model.config,
    vocab: model.vocab.toJSON(),
    info: model.info,
    source: model.source,
  };
}

export function fromTransfer(t: ModelTransfer): TextClassifier {
  const model = new TextClassifier(t.config, Vocab.fromJSON(t.vocab), paramsAt(Arena.attach(t.memory), t.params), null, t.info);
  model.source = t.source;
  return model;
}
