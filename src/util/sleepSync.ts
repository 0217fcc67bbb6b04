/** Blocks the thread for `ms` milliseconds (for synchronous retries and lock waits; no busy loop). */
const cell = new Int32Array(new SharedArrayBuffer(4));

export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(cell, 0, 0, ms);
}
