/**
 * Crash safety: `accrete serve` killed with SIGKILL in the middle of an update, in the middle of
 * saving its candidate, after the candidate's files are in place but before the registry recorded
 * them, and while feedback requests are in flight. Every restart finds a consistent registry, the
 * previous active version serving, and every acknowledged feedback event (pending again).
 * The server is held at each point by ACCRETE_TEST_PAUSE (a test hook), then killed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadModel } from '../store/modelFiles.js';
import { call, jsonl, kill, plantTexts, spawnServe, stop, tinyModel, type Spawned } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-crash-'));
const registry = join(dir, 'reg', 'registry.db');
const versionsDir = join(dir, 'reg', 'versions');
let server: Spawned | null = null;

before(async () => tinyModel(join(dir, 'base')));
after(async () => {
  if (server) await kill(server);
  rmSync(dir, { recursive: true, force: true });
});

const start = async (pause?: string) => (server = await spawnServe(['--registry', registry, '--model', join(dir, 'base'), '--no-drift'], pause ? { ACCRETE_TEST_PAUSE: pause } : {}));

/** After a restart: v1 serving and listed alone, `stored` events all pending, nothing stray on disk. */
async function assertRecovered(s: Spawned, stored: number, interrupted: number) {
  const health = (await call(s.url, 'GET', '/v1/health', undefined, false)).json;
  assert.deepEqual([health.ok, health.version, health.status, health.problems], [true, 'v1', 'ok', []]);
  const models = (await call(s.url, 'GET', '/v1/models', undefined, false)).json;
  assert.deepEqual([models.active, models.models.map((m: { id: string }) => m.id)], ['v1', ['v1']]);
  const stats = (await call(s.url, 'GET', '/v1/stats', undefined, false)).json;
  assert.deepEqual([stats.feedback.stored, stats.feedback.pending], [stored, stored], 'every feedback event kept, and pending again');
  const jobs = (await call(s.url, 'GET', '/v1/updates', undefined, false)).json.updates;
  assert.equal(jobs.length, interrupted);
  assert.ok(jobs.every((j: { state: string }) => j.state === 'interrupted'), JSON.stringify(jobs));
  assert.deepEqual(readdirSync(versionsDir), ['v1'], 'staging and unrecorded directories removed');
}

/** Starts an update and waits until the server is held at `point`. */
async function updateUntil(s: Spawned, point: string) {
  call(s.url, 'POST', '/v1/update', {}).catch(() => undefined); // its connection dies with the server
  await s.waitFor(new RegExp(`test pause: ${point}`));
}

const feedback = [{ text: plantTexts(2)[1], label: 'noun.plant' }, ...jsonl('wordnet3.test.jsonl').slice(0, 4).map((e) => ({ text: e.text, label: e.labels[0] }))];

test('SIGKILL during an update, during a save, before the commit, and with feedback in flight', async () => {
  let s = await start('update');
  assert.equal((await call(s.url, 'POST', '/v1/feedback', { examples: feedback })).json.accepted, feedback.length);
  await updateUntil(s, 'update');
  await kill(s);

  s = await start('save');
  await assertRecovered(s, feedback.length, 1);
  assert.match(s.log(), /update job\(s\) 1 were interrupted; their 5 feedback event\(s\) are pending again/);
  await updateUntil(s, 'save');
  assert.ok(existsSync(join(versionsDir, '.job-2', 'weights.safetensors')), 'the candidate was being saved');
  await kill(s);

  s = await start('commit');
  await assertRecovered(s, feedback.length, 2);
  await updateUntil(s, 'commit');
  assert.ok(existsSync(join(versionsDir, 'v2', 'model.json')), 'the candidate was in place, not yet recorded');
  await kill(s);

  s = await start();
  await assertRecovered(s, feedback.length, 3);
  assert.match(s.log(), /removed unrecorded files versions\/v2/);
  // Feedback in flight: 16 clients send one event each until 240 are sent; the server dies after 80 answers.
  const acked: number[] = [];
  const examples = jsonl('wordnet3.train.jsonl');
  let sent = 0;
  const client = async () => {
    while (sent < 240) {
      const e = examples[sent++ % examples.length];
      try {
        const r = await call(s.url, 'POST', '/v1/feedback', { text: e.text, label: e.labels[0] });
        if (r.status === 200) acked.push(...(r.json.ids as number[]));
        if (acked.length >= 80 && s.proc.exitCode === null) s.proc.kill('SIGKILL');
      } catch {
        return; // the server is gone
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, client));
  await kill(s);
  assert.ok(acked.length >= 80);

  s = await start();
  const stats = (await call(s.url, 'GET', '/v1/stats', undefined, false)).json;
  assert.ok(stats.feedback.stored >= feedback.length + acked.length, `${stats.feedback.stored} stored, ${acked.length} acknowledged`);
  // The registry still works: an update takes every pending event.
  const up = await call(s.url, 'POST', '/v1/update', {});
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.report.data.new, stats.feedback.stored);
  await stop(s);
  server = null;

  const db = new Database(registry, { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(db.pragma('foreign_key_check'), []);
    const ids = new Set((db.prepare('SELECT id FROM feedback').all() as { id: number }[]).map((r) => r.id));
    assert.deepEqual(acked.filter((id) => !ids.has(id)), [], 'acknowledged feedback events missing');
    for (const v of db.prepare('SELECT id, path, checksum FROM versions').all() as { id: string; path: string; checksum: string }[]) {
      assert.equal(loadModel(join(dir, 'reg', v.path)).source!.weightsChecksum, v.checksum, `${v.id} loads with its recorded checksum`);
    }
  } finally {
    db.close();
  }
});
