/** A replica's local cache directory, tied to one registry so that two registries never mix files. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';

export const DEFAULT_CACHE = 'accrete-cache';
/** The file in a cache directory that names the registry its files belong to. */
const CACHE_ID_FILE = 'registry-id';

/** Ties a cache directory to one registry: a cache that holds another registry's files is refused. */
export function bindCache(root: string, registryId: string, label: string): void {
  mkdirSync(join(root, 'versions'), { recursive: true });
  const file = join(root, CACHE_ID_FILE);
  if (existsSync(file)) {
    const had = readFileSync(file, 'utf8').trim();
    if (had !== registryId) throw new UsageError(`the cache directory ${root} holds the files of another registry (${had}), not of ${label} (${registryId}); give this registry its own --cache`);
    return;
  }
  writeFileSync(file, registryId + '\n');
}
