/**
 * Saving an accepted update so that it costs what changed: a patch of its parent (the rows, words,
 * labels and memory it changed), in the parent's own directory (an update in place) or in a new
 * directory that shares the parent's files by hard links (a registry's next version). Whole when
 * it cannot be a patch (a model saved without a memory, an update that grew the n-gram table) or when the patches pass COMPACT_SHARE of
 * the base: then they are folded into a new base.
 */
import { readManifest, type PatchRef } from '../store/manifest.js';
import type { WriteDirOptions } from '../store/atomicDir.js';
import { linkModelDir } from '../store/linkDir.js';
import { readModelJson } from '../store/modelFiles.js';
import { renumbered, type ModelBefore } from '../store/patch.js';
import type { TextClassifier } from '../model/classifier.js';
import { saveLearner, saveLearnerPatch, type ContinualMemory, type MemoryBefore } from './memory.js';

/** Patches past this share of the base's weights are folded into a new base (compaction). */
export const COMPACT_SHARE = 0.25;

export type SavedVersion =
  | { as: 'patch'; ref: PatchRef; patches: number; copied: boolean }
  | { as: 'whole'; why: string; compacted: boolean };

/**
 * Saves `model` (with `memory`), which an accepted update made from `parent`, in `dir`. `from`: the
 * parent's directory when `dir` is a new one (its files are linked into it first); without it,
 * `dir` is the parent's own directory (an update in place).
 */
export function saveUpdated(model: TextClassifier, memory: ContinualMemory | null, parent: ModelBefore, before: MemoryBefore | null, dir: string, from?: string, fence: WriteDirOptions = {}): SavedVersion {
  let copied = false;
  if (from !== undefined) copied = linkModelDir(from, dir).copied;
  fence.beforeSwap?.();
  const ref = saveLearnerPatch(model, memory, parent, before, dir);
  if (!ref) {
    saveLearner(model, memory, dir, fence);
    if (renumbered(model, parent)) return { as: 'whole', why: `the update grew the n-gram table from ${parent.bucket} to ${model.config.bucket} rows, renumbering the input rows: a new base`, compacted: false };
    return { as: 'whole', why: 'the model was saved without a memory: this update starts one', compacted: false };
  }
  const manifest = readManifest(dir)!;
  const patchBytes = manifest.patches.reduce((n, p) => n + p.bytes, 0);
  if (patchBytes <= COMPACT_SHARE * readModelJson(dir).weights.bytes) return { as: 'patch', ref, patches: manifest.patches.length, copied };
  // A compaction: the same bytes for the same patches, so model.json keeps the base's createdAt.
  saveLearner(model, memory, dir, { ...fence, createdAt: readModelJson(dir).createdAt });
  return { as: 'whole', why: `the ${manifest.patches.length} patches passed ${COMPACT_SHARE * 100}% of the base: folded into a new base`, compacted: true };
}
