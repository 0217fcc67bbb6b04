/**
 * better-sqlite3, loaded the first time a registry is opened: it is an optional peer dependency (a
 * native module that compiles on install), needed by the registry, `accrete serve` and `accrete
 * models` only, so that library users who train and predict never install or load it.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { AccreteError } from '../errors.js';

/** The major version our registry is written and tested against. */
export const SQLITE_DRIVER = 'better-sqlite3@12';

let driver: typeof BetterSqlite3 | null = null;

/** The better-sqlite3 module; an AccreteError saying how to install it when it is missing. */
export function sqliteDriver(): typeof BetterSqlite3 {
  if (driver !== null) return driver;
  try {
    driver = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw cause;
    throw new AccreteError('UNAVAILABLE', `the model registry (accrete serve, accrete models) needs better-sqlite3, an optional dependency that is not installed: npm install ${SQLITE_DRIVER}`, { cause });
  }
  return driver;
}
