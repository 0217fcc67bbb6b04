/**
 * Request bodies, read with a size limit: a body declared over the limit (Content-Length) gets 413
 * at once, before any of it is read; one found over the limit (chunked) gets 413 once the client
 * has finished sending (so it sees the answer, not a reset). A client that keeps sending far past
 * the limit is cut off.
 */
import type { IncomingMessage } from 'node:http';
import { AccreteError } from '../errors.js';
import { nestsDeeperThan } from '../util/jsonDepth.js';
import { badRequest } from './status.js';

/**
 * The deepest nesting a body may have. The API's bodies nest 3 levels at most ({"examples":
 * [{"labels": [...]}]}); a body nested thousands of levels deep gave 500 (a stack overflow in an
 * error message) before this bound.
 */
export const MAX_JSON_DEPTH = 32;

/** Past this many times the limit, the connection is closed instead of drained. */
const DRAIN_FACTOR = 16;

/** The client closed its connection before its body was complete: its business, not a server error. */
export class ClientDisconnect extends Error {}

/** True when the request declares a Content-Length over `limit`. */
export function declaredTooLarge(req: IncomingMessage, limit: number): boolean {
  const declared = Number(req.headers['content-length'] ?? NaN);
  return Number.isFinite(declared) && declared > limit;
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLargeError = () => new AccreteError('TOO_LARGE', `the body is larger than the limit of ${limit} bytes (--max-body)`);
    let size = 0;
    let tooLarge = declaredTooLarge(req, limit);
    // Answered now; node discards what the client still sends (up to the cut-off below).
    if (tooLarge) reject(tooLargeError());
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (tooLarge) {
        chunks.length = 0;
        if (size > limit * DRAIN_FACTOR) {
          reject(tooLargeError());
          req.destroy();
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (tooLarge ? reject(tooLargeError()) : resolve(Buffer.concat(chunks))));
    req.on('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ECONNRESET' ? new ClientDisconnect('the client disconnected before its body was complete', { cause: err }) : err));
  });
}

/** The body as JSON (an empty body is `empty`). */
export async function readJson(req: IncomingMessage, limit: number, empty?: unknown): Promise<unknown> {
  const body = await readBody(req, limit);
  if (body.length === 0) {
    if (empty !== undefined) return empty;
    throw badRequest('the body is empty; send a JSON object');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw badRequest('the body is not valid UTF-8');
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw badRequest(`the body nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep; the API's bodies need 3`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`the body is not valid JSON: ${(err as Error).message}`);
  }
}
