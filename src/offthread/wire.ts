/**
 * Errors across the thread boundary. postMessage keeps an Error's message but not its class or
 * fields, so a ConfigError thrown in the worker would reach the caller as a plain Error: the
 * worker sends the class name and fields, and the main thread makes an error of the same class
 * (instanceof, name, code, message and fields as thrown).
 */
import { AccreteError, ConfigError, DataError, DivergenceError, ModelFileError, ModelLockedError, OverloadedError, StorageError, UsageError } from '../errors.js';
import type { WireError } from './protocol.js';

const CLASSES: Record<string, { prototype: object }> = { AccreteError, ConfigError, DataError, DivergenceError, ModelFileError, ModelLockedError, OverloadedError, StorageError, UsageError, RangeError, TypeError };

export function toWire(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(err)) {
    const value = (err as unknown as Record<string, unknown>)[key];
    if (key !== 'code' && key !== 'cause' && typeof value !== 'function') fields[key] = value;
  }
  return { name: err.name, message: err.message, code: (err as { code?: unknown }).code, stack: err.stack, fields };
}

export function fromWire(w: WireError): Error {
  const err = w.code !== undefined && typeof w.code === 'string' ? new AccreteError(w.code as AccreteError['code'], w.message) : new Error(w.message);
  const cls = CLASSES[w.name];
  if (cls && (cls.prototype instanceof AccreteError || cls === AccreteError) === err instanceof AccreteError) Object.setPrototypeOf(err, cls.prototype);
  Object.assign(err, w.fields);
  err.name = w.name;
  if (w.code !== undefined && !(err instanceof AccreteError)) Object.assign(err, { code: w.code });
  if (w.stack) err.stack = `${err.name}: ${w.message}\n    (in the learner's worker thread)\n${w.stack.split('\n').slice(1).join('\n')}`;
  return err;
}
