/**
 * The registry stores an accepted update as its patch: the new version's directory shares the
 * parent's files (hard links) and adds its patch; the server applies the patch to the serving
 * model in place, and answers exactly as the new version loaded from disk does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../store/modelFiles.js';
import { call, corpus, plantTexts, servedModel, tinyModel } from './testing.js';

const harness = servedModel('accrete-patch-versions-', (base) =>
  // 200,000 buckets: patches of a few glosses stay well under the 25% that folds them into a new base.
  tinyModel(base, 200_000),
);

test('an accepted update is a patch beside hard links to its parent, applied to the serving model in place', async () => {
  const probes = ['a young wolf', ...plantTexts(6)];
  const fed = await call(harness.url, 'POST', '/v1/feedback', { examples: plantTexts(3).slice(1).map((text) => ({ text, label: 'noun.plant' })) });
  assert.equal(fed.status, 200, fed.text);
  const served = harness.service.active.model;
  const up = await call(harness.url, 'POST', '/v1/update', {}, true, {}, 60_000);
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.accepted, true, JSON.stringify(up.json.reasons));
  assert.equal(up.json.version, 'v2');
  assert.equal(harness.service.active.model, served, 'the same model object, patched in place (no reload)');

  const v1 = harness.service.registry.dirOf('v1');
  const v2 = harness.service.registry.dirOf('v2');
  const inode = (p: string) => statSync(p).ino;
  for (const file of ['model.json', 'weights.safetensors', 'replay.json', 'memory.safetensors']) assert.equal(inode(join(v2, file)), inode(join(v1, file)), `${file} is shared with v1`);
  assert.equal(readdirSync(join(v2, 'patches')).length, 1);
  assert.equal((await harness.service.registry.version('v2')).checksum, harness.service.active.model.source!.weightsChecksum);

  const answers = (await call(harness.url, 'POST', '/v1/predict', { texts: probes, k: 3 }, false)).json;
  assert.equal(answers.version, 'v2');
  const fresh = loadModel(v2);
  assert.deepEqual(answers.predictions, probes.map((t) => fresh.predict(t, { k: 3 })), 'the patched serving model answers as v2 loaded from disk');
  assert.ok(answers.predictions.slice(1).some((p: { label: string }[]) => p[0].label === 'noun.plant'), 'and it learned the new label');

  // Rolling back is reverting the patch in place: the same model object, answering as v1 loaded from disk.
  const rb = await call(harness.url, 'POST', '/v1/models/rollback');
  assert.equal(rb.status, 200, rb.text);
  assert.equal(harness.service.active.model, served, 'reverted in place, not reloaded');
  const v1Fresh = loadModel(v1);
  assert.deepEqual((await call(harness.url, 'POST', '/v1/predict', { texts: probes, k: 3 }, false)).json, { version: 'v1', predictions: probes.map((t) => v1Fresh.predict(t, { k: 3 })) });
  assert.equal((await call(harness.url, 'POST', '/v1/models/v2/activate')).status, 200);
  assert.deepEqual((await call(harness.url, 'POST', '/v1/predict', { texts: probes, k: 3 }, false)).json, answers, 'v2 again (loaded)');

  // Sizes: a version adds its patch; the registry's total counts shared files once.
  const models = (await call(harness.url, 'GET', '/v1/models', undefined, false)).json;
  const bytes = Object.fromEntries(models.models.map((m: { id: string; bytes: number }) => [m.id, m.bytes]));
  assert.ok(bytes.v2 > 0 && bytes.v2 < bytes.v1 / 2, JSON.stringify(bytes));
  assert.equal(models.totalBytes, bytes.v1 + bytes.v2);
});

test('gc keeps the last N versions, the active one and its lineage back to a base; a removed version says so', async () => {
  // v3: another new label, a patch on v2 (two patches on v1's base).
  const food = readFileSync(corpus('wordnet5.train.txt'), 'utf8').split('\n').filter((l) => l.startsWith('__label__noun.food ')).slice(1, 3);
  assert.equal((await call(harness.url, 'POST', '/v1/feedback', { examples: food.map((l) => ({ text: l.slice('__label__noun.food '.length), label: 'noun.food' })) })).status, 200);
  const up = await call(harness.url, 'POST', '/v1/update', { maxDrop: 0.1 }, true, {}, 60_000);
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.created, 'v3', JSON.stringify(up.json.reasons));
  const r = harness.service.registry;
  assert.deepEqual((await r.gc(0)).removed, [], 'v3 is active; v2 and v1 are its lineage back to the base');
  // Activate v1 (a base): now v2 and v3 are neither the last one nor the active one's lineage.
  assert.equal((await call(harness.url, 'POST', '/v1/models/v1/activate')).status, 200);
  assert.deepEqual(await r.gc(1), { removed: ['v2'], kept: ['v3', 'v1'] });
  assert.ok(!existsSync(r.dirOf('v2')), 'its files are gone');
  assert.ok(existsSync(join(r.dirOf('v3'), 'weights.safetensors')), "v3 keeps the base files it shared with v2 (hard links)");
  assert.deepEqual(loadModel(r.dirOf('v3')).labels.slice(-2), ['noun.plant', 'noun.food'], 'v3 still loads whole');
  assert.ok((await r.version('v2')).removedAt, 'the row stays, marked removed');
  const refused = await call(harness.url, 'POST', '/v1/models/v2/activate');
  assert.equal(refused.status, 422);
  assert.match(refused.json.error.message, /removed by garbage collection/);
  const listed = (await call(harness.url, 'GET', '/v1/models', undefined, false)).json;
  assert.equal(listed.models.find((m: { id: string }) => m.id === 'v2').bytes, 0);
});

test('during a live patch every answer is all the old version or all the new one, as its version says', async () => {
  // v1 serves (activated above); the next accepted update is a patch on it, applied in place.
  const texts = [...plantTexts(40), ...readFileSync(corpus('wordnet3.test.jsonl'), 'utf8').trim().split('\n').slice(0, 160).map((l) => JSON.parse(l).text as string)];
  // Each version loaded once: loading it per text blocked the event loop for seconds, past the
  // server's keep-alive timeout, and the client's next request met a closed socket (ECONNRESET).
  const answersOf = (id: string) => {
    const m = loadModel(harness.service.registry.dirOf(id));
    return texts.map((t) => m.predict(t, { k: 2 }));
  };
  const expected = new Map<string, unknown>([['v1', answersOf('v1')]]);
  assert.equal((await call(harness.url, 'POST', '/v1/feedback', { examples: plantTexts(6).slice(3).map((text) => ({ text, label: 'noun.plant' })) })).status, 200);
  const answers: { version: string; predictions: unknown }[] = [];
  let updating = true;
  const client = async () => {
    while (updating) answers.push((await call(harness.url, 'POST', '/v1/predict', { texts, k: 2 }, false)).json);
  };
  const clients = [client(), client(), client()];
  const up = await call(harness.url, 'POST', '/v1/update', {}, true, {}, 60_000);
  // A few answers after the swap too.
  await new Promise((resolve) => setTimeout(resolve, 300));
  updating = false;
  await Promise.all(clients);
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.accepted, true, JSON.stringify(up.json.reasons));
  const created = up.json.created as string;
  expected.set(created, answersOf(created));
  assert.notDeepEqual(expected.get(created), expected.get('v1'), 'the versions differ, or this test checks nothing');
  const seen = new Set(answers.map((a) => a.version));
  assert.ok(seen.has('v1') && seen.has(created), `answers from both versions (${[...seen]})`);
  for (const a of answers) assert.deepEqual(a.predictions, expected.get(a.version), `an answer labelled ${a.version} is all ${a.version}`);
  answersBefore = { texts, expected, created };
});

let answersBefore: { texts: string[]; expected: Map<string, unknown>; created: string } | null = null;

test('during a rollback (the patch reverted in place) every answer is all the new version or all its parent', async (t) => {
  if (!answersBefore) return t.skip('needs the live patch test before it');
  const { texts, expected, created } = answersBefore;
  assert.equal(harness.service.active.id, created);
  const served = harness.service.active.model;
  const answers: { version: string; predictions: unknown }[] = [];
  let running = true;
  const client = async () => {
    while (running) answers.push((await call(harness.url, 'POST', '/v1/predict', { texts, k: 2 }, false)).json);
  };
  const clients = [client(), client(), client()];
  await new Promise((resolve) => setTimeout(resolve, 200));
  const rb = await call(harness.url, 'POST', '/v1/models/rollback');
  await new Promise((resolve) => setTimeout(resolve, 200));
  running = false;
  await Promise.all(clients);
  assert.equal(rb.status, 200, rb.text);
  assert.equal(harness.service.active.id, 'v1');
  assert.equal(harness.service.active.model, served, 'the same model object, reverted in place');
  const seen = new Set(answers.map((a) => a.version));
  assert.ok(seen.has('v1') && seen.has(created), `answers from both versions (${[...seen]})`);
  for (const a of answers) assert.deepEqual(a.predictions, expected.get(a.version), `an answer labelled ${a.version} is all ${a.version}`);
});
