/**
 * Errors across a thread boundary. postMessage keeps an Error's message but not its class or
 * fields, so a ConfigError thrown in a worker would reach the caller as a plain Error: the worker
 * sends the class name, code and fields, and the receiving thread makes an error of the same
 * class (instanceof, name, code, message and fields as thrown). Every worker of the project (the
 * learner's, autotune's lanes, the server's updater and its registry thread) speaks this one format.
 */
import { AccreteError, ConfigError, DataError, DivergenceError, ExportRefusedError, ModelFileError, ModelLockedError, OverloadedError, StorageError, UsageError } from './errors.js';

/** An error as it crosses: its class name, code and message, and the fields its class adds. */
export interface WireError {
  name: string;
  message: string;
  code?: unknown;
  stack?: string;
  fields: Record<string, unknown>;
}

const CLASSES: Record<string, { prototype: object }> = { AccreteError, ConfigError, DataError, DivergenceError, ExportRefusedError, ModelFileError, ModelLockedError, OverloadedError, StorageError, UsageError, RangeError, TypeError };

export function toWire(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(err)) {
    const value = (err as unknown as Record<string, unknown>)[key];
    if (key !== 'code' && key !== 'cause' && plain(value)) fields[key] = value;
  }
  return { name: err.name, message: err.message, code: (err as { code?: unknown }).code, stack: err.stack, fields };
}

/**
 * Whether a field crosses as it is: a primitive, or an array of them (ConfigError's issues). Any
 * other value (a socket, a client, a buffer) is left behind, so that postMessage never throws on
 * an error a driver decorated: the worker's report of its failure must always arrive.
 */
function plain(value: unknown): boolean {
  const primitive = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  return primitive(value) || (Array.isArray(value) && value.every(primitive));
}

/**
 * The error again, in its class when it is one of ours (or RangeError, TypeError); any other keeps
 * its name and code (a SqliteError's SQLITE_BUSY, an errno's ENOSPC), which is what storageError()
 * reads. `where` names the thread in the stack.
 */
export function fromWire(w: WireError, where: string): Error {
  const err = w.code !== undefined && typeof w.code === 'string' ? new AccreteError(w.code as AccreteError['code'], w.message) : new Error(w.message);
  const cls = CLASSES[w.name];
  if (cls && (cls.prototype instanceof AccreteError || cls === AccreteError) === err instanceof AccreteError) Object.setPrototypeOf(err, cls.prototype);
  // A code that is not ours (SQLITE_BUSY) on a class that is not ours: a plain Error with that code.
  if (!cls && err instanceof AccreteError) Object.setPrototypeOf(err, Error.prototype);
  Object.assign(err, w.fields);
  err.name = w.name;
  if (w.code !== undefined && !(err instanceof AccreteError)) Object.assign(err, { code: w.code });
  if (w.stack) err.stack = `${err.name}: ${w.message}\n    (in ${where})\n${w.stack.split('\n').slice(1).join('\n')}`;
  return err;
}
