/**
 * Bad requests: malformed JSON, missing or wrong fields, oversized bodies, a wrong or missing
 * token, unknown version ids and path tricks all get a 4xx with a message, and change nothing:
 * not the registry's rows, not its files, not the version being served.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from './service.js';
import { call, inProcess, tinyModel, TOKEN } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-bad-'));
let url: string;
let service: Service;
let close: () => Promise<void>;

before(async () => {
  await tinyModel(join(dir, 'base'));
  const s = await inProcess({ registry: join(dir, 'reg', 'registry.db'), model: join(dir, 'base'), limits: { maxBody: 64 * 1024, maxText: 1000, maxBatch: 50 }, drift: false });
  ({ url, service } = s);
  close = () => s.server.close();
});
after(async () => {
  await close?.();
  rmSync(dir, { recursive: true, force: true });
});

/** Everything a request could change. */
async function snapshot() {
  const r = service.registry;
  return {
    active: service.active.id,
    registryActive: await r.activeId(),
    versions: await r.versions(),
    activations: await r.activations(),
    jobs: await r.jobs(),
    feedback: await r.feedbackCount(),
    pending: service.pending,
    files: readdirSync(join(dir, 'reg', 'versions')).sort(),
  };
}

/** A request with a raw path and body (fetch would normalise the path first). */
function raw(method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, method, path, headers: { authorization: `Bearer ${TOKEN}`, ...headers }, timeout: 10_000 }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

const big = 'word '.repeat(20_000); // 100 kB: over the 64 KiB body limit

const cases: [name: string, send: () => Promise<{ status: number; json: any }>, status: number][] = [
  ['malformed JSON (predict)', () => call(url, 'POST', '/v1/predict', '{"text": ', false), 400],
  ['malformed JSON (feedback)', () => call(url, 'POST', '/v1/feedback', '{"text": "a", "label": }'), 400],
  ['malformed JSON (update)', () => call(url, 'POST', '/v1/update', '{'), 400],
  ['invalid UTF-8', () => raw('POST', '/v1/feedback', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d])), 400],
  ['empty predict body', () => call(url, 'POST', '/v1/predict', '', false), 400],
  ['predict: no text', () => call(url, 'POST', '/v1/predict', {}, false), 400],
  ['predict: text is a number', () => call(url, 'POST', '/v1/predict', { text: 5 }, false), 400],
  ['predict: text and texts', () => call(url, 'POST', '/v1/predict', { text: 'a', texts: ['b'] }, false), 400],
  ['predict: k = 0', () => call(url, 'POST', '/v1/predict', { text: 'a', k: 0 }, false), 400],
  ['predict: unknown field', () => call(url, 'POST', '/v1/predict', { text: 'a', model: 'v2' }, false), 400],
  ['predict: an array body', () => call(url, 'POST', '/v1/predict', [1], false), 400],
  ['predict: text over the limit', () => call(url, 'POST', '/v1/predict', { text: 'x'.repeat(1001) }, false), 400],
  ['predict: too many texts', () => call(url, 'POST', '/v1/predict', { texts: Array(51).fill('a') }, false), 400],
  ['feedback: no label', () => call(url, 'POST', '/v1/feedback', { text: 'a cat' }), 400],
  ['feedback: empty label', () => call(url, 'POST', '/v1/feedback', { text: 'a cat', label: ' ' }), 400],
  ['feedback: no text', () => call(url, 'POST', '/v1/feedback', { label: 'noun.animal' }), 400],
  ['feedback: negative weight', () => call(url, 'POST', '/v1/feedback', { text: 'a cat', label: 'x', weight: -1 }), 400],
  ['feedback: weight 1e30 (would make the update diverge)', () => call(url, 'POST', '/v1/feedback', { text: 'a cat', label: 'noun.animal', weight: 1e30 }), 400],
  ['feedback: weight 1e308 in examples', () => call(url, 'POST', '/v1/feedback', { examples: [{ text: 'a cat', label: 'noun.animal' }, { text: 'a dog', label: 'noun.animal', weight: 1e308 }] }), 400],
  ['feedback: weight just over the bound', () => call(url, 'POST', '/v1/feedback', { text: 'a cat', label: 'noun.animal', weight: 100.5 }), 400],
  ['feedback: empty examples', () => call(url, 'POST', '/v1/feedback', { examples: [] }), 400],
  ['feedback: one bad example of two (none recorded)', () => call(url, 'POST', '/v1/feedback', { examples: [{ text: 'a cat', label: 'noun.animal' }, { text: 'a dog' }] }), 400],
  ['feedback: examples and text', () => call(url, 'POST', '/v1/feedback', { examples: [{ text: 'a', label: 'b' }], text: 'c' }), 400],
  ['feedback: bad source', () => call(url, 'POST', '/v1/feedback', { text: 'a', label: 'b', source: 'a b/c' }), 400],
  ['update: rounds 0', () => call(url, 'POST', '/v1/update', { rounds: 0 }), 400],
  ['update: unknown selection', () => call(url, 'POST', '/v1/update', { select: 'bogus' }), 400],
  ['update: gate off is not an option', () => call(url, 'POST', '/v1/update', { gate: false }), 400],
  ['update: growTable not a boolean', () => call(url, 'POST', '/v1/update', { growTable: 'no' }), 400],
  ['oversized predict body', () => call(url, 'POST', '/v1/predict', { text: big }, false), 413],
  ['oversized feedback body', () => call(url, 'POST', '/v1/feedback', { text: big, label: 'x' }), 413],
  ['oversized body, chunked', () => raw('POST', '/v1/feedback', JSON.stringify({ text: big, label: 'x' }), { 'transfer-encoding': 'chunked' }), 413],
  ['feedback without a token', () => call(url, 'POST', '/v1/feedback', { text: 'a cat', label: 'noun.animal' }, false), 401],
  ['feedback with a wrong token', () => call(url, 'POST', '/v1/feedback', { text: 'a cat', label: 'noun.animal' }, 'wrong-token-123'), 401],
  ['update with a wrong token', () => call(url, 'POST', '/v1/update', {}, `${TOKEN}x`), 401],
  ['activate with basic auth', () => call(url, 'POST', '/v1/models/v1/activate', undefined, false, { authorization: 'Basic dXNlcjpwYXNz' }), 401],
  ['rollback without a token', () => call(url, 'POST', '/v1/models/rollback', undefined, false), 401],
  ['activate an unknown version', () => call(url, 'POST', '/v1/models/v99/activate'), 404],
  ['show an unknown version', () => call(url, 'GET', '/v1/models/v99', undefined, false), 404],
  ['activate: encoded ../ in the id', () => raw('POST', '/v1/models/..%2F..%2Fregistry.db/activate'), 404],
  ['activate: encoded .. as the id', () => raw('POST', '/v1/models/%2e%2e/activate'), 404],
  ['activate: NUL in the id', () => raw('POST', '/v1/models/v1%00/activate'), 404],
  ['activate: dot segments in the path', () => raw('POST', '/v1/models/v1/../../../versions/v1/activate'), 404],
  ['show: absolute path as the id', () => raw('GET', '/v1/models/%2Fetc%2Fpasswd'), 404],
  ['bad percent-encoding', () => raw('POST', '/v1/models/%E0%A4%A/activate'), 400],
  ['activate with a body', () => call(url, 'POST', '/v1/models/v1/activate', { version: 'v2' }), 400],
  ['an unknown job', () => call(url, 'GET', '/v1/updates/999', undefined, false), 404],
  ['a job id that is not a number', () => call(url, 'GET', '/v1/updates/1;drop', undefined, false), 404],
  ['an unknown route', () => call(url, 'GET', '/v1/nothing', undefined, false), 404],
  ['the wrong method', () => call(url, 'GET', '/v1/feedback', undefined, false), 405],
  ['rollback with no parent to go to', () => call(url, 'POST', '/v1/models/rollback'), 409],
];

test('every bad request: a 4xx with a message, and nothing changed', async () => {
  const before = await snapshot();
  for (const [name, send, status] of cases) {
    const r = await send();
    assert.equal(r.status, status, `${name}: ${JSON.stringify(r.json)}`);
    assert.ok(typeof r.json?.error?.message === 'string' && r.json.error.message.length > 5, `${name}: no message`);
    assert.deepEqual(await snapshot(), before, `${name} changed something`);
  }
  // The message names the field and the bound.
  const w = await call(url, 'POST', '/v1/feedback', { examples: [{ text: 'a cat', label: 'noun.animal', weight: 1e30 }] });
  assert.match(w.json.error.message, /"examples\[0\]\.weight" must be a number in \(0, 100\], got 1e\+30/);
  // The server is still fine, and the snapshot does see a change.
  assert.equal((await call(url, 'POST', '/v1/predict', { text: 'a small dog' }, false)).status, 200);
  assert.equal((await call(url, 'POST', '/v1/feedback', { text: 'a small dog', label: 'noun.animal' })).status, 200);
  assert.equal((await call(url, 'POST', '/v1/feedback', { text: 'a small cat', label: 'noun.animal', weight: 100 })).status, 200, 'the bound itself is allowed');
  assert.notDeepEqual(await snapshot(), before);
});

test('HEAD answers like GET without a body; a wrong method gets 405 METHOD_NOT_ALLOWED with Allow', async () => {
  for (const path of ['/v1/health', '/v1/models', '/metrics']) {
    const head = await fetch(url + path, { method: 'HEAD', signal: AbortSignal.timeout(10_000) });
    assert.equal(head.status, 200, path);
    assert.equal(await head.text(), '', `${path}: no body`);
  }
  const post = await fetch(url + '/v1/health', { method: 'DELETE', signal: AbortSignal.timeout(10_000) });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  assert.equal(((await post.json()) as any).error.code, 'METHOD_NOT_ALLOWED');
  const get = await call(url, 'GET', '/v1/feedback', undefined, false);
  assert.deepEqual([get.status, get.json.error.code], [405, 'METHOD_NOT_ALLOWED']);
  assert.equal((await call(url, 'HEAD', '/v1/feedback', undefined, false)).status, 405, 'HEAD only for GET routes');
});
