/**
 * One server per registry: `accrete serve` holds `<registry>.lock` (its pid inside) while it runs,
 * because its start-up recovery removes staging files that a second live server would still need.
 * A lock whose process is gone (killed, crashed) is taken over.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AccreteError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock of `registryFile`; returns the function that releases it. */
export function lockRegistry(registryFile: string): () => void {
  const path = `${registryFile}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // Written aside, then linked into place: the lock appears with its pid already in it.
      const tmp = `${path}.${process.pid}`;
      writeFileSync(tmp, String(process.pid));
      try {
        linkSync(tmp, path);
      } finally {
        rmSync(tmp, { force: true });
      }
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new AccreteError('CONFLICT', `another accrete serve (pid ${pid}) uses the registry ${registryFile}; stop it first (or remove ${path} if that pid is not accrete)`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new AccreteError('CONFLICT', `cannot take the lock ${path}`);
}
