/** The bearer token that guards every write: from ACCRETE_TOKEN, else made at start and printed once. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AccreteError } from '../errors.js';

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** A checker for `Authorization: Bearer <token>`; compares digests in constant time. */
export function bearerCheck(token: string): (req: IncomingMessage) => void {
  if (token.length < 8) throw new AccreteError('USAGE', 'ACCRETE_TOKEN must be at least 8 characters long');
  const expected = digest(token);
  return (req) => {
    const header = req.headers.authorization;
    if (header === undefined) throw new AccreteError('UNAUTHORIZED', 'this route needs "Authorization: Bearer <token>" (the token accrete serve printed, or ACCRETE_TOKEN)');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]), expected)) throw new AccreteError('UNAUTHORIZED', 'wrong token');
  };
}
