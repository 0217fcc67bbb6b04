/**
 * What an aborted learner call rejects with: an Error named 'AbortError' with code 'ABORT_ERR', as
 * Node's own abortable APIs reject (fs, timers/promises, events.once), and the signal's reason as
 * its cause. Not an AccreteError: nothing went wrong, the caller asked to stop.
 */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(message = 'the operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/** The AbortError for `what`, aborted by `signal` (its reason as the cause). */
export function abortError(signal: AbortSignal, what: string): AbortError {
  return new AbortError(`${what} was aborted: nothing was changed`, { cause: signal.reason });
}

/** Throws the AbortError for `what` when `signal` is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortError(signal, what);
}

/** Throws a TypeError unless `signal` is absent or an AbortSignal (a typo there would silently never abort). */
export function checkSignal(signal: unknown, what: string): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`${what}: options.signal must be an AbortSignal, got ${typeof signal}`);
}
