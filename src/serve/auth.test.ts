/** The token: what start-up refuses, and that every token it accepts can be presented. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { AccreteError } from '../errors.js';
import { bearerCheck, checkToken, generateToken } from './auth.js';

const usage = (err: unknown) => err instanceof AccreteError && err.code === 'USAGE';
const request = (authorization: string) => ({ headers: { authorization } }) as IncomingMessage;

test('tokens no client can send are refused at start: spaces, tabs, newlines, control and non-ASCII characters', () => {
  for (const token of ['has a space in it', 'tab\there-long', 'newline\nhere', 'trailing-space ', 'ctrl\u0001chars', 'caf\u00e9-token-long', '\u00a0nbsp-token']) {
    assert.throws(() => checkToken(token), usage, JSON.stringify(token));
  }
  assert.throws(() => checkToken('short'), usage);
});

test('every token accepted at start is accepted when presented, and a wrong one is not', () => {
  for (const token of [generateToken(), 'abcdefgh', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~']) {
    checkToken(token);
    const check = bearerCheck(token);
    check(request(`Bearer ${token}`));
    assert.throws(() => check(request(`Bearer ${token}x`)), (err: unknown) => err instanceof AccreteError && err.code === 'UNAUTHORIZED');
  }
});
