/**
 * Crash tests of the model files: when ACCRETE_CRASH_AT names this point, the process says so on
 * stderr and waits there (2 minutes at most), for the test to kill it at exactly that step of a
 * save. Unset, as always outside those tests, it costs one property read.
 */
import { sleepSync } from './sleepSync.js';

export function crashPoint(point: string): void {
  if (process.env.ACCRETE_CRASH_AT !== point) return;
  process.stderr.write(`crash point: ${point}\n`);
  sleepSync(120_000);
}
