/**
 * Returns memory to the system between the phases of a big job (after featurising, before
 * saving), when the process allows it: V8 otherwise keeps hundreds of MB of dead token arrays
 * around until its next major collection, which shows as peak memory. The CLI turns it on.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let collect: (() => void) | null = typeof globalThis.gc === 'function' ? (globalThis.gc as () => void) : null;

/** Lets releaseMemory() run full collections (call once, at process start). */
export function enableExplicitGc(): void {
  if (collect) return;
  v8.setFlagsFromString('--expose-gc');
  collect = vm.runInNewContext('gc') as () => void;
}

/** A full garbage collection, when enabled; otherwise nothing. */
export function releaseMemory(): void {
  collect?.();
}
