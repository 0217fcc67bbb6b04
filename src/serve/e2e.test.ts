/**
 * The service end to end, on loopback, with `accrete serve` spawned: train -> serve -> predict ->
 * feedback with a new label -> update accepted -> the prediction changes -> poisoned feedback ->
 * update rejected -> rollback restores the earlier predictions; then `accrete models` on the same
 * registry, and /metrics.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, jsonl, MAIN, plantTexts, poisonedFeedback, spawnServe, stop, tinyModel, type Spawned } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-e2e-'));
const registry = join(dir, 'reg', 'registry.db');
let server: Spawned;

before(async () => {
  await tinyModel(join(dir, 'base'));
  server = await spawnServe(['--registry', registry, '--model', join(dir, 'base'), '--no-drift']);
});
after(async () => {
  if (server) await stop(server);
  rmSync(dir, { recursive: true, force: true });
});

const probes = [...jsonl('wordnet3.test.jsonl').slice(0, 30).map((e) => e.text)];
const plant = plantTexts(3);

async function predictAll(texts: string[]): Promise<{ version: string; predictions: { label: string; score: number }[][] }> {
  const r = await call(server.url, 'POST', '/v1/predict', { texts, k: 2 }, false);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

test('train -> serve -> feedback -> accepted -> poisoned -> rejected -> rollback', async () => {
  const health = await call(server.url, 'GET', '/v1/health', undefined, false);
  assert.deepEqual([health.json.ok, health.json.version, health.json.status, health.json.problems], [true, 'v1', 'ok', []]);
  // The texts corrected below are in every prediction list: their predictions must change, then come back.
  const texts = [...probes, plant[1], plant[2]];
  const v1 = await predictAll(texts);
  assert.equal(v1.version, 'v1');
  assert.ok(v1.predictions.slice(-2).every((p) => p[0].label !== 'noun.plant'), 'the parent cannot know the new label');

  // A user corrects two predictions with a label the model has never seen; the update is accepted and the predictions change.
  const fb = await call(server.url, 'POST', '/v1/feedback', { examples: [plant[1], plant[2]].map((text) => ({ text, label: 'noun.plant' })) });
  assert.equal(fb.status, 200, fb.text);
  assert.equal(fb.json.accepted, 2);
  const up = await call(server.url, 'POST', '/v1/update', {});
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.accepted, true, JSON.stringify(up.json.reasons));
  assert.equal(up.json.version, 'v2');
  assert.deepEqual(up.json.report.newLabels, ['noun.plant']);
  const v2 = await predictAll(texts);
  assert.equal(v2.version, 'v2');
  assert.deepEqual(v2.predictions.slice(-2).map((p) => p[0].label), ['noun.plant', 'noun.plant']);

  // Poisoned feedback: every animal is an artifact. The gate rejects it, and v2 keeps serving, unchanged.
  assert.equal((await call(server.url, 'POST', '/v1/feedback', { examples: poisonedFeedback(), source: 'poison' })).status, 200);
  const bad = await call(server.url, 'POST', '/v1/update', {});
  assert.equal(bad.status, 200, bad.text);
  assert.equal(bad.json.accepted, false);
  assert.equal(bad.json.version, 'v2');
  assert.ok(bad.json.reasons.some((r: { code: string }) => r.code === 'label-f1-drop' || r.code === 'guard-accuracy-drop'), JSON.stringify(bad.json.reasons));
  assert.deepEqual(await predictAll(texts), v2);

  // Rollback: v1 again, with exactly the predictions it gave at the start.
  const rb = await call(server.url, 'POST', '/v1/models/rollback');
  assert.equal(rb.status, 200, rb.text);
  assert.deepEqual(rb.json, { active: 'v1', previous: 'v2' });
  assert.deepEqual(await predictAll(texts), v1);

  const models = await call(server.url, 'GET', '/v1/models', undefined, false);
  assert.equal(models.json.active, 'v1');
  assert.deepEqual(models.json.models.map((m: { id: string; parent: string | null }) => [m.id, m.parent]), [['v1', null], ['v2', 'v1']]);
  const updates = await call(server.url, 'GET', '/v1/updates', undefined, false);
  assert.deepEqual(updates.json.updates.map((j: { state: string }) => j.state), ['rejected', 'accepted']);
  assert.ok(updates.json.updates[0].reasons.length > 0);
});

test('GET /metrics: Prometheus text with requests, predictions per label, feedback, the active version, update outcomes', async () => {
  const r = await call(server.url, 'GET', '/metrics', undefined, false);
  assert.equal(r.status, 200);
  for (const line of [
    /^accrete_http_requests_total\{method="POST",route="\/v1\/predict",status="200"\} \d+$/m,
    /^accrete_http_request_duration_seconds_bucket\{route="\/v1\/predict",le="\+Inf"\} \d+$/m,
    /^accrete_predictions_total\{label="noun.plant"\} \d+$/m,
    /^accrete_feedback_events_total 102$/m,
    /^accrete_active_version\{version="v1"\} 1$/m,
    /^accrete_updates_total\{outcome="accepted",trigger="api"\} 1$/m,
    /^accrete_updates_total\{outcome="rejected",trigger="api"\} 1$/m,
    /^# TYPE accrete_live_error_rate gauge$/m,
  ]) {
    assert.match(r.text, line);
  }
});

test('accrete models list / show / activate on the registry the server uses; the server follows within a second', async () => {
  const models = (args: string[]) => spawnSync(process.execPath, [MAIN, 'models', ...args, '--registry', registry], { encoding: 'utf8', timeout: 20_000 });
  const list = models(['list']);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /^\*\s+v1\s/m);
  assert.match(list.stdout, /^\s+v2\s+v1\s/m);
  const show = models(['show', 'v2', '--json']);
  assert.equal(JSON.parse(show.stdout).update.state, 'accepted');
  assert.equal(models(['show', '../v1']).status, 1);
  const act = models(['activate', 'v2']);
  assert.equal(act.status, 0, act.stderr);
  const deadline = Date.now() + 5000;
  let version = '';
  while (Date.now() < deadline && version !== 'v2') {
    version = (await call(server.url, 'GET', '/v1/health', undefined, false)).json.version;
    if (version !== 'v2') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(version, 'v2');
  const rollback = models(['rollback', '--json']);
  assert.deepEqual(JSON.parse(rollback.stdout), { active: 'v1', previous: 'v2' });
});
