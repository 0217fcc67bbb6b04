/**
 * Where a registry keeps model files: `versions/<id>/` beside the SQLite file, one model directory
 * per version, each written atomically. An update's candidate is saved to `versions/.job-<n>` and
 * renamed to its version id only when the registry is about to record it; whatever a crash leaves
 * behind (a staging directory, a temporary directory of an interrupted save, a directory whose row
 * never got committed) is not referenced by the database and is removed at the next start.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AccreteError } from '../errors.js';
import { fsyncDir, writeDirAtomic } from '../store/atomicDir.js';

/** Version ids are `v1`, `v2`, ...: nothing else can name a directory, so no id can reach outside `versions/`. */
const VERSION_ID = /^v[1-9][0-9]{0,8}$/;

export function isVersionId(id: string): boolean {
  return VERSION_ID.test(id);
}

export const versionId = (seq: number): string => `v${seq}`;

/** The version's model directory, relative to the registry's folder (as the database records it). */
export function versionPath(id: string): string {
  if (!isVersionId(id)) throw new AccreteError('NOT_FOUND', `no version ${JSON.stringify(id.slice(0, 80))}: version ids look like v1, v2, ...`);
  return `versions/${id}`;
}

export function stagingPath(job: number): string {
  return `versions/.job-${job}`;
}


/** Copies a model directory into the registry (atomically: all of it or nothing). */
export function copyModelDir(from: string, to: string): void {
  writeDirAtomic(to, (tmp) => {
    for (const name of readdirSync(from)) cpSync(join(from, name), join(tmp, name), { recursive: true });
  });
}

/** Moves a finished staging directory to its version's place (one rename, then the folder is synced). */
export function publish(root: string, staging: string, target: string): void {
  const to = join(root, target);
  if (existsSync(to)) rmSync(to, { recursive: true, force: true });
  renameSync(join(root, staging), to);
  fsyncDir(join(root, 'versions'));
}

/** Removes every entry of `versions/` that is not the directory of a recorded version; returns their names. */
export function removeUnreferenced(root: string, referenced: ReadonlySet<string>): string[] {
  const dir = join(root, 'versions');
  mkdirSync(dir, { recursive: true });
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (referenced.has(`versions/${name}`)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  if (removed.length) fsyncDir(dir);
  return removed;
}
