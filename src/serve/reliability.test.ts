/**
 * Reliability of the service (issue 18): a failed update gives its feedback back; a diagnosis
 * tells a fault of the options or the files (nothing quarantined, health degraded, automatic
 * updates back off) from a fault of the data (the event that makes updates fail is quarantined);
 * storage faults, reached through the fault seam (util/faultSeam.ts), are 503 answers with
 * Retry-After and one log line per kind per minute, and the server recovers when they clear; a
 * damaged memory file of the active version is found at start.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from './service.js';
import { call, inProcess, jsonl, plantTexts, tinyModel } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-reliability-'));
const faultFile = join(dir, 'fault');
// Set before any server (and its update workers) starts: workers take the environment they start with.
process.env.ACCRETE_FAULT_FILE = faultFile;
const setFault = (text: string) => writeFileSync(faultFile, text);

let n = 0;
const logs: string[] = [];
const opened: { close(): Promise<void> }[] = [];
async function serve(options: { updateEvery?: number } = {}): Promise<{ url: string; service: Service; registry: string }> {
  const registry = join(dir, `r${++n}`, 'registry.db');
  const s = await inProcess({ registry, model: join(dir, 'base'), drift: false, watchMs: 50, log: (l) => logs.push(l), updateEvery: options.updateEvery ?? null });
  opened.push(s.server);
  return { url: s.url, service: s.service, registry };
}

before(async () => {
  setFault('');
  await tinyModel(join(dir, 'base'));
});
after(async () => {
  for (const s of opened) await s.close();
  delete process.env.ACCRETE_FAULT_FILE;
  rmSync(dir, { recursive: true, force: true });
});

const train = jsonl('wordnet3.train.jsonl');
const examples = (count: number, from = 0) => train.slice(from, from + count).map((e) => ({ text: e.text, label: e.labels[0] }));

test('an update that diverges on its options (lr 100) leaves every event pending, quarantines nothing, and health says degraded', async () => {
  const { url } = await serve();
  assert.equal((await call(url, 'POST', '/v1/feedback', { examples: examples(3) })).status, 200);
  const failed = await call(url, 'POST', '/v1/update', { lr: 100 });
  assert.equal(failed.status, 422, failed.text);
  assert.equal(failed.json.error.code, 'DIVERGED');
  assert.match(failed.json.error.message, /known-good examples fails too/);
  const stats = (await call(url, 'GET', '/v1/stats', undefined, false)).json;
  assert.deepEqual([stats.feedback.pending, stats.feedback.quarantined], [3, 0], 'the failed job consumed nothing');
  const jobs = (await call(url, 'GET', '/v1/updates', undefined, false)).json.updates;
  assert.deepEqual([jobs[0].state, jobs[0].fault], ['failed', 'environment']);
  let health = (await call(url, 'GET', '/v1/health', undefined, false)).json;
  assert.equal(health.status, 'degraded');
  assert.equal(health.updates.consecutiveFailures, 1);
  assert.match(health.problems[0], /environment fault/);
  const metrics = (await call(url, 'GET', '/metrics', undefined, false)).text;
  assert.match(metrics, /^accrete_update_consecutive_failures 1$/m);
  assert.match(metrics, /^accrete_healthy 0$/m);
  // The same events with sane options: learned from, and health is ok again.
  const ok = await call(url, 'POST', '/v1/update', {});
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.report.data.new, 3, 'the update used the events the failed one gave back');
  health = (await call(url, 'GET', '/v1/health', undefined, false)).json;
  assert.deepEqual([health.status, health.problems], ['ok', []]);
});

test('an event that makes updates fail on its own is found and quarantined with its reason; the rest stay pending and are learned', async () => {
  const { url } = await serve();
  // At lr 10 ordinary examples update fine (the control run), but one weighted 100 drives the update to Inf.
  const batch: { text: string; label: string; weight?: number }[] = examples(8);
  batch[3] = { ...batch[3], weight: 100 };
  const fed = await call(url, 'POST', '/v1/feedback', { examples: batch });
  assert.equal(fed.status, 200, fed.text);
  const poisonId = fed.json.ids[3];
  const failed = await call(url, 'POST', '/v1/update', { lr: 10 }, true, {}, 60_000);
  assert.equal(failed.status, 422, failed.text);
  assert.match(failed.json.error.message, /1 feedback event\(s\) that make updates fail were quarantined/);
  const job = (await call(url, 'GET', `/v1/updates/${failed.json.error.message.match(/update job (\d+)/)[1]}`, undefined, false)).json;
  assert.equal(job.fault, 'data');
  assert.deepEqual(job.quarantined.map((q: { id: number }) => q.id), [poisonId]);
  assert.match(job.quarantined[0].reason, /diverged/);
  const stats = (await call(url, 'GET', '/v1/stats', undefined, false)).json;
  assert.deepEqual([stats.feedback.pending, stats.feedback.quarantined], [7, 1]);
  assert.match((await call(url, 'GET', '/metrics', undefined, false)).text, /^accrete_feedback_quarantined 1$/m);
  // Without the quarantined event the same update goes through, on the other 7.
  const ok = await call(url, 'POST', '/v1/update', { lr: 10 }, true, {}, 60_000);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.report.data.new, 7);
});

test('automatic updates back off after a failure instead of retrying on every event', async () => {
  // --update-every 2 with an lr that always diverges is not possible (policies use defaults), so damage the parent's weights.
  const { url, service } = await serve({ updateEvery: 2 });
  const weights = join(service.registry.dirOf('v1'), 'weights.safetensors');
  const bytes = readFileSync(weights);
  bytes[bytes.length - 3] ^= 0xff;
  writeFileSync(weights, bytes);
  for (let i = 0; i < 5; i++) await call(url, 'POST', '/v1/feedback', { examples: examples(2, 60 + 2 * i) });
  const deadline = Date.now() + 20_000;
  while (service.updates.running && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const jobs = (await call(url, 'GET', '/v1/updates', undefined, false)).json.updates;
  assert.equal(jobs.length, 1, `one failed job, then a wait: ${JSON.stringify(jobs.map((j: { state: string }) => j.state))}`);
  assert.deepEqual([jobs[0].state, jobs[0].fault], ['failed', 'environment']);
  assert.match(jobs[0].error, /checksum mismatch/);
  const health = (await call(url, 'GET', '/v1/health', undefined, false)).json;
  assert.equal(health.status, 'degraded');
  assert.ok(health.updates.retryInMs > 0, 'an automatic retry is scheduled, later');
  assert.equal((await call(url, 'GET', '/v1/stats', undefined, false)).json.feedback.pending, 10, 'nothing consumed');
});

test('a full disk while the version is written: 503 STORAGE, the feedback stays pending', async () => {
  const { url } = await serve();
  // A new label: an update the gate accepts, so its version is written.
  await call(url, 'POST', '/v1/feedback', { examples: plantTexts(3).slice(1).map((text) => ({ text, label: 'noun.plant' })) });
  setFault('file:full');
  try {
    const r = await call(url, 'POST', '/v1/update', {}, true, {}, 60_000);
    assert.equal(r.status, 503, r.text);
    assert.equal(r.json.error.code, 'STORAGE');
    assert.match(r.json.error.message, /disk is full/);
    assert.equal(r.headers['retry-after'], '10');
  } finally {
    setFault('');
  }
  assert.equal((await call(url, 'GET', '/v1/stats', undefined, false)).json.feedback.pending, 2);
  const again = await call(url, 'POST', '/v1/update', {}, true, {}, 60_000);
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.accepted, true, 'the same update, once the disk has room');
});

test('a read-only registry: writes get 503 with Retry-After and one log line a minute; predictions go on; it recovers when the fault clears', async () => {
  const { url } = await serve();
  const before = logs.length;
  setFault('database:read-only');
  try {
    for (let i = 0; i < 20; i++) {
      const r = await call(url, 'POST', '/v1/feedback', { text: 'a small dog', label: 'noun.animal' });
      assert.equal(r.status, 503, r.text);
      assert.equal(r.json.error.code, 'STORAGE');
      assert.equal(r.headers['retry-after'], '10');
    }
    assert.equal((await call(url, 'POST', '/v1/predict', { text: 'a small dog' }, false)).status, 200);
    const lines = logs.slice(before).filter((l) => /storage fault/.test(l));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.ok(!logs.slice(before).some((l) => /\n\s+at /.test(l)), 'no stack traces');
    assert.equal((await call(url, 'GET', '/v1/health', undefined, false)).json.status, 'degraded');
  } finally {
    setFault('');
  }
  assert.equal((await call(url, 'POST', '/v1/feedback', { text: 'a small dog', label: 'noun.animal' })).status, 200);
});

test('an I/O error: the connection is opened anew, without a restart', async () => {
  const { url } = await serve();
  setFault('database:io');
  try {
    assert.equal((await call(url, 'POST', '/v1/feedback', { text: 'a small dog', label: 'noun.animal' })).status, 503);
  } finally {
    setFault('');
  }
  const deadline = Date.now() + 5000;
  while (!logs.some((l) => /opened anew/.test(l)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(logs.some((l) => /opened anew/.test(l)), 'reopened');
  assert.equal((await call(url, 'POST', '/v1/feedback', { text: 'a small dog', label: 'noun.animal' })).status, 200);
});

test('a damaged replay memory of the active version is found at start, with what to do', async () => {
  const { service, registry } = await serve();
  const replay = join(service.registry.dirOf('v1'), 'replay.json');
  const server = opened.pop()!;
  await server.close();
  const bytes = readFileSync(replay);
  bytes[Math.floor(bytes.length / 2)] ^= 0x01;
  writeFileSync(replay, bytes);
  await assert.rejects(inProcess({ registry, drift: false, log: () => {} }), (err: Error) => /replay\.json: checksum mismatch/.test(err.message) && /accrete models rollback/.test(err.message));
});

test('a server does not start on a registry it cannot write, and says why', async () => {
  const { registry } = await serve();
  await opened.pop()!.close();
  setFault('database:read-only');
  try {
    await assert.rejects(inProcess({ registry, drift: false, log: () => {} }), (err: Error & { code?: string }) => err.code === 'STORAGE' && /cannot serve the registry .*read-only/.test(err.message));
  } finally {
    setFault('');
  }
});
