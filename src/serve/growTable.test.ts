/**
 * A served update that grows the n-gram table (src/update/growTable.ts): no patch can say renumbered
 * rows, so the version is a new base, loaded and swapped in whole; every answer names the version
 * whose weights gave it, and answers as that version loaded from disk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { train } from '../learn/train.js';
import { loadModel } from '../store/modelFiles.js';
import { buildMemory, saveLearner } from '../update/memory.js';
import { Rng } from '../util/rng.js';
import { call, servedModel } from './testing.js';

/** Name-like words; the label says whether the word ends in a vowel. */
function names(n: number, seed: number): { text: string; label: string }[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    let w = '';
    for (let k = 0, len = 4 + rng.int(6); k < len; k++) w += 'abcdefghijklmnopqrstuvwxyz'[rng.int(26)];
    return { text: w, label: 'aeiou'.includes(w.at(-1)!) ? 'vowel' : 'consonant' };
  });
}

const harness = servedModel('accrete-serve-grow-', async (base) => {
  const examples = names(300, 1).map((e) => ({ text: e.text, labels: [e.label] }));
  const { model, seen } = await train(examples, { dim: 8, bucket: 1000, minn: 2, maxn: 4, wordNgrams: 1, epoch: 5, lr: 0.5, seed: 1, thread: 1 });
  saveLearner(model, buildMemory(model, examples, { seed: 1, seen }), base);
});

test('a served update that grows the table is a new base, swapped in whole and answered as loaded', async () => {
  const probes = names(40, 9).map((e) => e.text);
  const feedback = names(1500, 2);
  for (let i = 0; i < feedback.length; i += 500) {
    const fed = await call(harness.url, 'POST', '/v1/feedback', { examples: feedback.slice(i, i + 500) });
    assert.equal(fed.status, 200, fed.text);
  }
  const served = harness.service.active.model;
  const up = await call(harness.url, 'POST', '/v1/update', { maxDrop: 0.2 }, true, {}, 60_000);
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.accepted, true, JSON.stringify(up.json.reasons));
  assert.equal(up.json.version, 'v2');
  const table = up.json.report.table as { from: number; to: number; why: string };
  assert.equal(table.from, 1000);
  assert.ok(table.to > 1000, table.why);
  assert.notEqual(harness.service.active.model, served, 'loaded whole, not patched in place');
  assert.equal(harness.service.active.model.config.bucket, table.to);
  const v2 = harness.service.registry.dirOf('v2');
  assert.equal(existsSync(join(v2, 'patches')), false, 'a new base, no patch');
  const answers = (await call(harness.url, 'POST', '/v1/predict', { texts: probes, k: 2 }, false)).json;
  assert.equal(answers.version, 'v2');
  const fresh = loadModel(v2);
  assert.deepEqual(answers.predictions, probes.map((t) => fresh.predict(t, { k: 2 })));
  // Rolling back swaps v1 in again, whole: its table and its answers.
  assert.equal((await call(harness.url, 'POST', '/v1/models/rollback')).status, 200);
  const v1 = loadModel(harness.service.registry.dirOf('v1'));
  assert.equal(harness.service.active.model.config.bucket, 1000);
  assert.deepEqual((await call(harness.url, 'POST', '/v1/predict', { texts: probes, k: 2 }, false)).json, { version: 'v1', predictions: probes.map((t) => v1.predict(t, { k: 2 })) });
});

test('"growTable": false keeps the table: the update is a patch of the version it came from', async () => {
  const before = harness.service.active.model.config.bucket;
  const feedback = names(1500, 3);
  for (let i = 0; i < feedback.length; i += 500) {
    const fed = await call(harness.url, 'POST', '/v1/feedback', { examples: feedback.slice(i, i + 500) });
    assert.equal(fed.status, 200, fed.text);
  }
  const up = await call(harness.url, 'POST', '/v1/update', { maxDrop: 0.2, growTable: false }, true, {}, 60_000);
  assert.equal(up.status, 200, up.text);
  assert.deepEqual(up.json.report.table, { from: before, to: before, why: 'kept: growTable is off' });
  assert.equal(harness.service.active.model.config.bucket, before);
  const job = (await call(harness.url, 'GET', '/v1/updates')).json.updates[0];
  assert.equal(job.options.growTable, false, 'the job records the option');
});
