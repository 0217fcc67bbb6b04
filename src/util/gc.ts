/**
 * Returns memory to the system between the phases of a big job (after featurising, before
 * saving), when the process allows it: V8 otherwise keeps hundreds of MB of dead token arrays
 * around until its next major collection, which shows as peak memory. The CLI turns it on.
 */
import { createRequire } from 'node:module';

let collect: (() => void) | null = typeof globalThis.gc === 'function' ? (globalThis.gc as () => void) : null;
let allowed = false;

/**
 * Lets releaseMemory() run full collections (call once, at process start). The set-up (V8 flags, a
 * context) waits for the first releaseMemory(), so commands that never call it, such as predict,
 * do not pay for it at start-up.
 */
export function enableExplicitGc(): void {
  allowed = true;
}

/** A full garbage collection, when enabled; otherwise nothing. */
export function releaseMemory(): void {
  if (collect === null && allowed) collect = exposeGc();
  collect?.();
}

function exposeGc(): () => void {
  const require = createRequire(import.meta.url);
  const v8 = require('node:v8') as typeof import('node:v8');
  const vm = require('node:vm') as typeof import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}
