/**
 * The HTTP routes that take a body, fuzzed against a real server: any body gets a 2xx, or a 4xx
 * with a JSON error message; never a 5xx, a reset or a hang (each call has a timeout).
 */
import fc from 'fast-check';
import { call } from '../serve/testing.js';
import { BODY_SEEDS } from './seeds.js';
import type { FuzzTarget } from './targets.js';

const ROUTES = Object.keys(BODY_SEEDS);

/** Bodies near the API's shapes, JSON values, and raw text (not JSON, not UTF-8-looking). */
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.record({ text: fc.oneof(fc.string({ unit: 'binary', minLength: 1 }), fc.jsonValue()), label: fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('noun.animal', 'noun.artifact', 'x\ny')), k: fc.integer({ min: -2, max: 2000 }), weight: fc.double() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.dictionary(fc.constantFrom('rounds', 'patience', 'budgetMs', 'lr', 'replayRatio', 'ewc', 'distill', 'balance', 'seed', 'maxDrop', 'select'), fc.oneof(fc.double({ noNaN: true }), fc.integer({ min: 0, max: 300 }), fc.jsonValue({ maxDepth: 2 })), { maxKeys: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.integer({ min: 1, max: 200_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
);

/** One target over `url` (a server started with testing.ts's TOKEN). */
export function serveTarget(url: () => string): FuzzTarget {
  const property = fc.asyncProperty(fc.tuple(fc.constantFrom(...ROUTES), body, fc.boolean()) as fc.Arbitrary<unknown>, async (input) => {
    const [route, text, token] = input as [string, string, boolean];
    const r = await call(url(), 'POST', route, text, token, {}, 60_000);
    if (r.status >= 500) throw new Error(`${route} answered ${r.status}: ${r.text.slice(0, 300)}`);
    if (r.status >= 400 && typeof r.json?.error?.message !== 'string') throw new Error(`${route} answered ${r.status} without a JSON error message: ${r.text.slice(0, 300)}`);
  });
  const examples = Object.entries(BODY_SEEDS).flatMap(([route, bodies]) => bodies.map((b) => [[route, b, true]] as [unknown]));
  return { name: 'http: routes (real server)', property, examples, weight: 0.5 };
}
