/**
 * The update worker's resident learner: the model (with its memory) the worker loaded once and
 * keeps between jobs, so an update costs its own work rather than a load of the parent from disk
 * (seconds for a model of hundreds of MB). It is always one version's state exactly, named by the
 * checksum a registry records for that version (manifest.ts: the base's weights, or its last patch):
 * a rejected update leaves it so bit for bit (update()'s undo journal), an accepted one makes it the
 * child, whose state the save names. A job on another version moves it there by patches when both
 * are one base's states (a rollback reverts, another replica's update applies), and loads the
 * version from disk otherwise. A job takes it out while it runs, so one that fails leaves none
 * behind: the next job loads.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFileError } from '../errors.js';
import type { TextClassifier } from '../model/classifier.js';
import { PATCH_DIR, readManifest, stateOf, type Manifest } from '../store/manifest.js';
import { readModelJson } from '../store/modelFiles.js';
import { WEIGHTS_FILE } from '../store/weightsPrefetch.js';
import { applyPatch, readPatch, revertPatch } from '../store/patch.js';
import { loadLearner, type ContinualMemory } from '../update/memory.js';
import { memoryFromParts, partsOf, patchParts } from '../update/memoryPatch.js';

export interface Learner {
  model: TextClassifier;
  memory: ContinualMemory | null;
}

/** How a job got its learner: the resident one as it was, moved by patches, or loaded from disk. */
export type Obtained = { how: 'kept' } | { how: 'moved'; reverted: number; applied: number } | { how: 'loaded'; why: string };

/** A version's state and its lineage: the base's checksum, then each patch's. */
interface Lineage {
  dir: string;
  state: string;
  /** States from the base to `state`; null for a model saved whole without a manifest (its state alone). */
  chain: string[];
  manifest: Manifest | null;
  /**
   * The base's weights file as the file system stamps it (inode, size, modification time): the
   * worker reads the files once, so a file changed in place since (damage, a restore from backup)
   * sends the next job to load it again, and loading verifies every checksum. Hard links (a new
   * version sharing its parent's files) and renames keep the stamp.
   */
  stamp: string;
}

let resident: (Learner & Lineage) | null = null;

/** The state and lineage of the model directory `dir`, from its small files (model.json, manifest.json). */
export function lineageOf(dir: string): Lineage {
  const manifest = readManifest(dir);
  const st = statSync(join(dir, WEIGHTS_FILE));
  const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
  if (!manifest) {
    const state = readModelJson(dir).weights.xxh64;
    return { dir, state, chain: [state], manifest, stamp };
  }
  return { dir, state: stateOf(manifest), chain: [manifest.base, ...manifest.patches.map((p) => p.xxh64)], manifest, stamp };
}

/**
 * The learner of the version in `dir`, whose state the registry records as `expected`: the
 * resident one (as it is, or moved by patches), else loaded. The caller owns it until keep().
 */
export function takeLearner(dir: string, expected: string | null): Learner & Obtained {
  const target = lineageOf(dir);
  if (expected !== null && target.state !== expected) throw new ModelFileError(dir, `its files hold state ${target.state}, but the registry records ${expected} for this version`);
  const r = resident;
  resident = null;
  let why = 'no model in the worker yet';
  // One base (state) in another file, or the same file changed: read it again.
  if (r && r.chain[0] === target.chain[0] && r.stamp !== target.stamp) why = `its weights file is not the one the worker read (${r.stamp}, now ${target.stamp})`;
  else if (r && r.state === target.state) return { model: r.model, memory: r.memory, how: 'kept' };
  else if (r) {
    try {
      const moved = moveTo(r, target);
      if (moved) return moved;
      why = `the worker's model (${r.state}) and ${target.state} are not patches of one base`;
    } catch (err) {
      why = `moving the worker's model by patches failed: ${(err as Error).message}`;
    }
  }
  const loaded = loadLearner(dir);
  return { ...loaded, how: 'loaded', why };
}

/** Keeps `learner`, which is now the version in `dir` (read from its files), for the next job; returns its state. */
export function keep(learner: Learner, dir: string): string {
  const lineage = lineageOf(dir);
  learner.model.source = { dir, weightsChecksum: lineage.state };
  resident = { ...learner, ...lineage };
  return lineage.state;
}

/** The version kept in `from` now lives in `to` (a staging directory published as `versions/<id>`). */
export function movedDir(from: string, to: string): void {
  if (resident?.dir !== from) return;
  resident = { ...resident, dir: to };
  resident.model.source = { dir: to, weightsChecksum: resident.state };
}

/** Drops the resident learner (the next job loads). */
export function forget(): void {
  resident = null;
}

/** The resident learner's state, or null: for tests. */
export const residentState = (): { state: string; dir: string; learner: Learner } | null => resident && { state: resident.state, dir: resident.dir, learner: resident };

/**
 * `r` moved to `target` by patches: back to their common state (the resident version's own patches
 * reverted, read from its directory), then forward (the target's, from its). Null when they share
 * no state (different bases). Throws when a patch is missing or does not fit: the caller loads.
 */
function moveTo(r: Learner & Lineage, target: Lineage): (Learner & Obtained) | null {
  let common = 0;
  while (common < r.chain.length && common < target.chain.length && r.chain[common] === target.chain[common]) common++;
  if (common === 0) return null;
  let parts = r.memory && partsOf(r.memory);
  const back = r.manifest?.patches.slice(common - 1).reverse() ?? [];
  for (const ref of back) {
    const where = join(r.dir, PATCH_DIR, ref.name);
    const patch = readPatch(where, ref.xxh64);
    revertPatch(r.model, patch, where);
    if (parts) parts = patchParts(parts, patch, where, 'back');
  }
  const forward = target.manifest?.patches.slice(common - 1) ?? [];
  for (const ref of forward) {
    const where = join(target.dir, PATCH_DIR, ref.name);
    const patch = readPatch(where, ref.xxh64);
    applyPatch(r.model, patch, where);
    if (parts) parts = patchParts(parts, patch, where, 'forward');
  }
  r.model.source = { dir: target.dir, weightsChecksum: target.state };
  return { model: r.model, memory: parts && memoryFromParts(parts, target.dir), how: 'moved', reverted: back.length, applied: forward.length };
}
