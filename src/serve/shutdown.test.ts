/**
 * Graceful shutdown: requests in flight are answered before the connections close, and an update
 * running at SIGTERM answers 503 (its feedback pending again at the next start), with no stack
 * trace in the log and exit status 0.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, inProcess, jsonl, spawnServe, stop, tinyModel, TOKEN } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-shutdown-'));

before(async () => tinyModel(join(dir, 'base')));
after(() => rmSync(dir, { recursive: true, force: true }));

test('close() lets a request in flight finish, and takes no new connection', async () => {
  const { server, url } = await inProcess({ registry: join(dir, 'a', 'registry.db'), model: join(dir, 'base'), drift: false });
  const body = JSON.stringify({ text: 'a small dog', label: 'noun.animal' });
  const u = new URL(url);
  const req = request({ host: u.hostname, port: u.port, method: 'POST', path: '/v1/feedback', headers: { authorization: `Bearer ${TOKEN}`, 'content-length': Buffer.byteLength(body) } });
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 10)); // the server is now reading this request's body
  await new Promise((r) => setTimeout(r, 100));
  const closed = server.close();
  await new Promise((r) => setTimeout(r, 100));
  await assert.rejects(call(url, 'GET', '/v1/health', undefined, false, {}, 2000), 'a new connection is refused');
  req.end(body.slice(10));
  const r = await answer;
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(JSON.parse(r.text), { accepted: 1, ids: [1], pending: 1 });
  await closed;
});

test('SIGTERM during an update: 503 for its request, exit 0, no stack trace, feedback pending again', async () => {
  const args = ['--registry', join(dir, 'b', 'registry.db'), '--model', join(dir, 'base'), '--no-drift'];
  let s = await spawnServe(args, { ACCRETE_TEST_PAUSE: 'update' });
  const examples = jsonl('wordnet3.test.jsonl').slice(0, 5).map((e) => ({ text: e.text, label: e.labels[0] }));
  assert.equal((await call(s.url, 'POST', '/v1/feedback', { examples })).status, 200);
  const update = call(s.url, 'POST', '/v1/update', {});
  await s.waitFor(/test pause: update/);
  await stop(s);
  const r = await update;
  assert.equal(r.status, 503, r.text);
  assert.equal(r.json.error.code, 'UNAVAILABLE');
  assert.match(r.json.error.message, /shutting down: update job 1 was interrupted, and its 5 feedback event\(s\) will be pending again/);
  assert.equal(await s.exited, 0, s.log());
  assert.doesNotMatch(s.log(), /^\s+at /m, 'no stack trace in the log');
  assert.doesNotMatch(s.log(), /error on POST/);

  s = await spawnServe(args);
  const stats = (await call(s.url, 'GET', '/v1/stats', undefined, false)).json;
  assert.equal(stats.feedback.pending, 5);
  assert.equal((await call(s.url, 'GET', '/v1/updates/1', undefined, false)).json.state, 'interrupted');
  await stop(s);
});
