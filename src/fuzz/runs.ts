/**
 * How much the fuzz properties run, and what counts as passing: an input may give a result or a
 * typed error (AccreteError), never another exception.
 */
import { AccreteError } from '../errors.js';

/** Runs per target: ACCRETE_FUZZ_RUNS when set (a positive integer), else `fallback`. */
export function fuzzRuns(fallback: number): number {
  const raw = process.env.ACCRETE_FUZZ_RUNS;
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`ACCRETE_FUZZ_RUNS must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** Runs `fn`; an AccreteError is an accepted outcome, any other exception fails the property. */
export async function typedOnly(fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof AccreteError) return;
    throw err;
  }
}
