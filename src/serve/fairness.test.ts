/**
 * Prediction work shared between requests, through the service and over HTTP, with the tiny model:
 * a request keeps the version it was admitted with across a swap; while the scheduler is busy a
 * one-text predict is answered, a large one refused with 503 and Retry-After; a client that
 * disconnects has its task dropped. A busy scheduler is made deterministic with an "occupier" task
 * of many texts whose every step takes 1 ms, aborted at the end of each test.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, inProcess, jsonl, tinyModel } from './testing.js';
import type { RunningServer } from './server.js';
import type { Service } from './service.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-fairness-'));
let service: Service;
let server: RunningServer;
let url: string;

before(async () => {
  await tinyModel(join(dir, 'base'));
  // One text per slice; a queue bound small enough for a 200-text request to pass it.
  ({ service, server, url } = await inProcess({ registry: join(dir, 'reg', 'registry.db'), model: join(dir, 'base'), drift: false, scheduler: { sliceMs: Infinity, sliceChars: 1, maxQueuedChars: 2000 } }));
});
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const probes = jsonl('wordnet3.test.jsonl').map((e) => e.text);

/** Keeps the scheduler busy (one 1 ms step per turn, 10 characters each) until aborted. */
function occupy(): { stop: () => Promise<void>; steps: () => number } {
  const gone = new AbortController();
  let steps = 0;
  const task = service.predictions.run(Array(100_000).fill('xxxxxxxxxx'), () => {
    const t = performance.now();
    while (performance.now() - t < 1);
    steps++;
  }, gone.signal);
  return { stop: () => (gone.abort(), task.then(() => assert.fail('the occupier never finishes'), () => {})), steps: () => steps };
}

test('a request keeps the version it was admitted with when another is swapped in mid-request', async () => {
  const v1 = service.active;
  const texts = probes.slice(0, 40);
  const expected = texts.map((t) => v1.model.predict(t, { k: 3 }));
  // A different model: the same vocabulary with a zeroed output layer (every label equally likely).
  const other = v1.model.clone();
  other.params.output.data.fill(0);
  const pending = service.predict({ texts, single: false, k: 3, threshold: 0 });
  assert.ok(service.predictions.stats().tasks === 1, 'the request is under way (one text per slice)');
  service.swap('v9', other);
  try {
    const answer = await pending;
    assert.equal(answer.version, v1.id);
    assert.deepEqual(answer.predictions, expected, 'every prediction comes from the pinned version');
    const after = await service.predict({ texts: texts.slice(0, 1), single: true, k: 3, threshold: 0 });
    assert.equal(after.version, 'v9');
    assert.notDeepEqual(after.predictions, expected[0], 'the swapped-in version predicts otherwise');
  } finally {
    service.swap(v1.id, v1.model);
  }
});

test('while the scheduler is busy, a one-text predict is answered and a large batch refused with 503 and Retry-After', async () => {
  const busy = occupy();
  try {
    const one = await call(url, 'POST', '/v1/predict', { text: 'a small dog' }, false);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.version, service.active.id);
    const texts = Array.from({ length: 200 }, (_, i) => probes[i % probes.length]);
    const res = await fetch(url + '/v1/predict', { method: 'POST', body: JSON.stringify({ texts }), signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(res.status, 503);
    assert.equal(body.error.code, 'OVERLOADED');
    assert.match(body.error.message, /too much prediction work queued .* retry after \d+ s, or send smaller batches/);
    assert.match(res.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
    // Feedback predictions share the same queue and bound.
    const fb = await call(url, 'POST', '/v1/feedback', { examples: texts.map((text) => ({ text, label: 'noun.animal' })) });
    assert.equal(fb.status, 503, fb.text);
    assert.ok(busy.steps() > 0 && service.predictions.stats().tasks === 1, 'only the occupier is left, still running');
  } finally {
    await busy.stop();
  }
  assert.equal(service.predictions.stats().tasks, 0);
});

test('a client that disconnects has its prediction task dropped', async () => {
  const busy = occupy();
  const droppedBefore = service.predictions.stats().dropped;
  try {
    const body = JSON.stringify({ texts: Array.from({ length: 150 }, (_, i) => probes[i % probes.length].slice(0, 5)) });
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path: '/v1/predict', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    req.on('error', () => {});
    req.end(body);
    await until(() => service.predictions.stats().tasks === 2, 'the request is admitted');
    req.destroy();
    await until(() => service.predictions.stats().dropped === droppedBefore + 1, 'the task is dropped');
    assert.equal(service.predictions.stats().tasks, 1, 'only the occupier is left');
  } finally {
    await busy.stop();
  }
});

async function until(ok: () => boolean, what: string, ms = 5000): Promise<void> {
  const started = performance.now();
  while (!ok()) {
    if (performance.now() - started > ms) assert.fail(`timed out waiting until ${what}: ${JSON.stringify(service.predictions.stats())}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}
