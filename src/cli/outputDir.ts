/**
 * Where a command writes a model: checked before any work starts (so a typo in --out does not cost a
 * whole training run), and file-system errors turned into messages instead of stack traces.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AccreteError, ModelFileError, type ErrorCode } from '../errors.js';
import { enclosingModelDir, replaceProblem } from '../store/modelFiles.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'it already exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EDQUOT: 'disk quota exceeded',
  EBUSY: 'it is busy (in use, or a mount point)',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
};

/** The readable reason of a Node file-system error, or null when `err` is not one. */
export function fileErrorReason(err: unknown): string | null {
  if (!(err instanceof Error) || err instanceof AccreteError || !('code' in err) || typeof err.code !== 'string') return null;
  return REASONS[err.code] ?? (err.code.startsWith('E') ? err.message : null);
}

/** A file-system error as an AccreteError that says what was being done ("cannot write the model to X: ..."); other errors unchanged. */
export function asFileError(err: unknown, doing: string, code: ErrorCode = 'BAD_MODEL_FILE'): unknown {
  const reason = fileErrorReason(err);
  return reason === null ? err : new AccreteError(code, `${doing}: ${reason}`, { cause: err });
}

/** The closest path at or above `path` that exists. */
function existingAncestor(path: string): string {
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

/**
 * Throws unless a model directory can be written at `out`: an existing `out` must be empty or a model
 * directory holding only its model's files (saving replaces it: see replaceProblem), `out` must not
 * be inside another model's directory, and the closest existing parent must be a directory we may
 * write in.
 */
export function checkOutDir(out: string): void {
  const fail = (problem: string) => new ModelFileError(out, `cannot write a model here: ${problem}`);
  const problem = replaceProblem(out);
  if (problem) throw fail(problem);
  const model = enclosingModelDir(out);
  if (model) throw fail(`it is inside the model directory ${model}, which holds only that model's files; choose a directory outside it`);
  const parent = existingAncestor(dirname(resolve(out)));
  if (!statSync(parent).isDirectory()) throw fail(`${parent} is not a directory`);
  try {
    accessSync(parent, constants.W_OK | constants.X_OK);
  } catch {
    throw fail(`no permission to write in ${parent}`);
  }
}
