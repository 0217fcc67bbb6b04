/**
 * What a model remembers for later updates, saved inside its directory: a class-balanced replay
 * buffer of past examples (replay.json), the per-row Fisher information on them and the input rows
 * its training data touched (memory.safetensors).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toExamples, type Example, type ExampleInput } from '../data/example.js';
import { ModelFileError } from '../errors.js';
import { featurizeTable, featurizeTexts, type FeaturizedData } from '../features/dataset.js';
import { TokenTable } from '../features/tokenTable.js';
import { computeFisher, type RowFisher } from '../forgetting/fisher.js';
import { ReplayBuffer, type ReplayState } from '../forgetting/replay.js';
import type { TextClassifier } from '../model/classifier.js';
import { beginLoad, loadModel, readExtraFile, readModelJson, saveModel, savePatch, type ExtraFile, type ModelJson, type SaveOptions } from '../store/modelFiles.js';
import { PATCH_DIR, readManifest, readPatches, stateOf, type PatchRef } from '../store/manifest.js';
import { diffRows, renumbered, type ExtraChanges, type JsonChange, type ModelBefore, type RowChanges } from '../store/patch.js';
import { addedCount, diffList } from '../util/listPatch.js';
import { readWhileSwapping, readWhileSwappingAsync } from '../store/swapRetry.js';
import { asciiJson, writeJsonWithArray } from '../util/jsonFile.js';
import { evenlySpaced } from '../util/sample.js';
import { MAX_GUARD } from './guard.js';
import { f32TensorsOf, writeSafetensors, type TensorLike } from '../store/safetensors.js';
import { applyPatchChain, diffSeen, fisherIn, GUARD_FILE, memoryFromParts, memoryTensors, REPLAY_FILE, SEEN, TENSOR_FILE, type MemoryParts } from './memoryPatch.js';

export interface ContinualMemory {
  replay: ReplayBuffer;
  fisher: RowFisher | null;
  /** 1 for each input row that training data has touched; null when unknown. */
  seen: Uint8Array | null;
  /** Held-out examples of what the model knew (from --valid at training time): the default guard. */
  guard?: Example[] | null;
  /**
   * The Fisher estimate of an earlier version, kept in the files of a base with patches so that a
   * patch need not rewrite it (marked stale there, `fisher.stale`); never used: update() estimates
   * the Fisher again when it needs one (EWC, the low-fisher selection). Absent from whole saves.
   */
  staleFisher?: RowFisher | null;
}

/**
 * Default replay capacity. What an update keeps of the old labels depends on how many different
 * old examples it can replay, far more than on how often it replays them: on class-incremental
 * WordNet (200k buckets, replay ratio 0.2, weight aligning) ACC was 60.5 with 2,000, 70.1 with
 * 20,000, 71.4 with 50,000 and 71.7 with every example (94k); replaying 2,000 examples five times
 * as often made it worse (45.7). (Those memories gave each label an equal share, so 50,000 and
 * "every example" held 35,000 and 55,000; kept full as replay.ts does now, with the default update
 * options, 50,000 gives 73.9 at 2M buckets, retrain 75.1.) 50,000 short texts are a few MB beside
 * the weights.
 */
export const DEFAULT_REPLAY = 50_000;

/** The tokens of `examples` as `model` cuts them, interned (4 bytes a token). */
export function tokenTableOf(model: TextClassifier, examples: readonly Example[]): TokenTable {
  const table = new TokenTable();
  for (const e of examples) table.addExample(model.tokenize(e.text));
  return table;
}

/** Featurises examples for `model` (through a token table). */
export function featurize(model: TextClassifier, examples: readonly Example[]): FeaturizedData {
  return featurizeTable(tokenTableOf(model, examples), examples, model.featurizer);
}

/**
 * Examples a Fisher estimate looks at, at most: evenly spaced over the list (a replay memory lists
 * its examples label by label, so every label keeps its share). It costs about 0.1 ms per e-mail.
 */
export const FISHER_SAMPLE = 2000;

/** Per-row Fisher information of `model` on `examples` (on FISHER_SAMPLE of them when there are more). */
export function estimateFisher(model: TextClassifier, examples: readonly Example[]): RowFisher {
  // Straight from the texts: a token table would tokenize them all again in JavaScript (it was
  // three quarters of the estimate for 2,000 SpamAssassin e-mails).
  const sample = evenlySpaced(examples, FISHER_SAMPLE);
  return computeFisher(model.params, model.config, featurizeTexts(sample, model.featurizer, model.config, { many: true }));
}

/** Marks the input rows `data` touches in `seen` (grown to the model's rows). */
export function markSeen(seen: Uint8Array | null, rows: number, data: FeaturizedData): Uint8Array {
  let out = seen ?? new Uint8Array(rows);
  if (out.length < rows) {
    const bigger = new Uint8Array(rows);
    bigger.set(out);
    out = bigger;
  }
  for (let k = 0; k < data.rows.length; k++) out[data.rows[k]] = 1;
  return out;
}

/**
 * The memory an accepted update is saved with: the model's own, or one started from the update's
 * examples when it had none (and `replay`, the capacity, is not 0). Null when there is none to keep.
 * The Fisher estimate went stale with the update and is not estimated again here: the next update
 * that needs one (EWC, the low-fisher selection) estimates it from the same model and replay memory
 * at its start, the same values, and the default update needs none. Estimating it here cost about
 * 0.5 s and a patch of every row the replay memory touches (360,000 Fisher rows on SpamAssassin at
 * 2M buckets) at every accepted update.
 */
export function memoryAfterUpdate(model: TextClassifier, memory: ContinualMemory | null, examples: readonly Example[], options: { replay?: number; seed?: number }): ContinualMemory | null {
  const capacity = options.replay ?? DEFAULT_REPLAY;
  return memory ?? (capacity > 0 ? buildMemory(model, examples, { capacity, seed: options.seed ?? model.config.seed }) : null);
}

/** Options of buildMemory: replay capacity, seed, the input rows training saw, guard examples. */
export interface BuildMemoryOptions {
  capacity?: number;
  seed?: number;
  seen?: Uint8Array | null;
  guard?: readonly ExampleInput[] | null;
}

/** The memory (replay, Fisher, seen rows, guard) of a freshly trained model, for update(). */
export function buildMemory(model: TextClassifier, input: readonly ExampleInput[], options: BuildMemoryOptions = {}): ContinualMemory {
  const examples = toExamples(input, 'buildMemory: examples');
  const given = options.guard == null ? [] : toExamples(options.guard, 'buildMemory: options.guard');
  const replay = new ReplayBuffer(options.capacity ?? DEFAULT_REPLAY, options.seed ?? model.config.seed);
  replay.addAll(examples);
  const fisher = replay.size > 0 ? estimateFisher(model, replay.examples()) : null;
  const guard = given.length ? evenlySpaced(given, MAX_GUARD) : null;
  return { replay, fisher, seen: options.seen ?? null, guard };
}

const vector = (data: Float32Array): TensorLike => ({ rows: data.length, cols: 1, data });

function memoryFiles(memory: ContinualMemory): ExtraFile[] {
  const guard = memory.guard;
  return [
    ...(guard?.length ? [{ name: GUARD_FILE, write: (path: string) => writeFileSync(path, asciiJson(guard)) }] : []),
    {
      name: REPLAY_FILE,
      write: (path) => {
        const { examples, ...head } = memory.replay.toState();
        writeJsonWithArray(path, head, 'examples', examples);
      },
    },
    {
      name: TENSOR_FILE,
      write: (path) => writeSafetensors(path, memoryTensors(memory, 'whole').map(([name, data]): [string, TensorLike] => [name, vector(data)])),
    },
  ];
}

/** What a memory was before an update changed it: enough to save the update as a patch (saveLearnerPatch). */
export interface MemoryBefore {
  replayHead: Omit<ReplayState, 'examples'>;
  /** The replay memory's example objects (not copies: an update adds and drops examples, it never changes one). */
  replay: Example[];
  guard: Example[] | null;
  /** memory.safetensors' tensors but the seen record; the Fisher tensors themselves, not copies (nothing changes them in place). */
  tensors: Map<string, Float32Array>;
  /** The seen record, a copy of its bytes (diffed as bytes, not as the 2M floats the file holds). */
  seen?: Uint8Array | null;
}

/** What `memory` is now, taken before an update (update() changes the memory in place). */
export function memoryBefore(memory: ContinualMemory): MemoryBefore {
  // The Fisher tensors are kept as they are, not copied (2M rows each): nothing changes a Fisher
  // estimate in place (an update drops it, or estimates a new one in new arrays), and the stale
  // marker is made anew by every memoryTensors call. The seen record, which the update marks in
  // place, is copied as its bytes, and diffed as bytes (diffSeen).
  const tensors = new Map(memoryTensors(memory, 'patch', false));
  return { replayHead: memory.replay.head(), replay: memory.replay.examples(), guard: memory.guard ? [...memory.guard] : null, tensors, seen: memory.seen?.slice() ?? null };
}

/** A list file's change both ways (null when unchanged); items are matched by identity. */
function listChange(name: string, key: string | null, before: readonly unknown[], after: readonly unknown[], head: JsonChange['head']): JsonChange | null {
  const forward = diffList(before, after);
  const same = before.length === after.length && addedCount(forward) === 0 && forward.steps.length <= 1;
  if (same && (head === null || JSON.stringify(head.before) === JSON.stringify(head.after))) return null;
  return { name, key, head, forward, back: diffList(after, before) };
}

/**
 * What an update changed in `memory` since `before`, as patch parts: the replay memory's examples
 * and the guard as list changes, the Fisher and seen rows as row changes. Null when the change
 * cannot be a patch (a tensor dropped or shrunk): then the model is saved whole.
 */
export function memoryChanges(before: MemoryBefore, memory: ContinualMemory): ExtraChanges | null {
  const json: JsonChange[] = [];
  const replay = listChange(REPLAY_FILE, 'examples', before.replay, memory.replay.examples(), { before: before.replayHead, after: memory.replay.head() });
  if (replay) json.push(replay);
  const guard = listChange(GUARD_FILE, null, before.guard ?? [], memory.guard ?? [], null);
  if (guard) json.push(guard);
  // A MemoryBefore made before the seen record was kept apart lists it among its tensors.
  const seenBefore = before.seen !== undefined ? before.seen : before.tensors.has(SEEN) ? Uint8Array.from(before.tensors.get(SEEN)!) : null;
  const after = new Map(memoryTensors(memory, 'patch', false));
  for (const [name, values] of before.tensors) {
    if (name === SEEN) continue;
    const now = after.get(name);
    if (!now || now.length < values.length) return null;
  }
  if (seenBefore && (!memory.seen || memory.seen.length < seenBefore.length)) return null;
  const rows: RowChanges[] = [];
  for (const [name, values] of after) {
    const r = diffRows(`${TENSOR_FILE}:${name}`, 1, before.tensors.get(name) ?? new Float32Array(0), values);
    if (r) rows.push(r);
  }
  // Last, where memoryTensors lists it: the same patch as a diff of the record as floats.
  if (memory.seen) {
    const r = diffSeen(`${TENSOR_FILE}:${SEEN}`, seenBefore ?? new Uint8Array(0), memory.seen);
    if (r) rows.push(r);
  }
  return { json, rows };
}

/**
 * Saves an accepted update of the model loaded from `dir` as a patch of it (patch.ts): the rows,
 * words and labels it changed and what it changed of the memory, never the base. Returns null
 * (nothing written) when the change cannot be a patch (no memory before or after, or a grown
 * n-gram table, which renumbers the rows): the caller saves the learner whole.
 */
export function saveLearnerPatch(model: TextClassifier, memory: ContinualMemory | null, parent: ModelBefore, before: MemoryBefore | null, dir: string): PatchRef | null {
  if ((memory === null) !== (before === null) || renumbered(model, parent)) return null;
  // The update dropped its Fisher estimate (stale): the files keep it, marked stale, rather than a patch rewriting it.
  if (memory && before && memory.fisher === null && !memory.staleFisher) memory.staleFisher = fisherIn(before.tensors);
  const extras = memory && before ? memoryChanges(before, memory) : { json: [], rows: [] };
  if (extras === null) return null;
  return savePatch(model, parent, dir, extras);
}

/** Saves a model with its memory (atomically, like saveModel; `options.beforeSwap` fences the swap). */
export function saveLearner(model: TextClassifier, memory: ContinualMemory | null, dir: string, options: SaveOptions = {}): void {
  saveModel(model, dir, memory ? memoryFiles(memory) : [], options);
}

function readTensors(dir: string, json: ModelJson): Map<string, Float32Array> {
  // Read and verified once, then parsed from the same bytes (not read and hashed again).
  const bytes = readExtraFile(dir, TENSOR_FILE, json);
  return bytes ? f32TensorsOf(join(dir, TENSOR_FILE), bytes) : new Map();
}

/** The memory saved with a model, or null when it was saved without one. */
export function loadMemory(dir: string): ContinualMemory | null {
  return readWhileSwapping(dir, () => memoryOf(dir, readModelJson(dir)));
}

/** The memory that model.json `json` of `dir` lists (its files' checksums are verified against it), with its patches applied. */
function memoryOf(dir: string, json: ModelJson, manifest = readManifest(dir)): ContinualMemory | null {
  const replayJson = readExtraFile(dir, REPLAY_FILE, json);
  if (!replayJson) return null;
  let state: ReplayState;
  try {
    state = JSON.parse(replayJson.toString('utf8')) as ReplayState;
  } catch (cause) {
    throw new ModelFileError(join(dir, REPLAY_FILE), 'not valid JSON', { cause });
  }
  const t = readTensors(dir, json);
  const guardJson = readExtraFile(dir, GUARD_FILE, json);
  let guard: Example[] | null = null;
  if (guardJson) {
    try {
      guard = JSON.parse(guardJson.toString('utf8')) as Example[];
    } catch (cause) {
      throw new ModelFileError(join(dir, GUARD_FILE), 'not valid JSON', { cause });
    }
  }
  // A base plus patches: each patch's changes to the memory, in order (see saveLearnerPatch).
  let parts: MemoryParts = { state, guard, tensors: t };
  if (manifest) parts = applyPatchChain(parts, readPatches(dir, manifest).map((patch, i) => ({ patch, where: join(dir, PATCH_DIR, manifest.patches[i].name) })));
  return memoryFromParts(parts, dir);
}

/**
 * loadLearner with the weights read on libuv's thread pool (beginLoad) while this thread reads and
 * parses the memory: the same model, memory and errors. `accrete update` loads this way: the
 * memory (a 9.3 MB replay.json, 16 MB of memory tensors on the bench:versions model) costs nothing
 * beside the 820 MB of weights then.
 */
export async function loadLearnerAsync(dir: string): Promise<{ model: TextClassifier; memory: ContinualMemory | null }> {
  return readWhileSwappingAsync(dir, async () => {
    // Reads in flight stay in flight while the memory below keeps this thread: 16 of 16 MB.
    const pending = beginLoad(dir, { parallel: 16 });
    let memory: ContinualMemory | null;
    let state: string;
    try {
      const json = readModelJson(dir);
      const manifest = readManifest(dir);
      state = manifest ? stateOf(manifest) : json.weights.xxh64;
      memory = memoryOf(dir, json, manifest);
    } catch (err) {
      await pending.ready.catch(() => {});
      throw err;
    }
    const model = await pending.ready;
    if (state !== model.source?.weightsChecksum) throw new ModelFileError(dir, 'the model was replaced by another save while it was being read (its model.json or manifest changed between reads)');
    return { model, memory };
  });
}

/** A model and its memory, as saved by saveLearner (memory is null for a bare model). */
export function loadLearner(dir: string): { model: TextClassifier; memory: ContinualMemory | null } {
  // Model and memory read model.json each: both must be of one save, read again if a save came between.
  return readWhileSwapping(dir, () => {
    const model = loadModel(dir);
    const json = readModelJson(dir);
    // The state: the base's weights, or its last patch (manifest.ts).
    const manifest = readManifest(dir);
    const state = manifest ? stateOf(manifest) : json.weights.xxh64;
    if (state !== model.source?.weightsChecksum) throw new ModelFileError(dir, 'the model was replaced by another save while it was being read (its model.json or manifest changed between reads)');
    return { model, memory: memoryOf(dir, json, manifest) };
  });
}
