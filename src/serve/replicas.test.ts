/**
 * Replicas of one PostgreSQL registry, in this process: feedback to each, an update asked of a
 * replica that does not run updates (queued; the updater runs it), every replica serving the new
 * version within 1 s as its patch applied in place, a rollback made on one replica reaching all,
 * and /v1/health listing every replica with its version and lag.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PostgresStore } from '../registry/postgres/store.js';
import { postgresOrSkip } from '../testing/postgres.js';
import { diskBytes } from '../store/linkDir.js';
import { call, inProcess, jsonl, plantTexts, tinyModel } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-replicas-'));
before(async () => tinyModel(join(dir, 'base'), 200_000));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Polls until every url answers predictions from `version`; returns the ms it took. */
async function allServe(urls: string[], version: string, ms = 5000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const got = await Promise.all(urls.map(async (u) => (await call(u, 'POST', '/v1/predict', { text: 'a young wolf' }, false)).json.version));
    if (got.every((v) => v === version)) return Date.now() - t0;
    if (Date.now() - t0 > ms) assert.fail(`after ${ms} ms the replicas serve ${got.join(', ')}, not all ${version}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('three replicas: feedback to each, an update queued on a serving replica, all serve it within 1 s; a rollback reaches all', async (t) => {
  const pg = await postgresOrSkip(t);
  if (!pg) return;
  const url = pg.createDatabase('replicas');
  const open = (name: string, role: 'serve' | 'update' | 'both', model?: string) => inProcess({ registry: url, cache: join(dir, name), model, role, drift: false });
  const a = await open('a', 'both', join(dir, 'base'));
  const b = await open('b', 'serve');
  const c = await open('c', 'serve');
  t.after(async () => {
    for (const r of [a, b, c]) await r.server.close();
  });
  assert.ok(a.service.registry.isUpdater() && !b.service.registry.isUpdater() && !c.service.registry.isUpdater());
  const urls = [a.url, b.url, c.url];

  // Feedback to all three: every replica's events are pending for the one updater.
  const texts = plantTexts(6).slice(1);
  for (const [i, u] of urls.entries()) {
    const r = await call(u, 'POST', '/v1/feedback', { examples: texts.slice(i, i + 2).map((text) => ({ text, label: 'noun.plant' })) });
    assert.equal(r.status, 200, r.text);
  }
  assert.equal(await a.service.registry.pendingCount(), 6);

  const up = await call(b.url, 'POST', '/v1/update', {}, true, {}, 60_000);
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.accepted, true, JSON.stringify(up.json.reasons));
  assert.equal(up.json.created, 'v2');
  assert.equal(up.json.version, 'v2', 'the replica that asked answers once it serves the new version');
  const job = await a.service.registry.job(up.json.job);
  assert.equal(job.examples, 6, "the update learned every replica's feedback");
  const took = await allServe(urls, 'v2');
  assert.ok(took < 1000, `all replicas serve v2 within 1 s of the answer (took ${took} ms)`);

  // Each replica fetched the patch, not the model.
  const model = diskBytes([join(dir, 'base')]).total;
  for (const r of [b, c]) {
    const fetched = (r.service.registry as PostgresStore).fetched.get('v2');
    assert.ok(fetched !== undefined && fetched > 0 && fetched < model * 0.1, `a replica fetched ${fetched} bytes for v2 (the model is ${model})`);
    assert.equal(statSync(join(r.service.registry.dirOf('v2'), 'weights.safetensors')).ino, statSync(join(r.service.registry.dirOf('v1'), 'weights.safetensors')).ino, 'the base is shared on disk');
  }

  // /v1/health on any replica lists all three with their version and lag.
  const health = (await call(c.url, 'GET', '/v1/health', undefined, false)).json;
  assert.equal(health.replicas.length, 3, JSON.stringify(health));
  for (const r of health.replicas) {
    assert.equal(r.version, 'v2');
    assert.ok(typeof r.lagMs === 'number' && r.lagMs < 1000, JSON.stringify(r));
  }
  assert.equal(health.replicas.filter((r: { updater: boolean }) => r.updater).length, 1);

  // A rollback on a serving replica reaches all, as the patch reverted in place.
  const served = a.service.active.model;
  const rb = await call(c.url, 'POST', '/v1/models/rollback');
  assert.equal(rb.status, 200, rb.text);
  assert.ok((await allServe(urls, 'v1')) < 1000);
  assert.equal(a.service.active.model, served, 'reverted in place on the updater too');

  // gc removes v2's patch from the database (chunks too) once no kept version uses it; v1's files stay.
  const store = a.service.registry as PostgresStore;
  const patchBlobs = await store.query<{ hash: string }>(`SELECT hash FROM accrete_version_files WHERE version = 'v2' AND hash NOT IN (SELECT hash FROM accrete_version_files WHERE version = 'v1')`);
  assert.ok(patchBlobs.length > 0);
  await store.query(`UPDATE accrete_blobs SET created_at = now() - interval '2 hours'`); // past the grace of uploads in flight
  assert.deepEqual((await store.gc(0)).removed, ['v2']);
  const left = await store.query<{ n: string }>('SELECT count(*) AS n FROM accrete_blob_chunks WHERE hash = ANY($1)', [patchBlobs.map((b) => b.hash)]);
  assert.equal(left[0].n, '0', "v2's own chunks are gone");
  assert.ok((await store.version('v2')).removedAt, 'its row stays, marked removed');
  assert.equal((await store.query<{ n: string }>(`SELECT count(*) AS n FROM accrete_version_files WHERE version = 'v1'`))[0].n !== '0', true);
  assert.equal((await call(a.url, 'POST', '/v1/predict', { text: 'a young wolf' }, false)).json.version, 'v1');
});

test("--update-every counts every replica's feedback, from the database", async (t) => {
  const pg = await postgresOrSkip(t);
  if (!pg) return;
  const url = pg.createDatabase('every');
  const a = await inProcess({ registry: url, cache: join(dir, 'every-a'), model: join(dir, 'base'), role: 'both', drift: false, updateEvery: 4, watchMs: 200 });
  const b = await inProcess({ registry: url, cache: join(dir, 'every-b'), role: 'serve', drift: false, updateEvery: 4 });
  t.after(async () => {
    await b.server.close();
    await a.server.close();
  });
  const texts = plantTexts(5).slice(1);
  // Two events on the updater: under its threshold of 4 on its own.
  assert.equal((await call(a.url, 'POST', '/v1/feedback', { examples: texts.slice(0, 2).map((text) => ({ text, label: 'noun.plant' })) })).status, 200);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal((await a.service.registry.jobs()).length, 0, 'no update yet');
  // Two more on the serving replica, which never updates: the updater sees four pending and runs one.
  assert.equal((await call(b.url, 'POST', '/v1/feedback', { examples: texts.slice(2, 4).map((text) => ({ text, label: 'noun.plant' })) })).status, 200);
  const t0 = Date.now();
  let jobs = await a.service.registry.jobs();
  while ((jobs.length === 0 || jobs[0].state === 'running') && Date.now() - t0 < 30_000) {
    await new Promise((r) => setTimeout(r, 100));
    jobs = await a.service.registry.jobs();
  }
  assert.equal(jobs.length, 1, JSON.stringify(jobs));
  assert.equal(jobs[0].trigger, 'every-n');
  assert.equal(jobs[0].examples, 4);
  assert.ok(['accepted', 'rejected'].includes(jobs[0].state), jobs[0].state);
});

test("the updater's drift detector reads every replica's feedback from the database", async (t) => {
  const pg = await postgresOrSkip(t);
  if (!pg) return;
  const url = pg.createDatabase('drift');
  const driftOptions = { minInstances: 5, threshold: 3 };
  const logs: string[] = [];
  const a = await inProcess({ registry: url, cache: join(dir, 'drift-a'), model: join(dir, 'base'), role: 'both', driftOptions, watchMs: 200, log: (l) => logs.push(l) });
  const b = await inProcess({ registry: url, cache: join(dir, 'drift-b'), role: 'serve', driftOptions });
  t.after(async () => {
    await b.server.close();
    await a.server.close();
  });
  // Every event goes to the serving replica: first ones the model gets right, then a new label it cannot know.
  // Labelled with what the model predicts: right by construction.
  const probe = jsonl('wordnet3.test.jsonl').slice(0, 10).map((e) => e.text);
  const said = (await call(b.url, 'POST', '/v1/predict', { texts: probe }, false)).json.predictions as { label: string }[][];
  const right = probe.map((text, i) => ({ text, label: said[i][0].label }));
  assert.equal((await call(b.url, 'POST', '/v1/feedback', { examples: right })).status, 200);
  await new Promise((r) => setTimeout(r, 600));
  const wrong = plantTexts(30).slice(1).map((text) => ({ text, label: 'noun.plant' }));
  assert.equal((await call(b.url, 'POST', '/v1/feedback', { examples: wrong })).status, 200);
  const t0 = Date.now();
  let jobs = await a.service.registry.jobs();
  while (jobs.length === 0 && Date.now() - t0 < 15_000) {
    await new Promise((r) => setTimeout(r, 100));
    jobs = await a.service.registry.jobs();
  }
  assert.equal(jobs[0]?.trigger, 'drift', `the updater ran an update on drift it saw only in the database: ${JSON.stringify(jobs)}\n${logs.join('\n')}\n${JSON.stringify(a.service.driftState())}`);
  const local = (await call(a.url, 'GET', '/metrics', undefined, false)).text;
  assert.doesNotMatch(local, /^accrete_feedback_events_total [1-9]/m, 'none of the events came through the updater');
});
