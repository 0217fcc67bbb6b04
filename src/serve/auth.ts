/** The bearer token that guards every write: from ACCRETE_TOKEN, else made at start and printed once. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AccreteError, UsageError } from '../errors.js';

/** Shortest token accepted from ACCRETE_TOKEN. */
export const MIN_TOKEN = 8;

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Refuses a token too short to be a secret, or one no client could present: `Authorization: Bearer`
 * carries one run of visible ASCII characters, so a token with a space, a control character or a
 * non-ASCII letter would be accepted here and then fail every write with 401 (checked before the
 * registry is touched).
 */
export function checkToken(token: string): void {
  if (token.length < MIN_TOKEN) throw new UsageError(`ACCRETE_TOKEN must be at least ${MIN_TOKEN} characters long (it has ${token.length}); set a longer one, or unset it to have one generated`);
  const bad = [...token].findIndex((c) => c < '!' || c > '~');
  if (bad >= 0) throw new UsageError(`ACCRETE_TOKEN has ${JSON.stringify(token[bad])} at position ${bad + 1}: a bearer token is visible ASCII characters only (no spaces, control characters or non-ASCII letters), else no client could send it`);
}

/** A checker for `Authorization: Bearer <token>`; compares digests in constant time. */
export function bearerCheck(token: string): (req: IncomingMessage) => void {
  checkToken(token);
  const expected = digest(token);
  return (req) => {
    const header = req.headers.authorization;
    if (header === undefined) throw new AccreteError('UNAUTHORIZED', 'this route needs "Authorization: Bearer <token>" (the token accrete serve printed, or ACCRETE_TOKEN)');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]), expected)) throw new AccreteError('UNAUTHORIZED', 'wrong token');
  };
}
