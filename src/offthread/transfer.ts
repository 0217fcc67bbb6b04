/**
 * A learner's model and memory handed between threads. The tensors (and Adam's moments) live in
 * shared WebAssembly memory and are never copied: the receiver attaches to the same memory. The
 * vocabulary and the replay memory travel packed (pack.ts), and the main thread rebuilds a
 * vocabulary in slices of a few milliseconds, so that a large one does not pause its event loop.
 */
import type { Config } from '../config.js';
import type { Example } from '../data/example.js';
import type { RowFisher } from '../forgetting/fisher.js';
import { ReplayBuffer, type ReplayState } from '../forgetting/replay.js';
import { Arena } from '../model/arena.js';
import { TextClassifier, type ModelInfo } from '../model/classifier.js';
import { adamAt, adamRefs, paramRefs, paramsAt, type AdamRefs, type ParamRefs } from '../model/sharedParams.js';
import type { ContinualMemory } from '../update/memory.js';
import { Vocab } from '../vocab/vocab.js';
import { buffersOf, inSlices, own, packExamples, packExamplesSliced, packStrings, packStringsSliced, unpackExamples, unpackStrings, type PackedExamples, type PackedStrings } from './pack.js';

export interface PackedVocab {
  words: PackedStrings;
  wordCounts: Float64Array;
  labels: string[];
  labelCounts: number[];
}

/** A model seen from another thread: where its tensors are, and its small parts. */
export interface ModelHandle {
  memory: WebAssembly.Memory;
  params: ParamRefs;
  adam: AdamRefs | null;
  config: Config;
  vocab: PackedVocab;
  info: ModelInfo;
  source: TextClassifier['source'];
}

export function packVocab(v: Vocab): PackedVocab {
  return { words: packStrings(v.words), wordCounts: Float64Array.from(v.wordCounts), labels: [...v.labels], labelCounts: [...v.labelCounts] };
}

export function handleOf(model: TextClassifier, vocab: PackedVocab = packVocab(model.vocab)): ModelHandle {
  const p = model.params;
  return {
    memory: p.arena.memory,
    params: paramRefs(p),
    adam: model.optimizerState ? adamRefs(model.optimizerState) : null,
    config: model.config,
    vocab,
    info: model.info,
    source: model.source,
  };
}

function modelOf(h: ModelHandle, vocab: Vocab): TextClassifier {
  const arena = Arena.attach(h.memory);
  const model = new TextClassifier(h.config, vocab, paramsAt(arena, h.params), h.adam ? adamAt(arena, h.adam) : null, h.info);
  model.source = h.source;
  return model;
}

/** packVocab a slice at a time (the main thread's way). */
export async function packVocabSliced(v: Vocab): Promise<PackedVocab> {
  return { words: await packStringsSliced(v.words), wordCounts: Float64Array.from(v.wordCounts), labels: [...v.labels], labelCounts: [...v.labelCounts] };
}

/** handleOf a slice at a time (the main thread's way). */
export async function handleOfSliced(model: TextClassifier): Promise<ModelHandle> {
  return handleOf(model, await packVocabSliced(model.vocab));
}

/** The model a handle points at, at once (a worker's view: its event loop has nothing else to do). */
export function modelAt(h: ModelHandle): TextClassifier {
  const v = h.vocab;
  const vocab = new Vocab(unpackStrings(v.words), Array.from(v.wordCounts));
  v.labels.forEach((l, i) => vocab.addLabel(l, v.labelCounts[i]));
  return modelOf(h, vocab);
}

/** The model a handle points at, its vocabulary built a slice at a time (the main thread's way). */
export async function modelAtSliced(h: ModelHandle): Promise<TextClassifier> {
  const v = h.vocab;
  const words = unpackStrings(v.words);
  const vocab = new Vocab();
  await inSlices(words.length, (i) => vocab.addWord(words[i], v.wordCounts[i]));
  v.labels.forEach((l, i) => vocab.addLabel(l, v.labelCounts[i]));
  return modelOf(h, vocab);
}

/** A replay memory packed: its state without the examples, the examples, the guard, Fisher and seen rows. */
export interface PackedMemory {
  head: Omit<ReplayState, 'examples'>;
  replay: PackedExamples;
  guard: PackedExamples | null;
  fisher: RowFisher | null;
  seen: Uint8Array | null;
}

export function packMemory(m: ContinualMemory): PackedMemory {
  return { head: m.replay.head(), replay: packExamples(m.replay.examples()), guard: m.guard ? packExamples(m.guard) : null, fisher: ownFisher(m.fisher), seen: m.seen && own(m.seen) };
}

const ownFisher = (f: RowFisher | null): RowFisher | null => f && { input: own(f.input), output: own(f.output), hiddenWeight: f.hiddenWeight && own(f.hiddenWeight), hiddenBias: f.hiddenBias && own(f.hiddenBias) };

/** packMemory a slice at a time (the main thread's way). */
export async function packMemorySliced(m: ContinualMemory): Promise<PackedMemory> {
  const replay = m.replay.examples();
  const guard = m.guard;
  return {
    head: m.replay.head(),
    replay: await packExamplesSliced(replay.length, (i) => replay[i]),
    guard: guard ? await packExamplesSliced(guard.length, (i) => guard[i]) : null,
    fisher: ownFisher(m.fisher),
    seen: m.seen && own(m.seen),
  };
}

export function unpackMemory(p: PackedMemory): ContinualMemory {
  return memoryOf(p, unpackExamples(p.replay), p.guard ? unpackExamples(p.guard) : null);
}

/** A memory of these replay examples and guard (the buffer keeps copies of the examples). */
export function memoryOf(p: Pick<PackedMemory, 'head' | 'fisher' | 'seen'>, replay: Example[], guard: Example[] | null): ContinualMemory {
  return { replay: ReplayBuffer.fromState({ ...p.head, examples: replay }), fisher: p.fisher, seen: p.seen, guard: guard?.length ? guard : null };
}

/** The buffers a packed memory may hand over rather than copy (only once its sender is done with it). */
export function memoryBuffers(p: Pick<PackedMemory, 'fisher' | 'seen'> | null): ArrayBuffer[] {
  if (!p) return [];
  return buffersOf(p.fisher?.input, p.fisher?.output, p.fisher?.hiddenWeight, p.fisher?.hiddenBias, p.seen);
}
