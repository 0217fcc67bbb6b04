/**
 * A new model directory that shares its parent's files: every file (the base, the manifest, the
 * patches) hard-linked, so that a version made by a patch costs its patch on disk, not a copy of
 * the base. Files are never modified in place (a base is replaced whole, a manifest by a rename),
 * so a link can never see another version's change. Where links are not possible (another file
 * system, a file system without them) the files are copied, and the caller is told.
 */
import { copyFileSync, linkSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Fills the new directory `to` with links to (or copies of) every file of `from`; returns whether any had to be copied. */
export function linkModelDir(from: string, to: string): { copied: boolean } {
  mkdirSync(to, { recursive: true });
  let copied = false;
  for (const name of readdirSync(from)) {
    const source = join(from, name);
    const target = join(to, name);
    if (statSync(source).isDirectory()) {
      copied = linkModelDir(source, target).copied || copied;
      continue;
    }
    try {
      linkSync(source, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK') throw err;
      copyFileSync(source, target);
      copied = true;
    }
  }
  return { copied };
}

/** Bytes on disk of the files under `dirs`, each file (inode) counted once however many directories link it. */
export function diskBytes(dirs: readonly string[]): { total: number; perDir: number[] } {
  const seen = new Set<string>();
  const perDir = dirs.map((dir) => walk(dir));
  return { total: perDir.reduce((a, b) => a + b, 0), perDir };
  function walk(dir: string): number {
    let bytes = 0;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return 0;
    }
    for (const name of entries) {
      const path = join(dir, name);
      const st = statSync(path, { bigint: true });
      if (st.isDirectory()) {
        bytes += walk(path);
        continue;
      }
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) continue;
      seen.add(key);
      bytes += Number(st.size);
    }
    return bytes;
  }
}
