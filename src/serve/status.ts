/** The one table from error codes to HTTP statuses, and the JSON shape of an error answer. */
import type { ServerResponse } from 'node:http';
import { sep } from 'node:path';
import { AccreteError, type ErrorCode } from '../errors.js';
import { VersionFilesError } from '../registry/registry.js';

export const STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  BAD_CONFIG: 400,
  BAD_DATA: 400,
  USAGE: 400,
  UNKNOWN_LABEL: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  MODEL_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  TOO_LARGE: 413,
  DIVERGED: 422,
  UNAVAILABLE: 503,
  STORAGE: 503,
  // Too much prediction work queued: 503 with Retry-After (RFC 9110: a temporary overload of the
  // server as a whole, not one client over its rate, which would be 429).
  OVERLOADED: 503,
  MISSING_DATASET: 500,
  BAD_MODEL_FILE: 500,
};

/**
 * A message without the server's absolute paths (the server log keeps them): paths under `root`
 * (the registry's directory) become relative to it, any other absolute path its base name.
 */
export function withoutPaths(message: string, root: string): string {
  const prefix = root.endsWith(sep) ? root : root + sep;
  return message.split(prefix).join('').replace(/(^|[\s"'(=])\/(?:[^\s/"'()]+\/)*([^\s/"'():]+)/g, '$1$2');
}

/**
 * An error as the service answers it: status, code and message (an unexpected error says no more
 * than that it happened; a server-side one, 5xx, without absolute paths).
 */
export function errorBody(err: unknown, root = '/'): { status: number; body: { error: { code: string; message: string } } } {
  if (err instanceof AccreteError) {
    // A version whose files do not load is the request's target, not the server failing: 422.
    const damagedVersion = err instanceof VersionFilesError;
    const status = damagedVersion ? 422 : (STATUS[err.code] ?? 500);
    return { status, body: { error: { code: err.code, message: status >= 500 || damagedVersion ? withoutPaths(err.message, root) : err.message } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error; see the server log' } } };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(data), 'cache-control': 'no-store', ...headers });
  res.end(data);
}

export const badRequest = (message: string) => new AccreteError('BAD_REQUEST', message);
