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

/** Refuses a token too short to be a secret (checked before the registry is touched). */
export function checkToken(token: string): void {
  if (token.length < MIN_TOKEN) throw new UsageError(`ACCRETE_TOKEN must be at least ${MIN_TOKEN} characters long (it has ${token.length}); set a longer one, or unset it to have one generated`);
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
