/**
 * A model directory as a base plus ordered patches: `manifest.json` names the base (by its weights'
 * checksum) and the patches in `patches/`, each an immutable file named by its XXH64 and applying to
 * the state its predecessor left (the base's checksum, then each patch's own). The state of a
 * directory is its last patch's checksum, or the base's: the checksum a registry records for a
 * version. A new patch is added by a compare-and-swap of the manifest: written aside, then renamed
 * over it only if the manifest still names the patch's parent, so two writers cannot both win (the
 * directory's write lock makes the check and the rename one step; see writeLock.ts).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AccreteError, ModelFileError } from '../errors.js';
import { fsyncDir } from './atomicDir.js';
import { readPatch, writePatch, type Patch } from './patch.js';
import { crashPoint } from '../util/crashPoint.js';

export const MANIFEST_FILE = 'manifest.json';
export const PATCH_DIR = 'patches';
export const MANIFEST_FORMAT = 'accrete-manifest';
export const MANIFEST_FORMAT_VERSION = 1;

export interface PatchRef {
  /** File name in patches/: `<xxh64>.patch`. */
  name: string;
  xxh64: string;
  bytes: number;
  /** The state it applies to. */
  parent: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: number;
  /** XXH64 of the base's weights.safetensors. */
  base: string;
  patches: PatchRef[];
}

/** The state a manifest leaves: its last patch's checksum, or the base's. */
export function stateOf(m: Manifest): string {
  return m.patches.length ? m.patches[m.patches.length - 1].xxh64 : m.base;
}

/** The directory's manifest, checked; null when it has none (a model saved whole). */
export function readManifest(dir: string): Manifest | null {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return null;
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch (cause) {
    throw new ModelFileError(path, 'not valid JSON (corrupted or truncated)', { cause });
  }
  if (m?.format !== MANIFEST_FORMAT) throw new ModelFileError(path, `format is ${JSON.stringify(m?.format)}, expected "${MANIFEST_FORMAT}"`);
  if (m.formatVersion !== MANIFEST_FORMAT_VERSION) throw new ModelFileError(path, `manifest format version ${String(m.formatVersion)} is not one this Accrete reads (${MANIFEST_FORMAT_VERSION}); upgrade accrete`);
  if (typeof m.base !== 'string' || !Array.isArray(m.patches)) throw new ModelFileError(path, 'no "base" or "patches" entry (corrupted)');
  let state = m.base;
  m.patches.forEach((p, i) => {
    if (typeof p?.xxh64 !== 'string' || !/^[0-9a-f]{16}$/.test(p.xxh64) || p.name !== `${p.xxh64}.patch`) throw new ModelFileError(path, `patch ${i + 1} is not named by its checksum (corrupted)`);
    if (p.parent !== state) throw new ModelFileError(path, `patch ${i + 1} (${p.name}) applies to ${p.parent}, but the patches before it leave ${state}: patches missing or out of order`);
    state = p.xxh64;
  });
  return m;
}

/**
 * The patches last read, for the rest of this turn of the event loop: loadLearner reads the same
 * patches for the model and then for its memory, and they can be tens of MB. Patch files never
 * change (named by their checksum), so the same path and checksums mean the same patches.
 */
let lastRead: { key: string; patches: Patch[] } | null = null;

/** Reads the manifest's patches in order, each verified by its checksum and its parent. */
export function readPatches(dir: string, m: Manifest): Patch[] {
  const key = `${resolve(dir)}\0${m.patches.map((p) => p.xxh64).join(',')}`;
  if (lastRead?.key === key) return lastRead.patches;
  const patches = m.patches.map((ref) => {
    const path = join(dir, PATCH_DIR, ref.name);
    if (!existsSync(path)) throw new ModelFileError(path, 'patch file is missing: the model cannot be rebuilt without it');
    const patch = readPatch(path, ref.xxh64);
    if (patch.head.parent !== ref.parent) throw new ModelFileError(path, `the patch applies to ${patch.head.parent}, but the manifest lists it after ${ref.parent}`);
    return patch;
  });
  if (patches.length > 0) {
    lastRead = { key, patches };
    setImmediate(() => (lastRead = null)).unref();
  }
  return patches;
}

function writeFileSynced(path: string, text: string): void {
  const fd = openSync(path, 'w');
  try {
    const data = Buffer.from(text);
    for (let done = 0; done < data.length; ) done += writeSync(fd, data, done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Adds `patch` to the directory (whose base weights have checksum `base`): the patch file first,
 * then the manifest, replaced only if it still leaves the patch's parent (CONFLICT otherwise: another
 * writer got there first). Returns the reference and the new state.
 */
export function appendPatch(dir: string, base: string, patch: Patch): PatchRef {
  const current = readManifest(dir) ?? { format: MANIFEST_FORMAT, formatVersion: MANIFEST_FORMAT_VERSION, base, patches: [] };
  if (current.base !== base) throw new ModelFileError(join(dir, MANIFEST_FILE), `names the base ${current.base}, but the base's weights are ${base}`);
  const stale = () => new AccreteError('CONFLICT', `${dir} changed since it was loaded (it is at ${stateOf(readManifest(dir) ?? current)}, the update was made from ${patch.head.parent}); nothing was written: run the update again on the new version`);
  if (stateOf(current) !== patch.head.parent) throw stale();
  const patches = join(dir, PATCH_DIR);
  mkdirSync(patches, { recursive: true });
  const tmp = join(patches, `.tmp-${process.pid}-${Date.now()}.patch`);
  let written: { xxh64: string; bytes: number };
  try {
    written = writePatch(tmp, patch);
    renameSync(tmp, join(patches, `${written.xxh64}.patch`));
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(patches);
  crashPoint('patch-written');
  const ref: PatchRef = { name: `${written.xxh64}.patch`, xxh64: written.xxh64, bytes: written.bytes, parent: patch.head.parent };
  const next: Manifest = { ...current, patches: [...current.patches, ref] };
  // Written aside inside patches/ (the model's own folder): a crash leaves nothing in the directory itself that a later whole save would refuse to replace.
  const tmpManifest = join(patches, `.${MANIFEST_FILE}.tmp-${process.pid}`);
  writeFileSynced(tmpManifest, JSON.stringify(next, null, 1) + '\n');
  // The swap: only if nobody moved the manifest meanwhile.
  if (stateOf(readManifest(dir) ?? current) !== patch.head.parent) {
    rmSync(tmpManifest, { force: true });
    throw stale();
  }
  crashPoint('manifest-written');
  renameSync(tmpManifest, join(dir, MANIFEST_FILE));
  fsyncDir(dir);
  crashPoint('manifest-renamed');
  return ref;
}
