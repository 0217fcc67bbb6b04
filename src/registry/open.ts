/**
 * Opens a registry from what the user gave (--registry, ACCRETE_REGISTRY): a postgres:// or
 * postgresql:// connection string opens the PostgreSQL store (its module and the pg driver loaded
 * only then), anything else is a SQLite file.
 */
import { resolve } from 'node:path';
import { SqliteStore } from './sqliteStore.js';
import type { RegistryStore } from './store.js';

export interface OpenStoreOptions {
  /** PostgreSQL: the replica's local directory of model files. */
  cache?: string;
  /** PostgreSQL: whether this process runs update jobs. */
  role?: 'serve' | 'update' | 'both';
  /** Open for reading only (accrete models list|show). */
  readonly?: boolean;
  /** The registry must exist already (accrete models). */
  mustExist?: boolean;
  log?: (line: string) => void;
}

export const isPostgresUrl = (spec: string) => /^postgres(ql)?:\/\//i.test(spec);

export async function openStore(spec: string, options: OpenStoreOptions = {}): Promise<RegistryStore> {
  if (isPostgresUrl(spec)) {
    const { PostgresStore } = await import('./postgres/store.js');
    return PostgresStore.open(spec, options);
  }
  return SqliteStore.open(options.readonly || options.mustExist ? spec : resolve(spec), { readonly: options.readonly, mustExist: options.mustExist });
}
