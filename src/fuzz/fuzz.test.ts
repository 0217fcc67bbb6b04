/**
 * Property-based fuzzing of every input boundary (issue 18): data readers, model files, fastText
 * .bin, request validators and the HTTP routes. Seeds first (seeds.ts), then random inputs:
 * ACCRETE_FUZZ_RUNS per target (default 200: about 5 s for the whole file, well under a minute); `npm run
 * bench:fuzz` runs the same properties far longer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { servedTinyModel } from '../serve/testing.js';
import { fuzzRuns, typedOnly } from './runs.js';
import { serveTarget } from './serveTarget.js';
import { offlineTargets, type FuzzTarget } from './targets.js';

const RUNS = fuzzRuns(200);
const served = servedTinyModel('accrete-fuzz-serve-');

async function check(t: FuzzTarget): Promise<void> {
  await fc.assert(t.property, { numRuns: Math.max(1, Math.round(RUNS * t.weight)), examples: t.examples, seed: process.env.ACCRETE_FUZZ_SEED ? Number(process.env.ACCRETE_FUZZ_SEED) : undefined });
}

test('fuzz: data readers, model files, fastText .bin, request validators', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'accrete-fuzz-'));
  try {
    for (const t of await offlineTargets(dir)) await check(t);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fuzz: every route with a body, on a real server', async () => {
  await check(serveTarget(() => served.url));
  // The server is still up and answering.
  const r = await fetch(served.url + '/v1/health', { signal: AbortSignal.timeout(10_000) });
  assert.equal(r.status, 200);
});

test('the fuzz harness can fail: an untyped error fails typedOnly, a typed one passes', async () => {
  await assert.rejects(typedOnly(() => JSON.parse('{')), SyntaxError);
  await typedOnly(async () => {
    const { AccreteError } = await import('../errors.js');
    throw new AccreteError('BAD_DATA', 'x');
  });
});
