/**
 * Update policies and serving during updates, in process: every N feedback events, drift on the
 * live error rate, predictions answered from the active version while an update is held in its
 * worker, a second update refused while one runs, and a shutdown that gives the feedback back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '../registry/registry.js';
import { call, inProcess, jsonl, plantTexts } from './testing.js';
import { tinyModel } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-policy-'));
let runs = 0;
const registryFile = () => join(dir, `r${++runs}`, 'registry.db');
before(() => tinyModel(join(dir, 'base')));
after(() => rmSync(dir, { recursive: true, force: true }));

async function until<T>(what: string, probe: () => Promise<T | null>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const got = await probe();
    if (got !== null) return got;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const examples = jsonl('wordnet3.test.jsonl').map((e) => ({ text: e.text, label: e.labels[0] }));

test('--update-every N: the Nth pending feedback event starts an update through the gate', async () => {
  const s = await inProcess({ registry: registryFile(), model: join(dir, 'base'), updateEvery: 3, drift: false });
  try {
    await call(s.url, 'POST', '/v1/feedback', { examples: examples.slice(0, 2) });
    assert.equal((await call(s.url, 'GET', '/v1/updates')).json.updates.length, 0);
    await call(s.url, 'POST', '/v1/feedback', { text: plantTexts(2)[1], label: 'noun.plant' });
    const job = await until('the job to finish', async () => {
      const u = (await call(s.url, 'GET', '/v1/updates')).json.updates[0];
      return u && u.state !== 'running' ? u : null;
    });
    assert.equal(job.trigger, 'every-n');
    assert.equal(job.examples, 3);
    assert.equal(job.options.budgetMs, 60_000, 'an automatic update runs within its time budget');
    assert.ok(['accepted', 'rejected'].includes(job.state), JSON.stringify(job));
  } finally {
    await s.server.close();
  }
});

test('--gate-policy, --new-share and --no-grow-table: the server\'s update defaults apply to every update (API and policy) that does not name its own', async () => {
  const s = await inProcess({ registry: registryFile(), model: join(dir, 'base'), updateEvery: 4, drift: false, updateDefaults: { policy: 'guard', newShare: 0.3, growTable: false } });
  try {
    const jobs = async () => (await call(s.url, 'GET', '/v1/updates')).json.updates as { trigger: string; state: string; options: Record<string, unknown> }[];
    await call(s.url, 'POST', '/v1/feedback', { examples: examples.slice(0, 2) });
    await call(s.url, 'POST', '/v1/update', {});
    await call(s.url, 'POST', '/v1/feedback', { examples: examples.slice(2, 4) });
    await call(s.url, 'POST', '/v1/update', { policy: 'weighted', growTable: true });
    await call(s.url, 'POST', '/v1/feedback', { examples: examples.slice(4, 8) });
    const auto = await until('the every-n job', async () => (await jobs()).find((j) => j.trigger === 'every-n' && j.state !== 'running') ?? null);
    const [api1, api2] = (await jobs()).filter((j) => j.trigger === 'api').reverse();
    assert.deepEqual([api1.options.policy, api1.options.newShare], ['guard', 0.3]);
    assert.deepEqual([api2.options.policy, api2.options.newShare], ['weighted', 0.3], 'a request naming its policy keeps the server\'s new share');
    assert.deepEqual([auto.options.policy, auto.options.newShare, auto.options.budgetMs], ['guard', 0.3, 60_000]);
    assert.deepEqual([api1.options.growTable, api2.options.growTable, auto.options.growTable], [false, true, false]);
  } finally {
    await s.server.close();
  }
});

test('drift: when Page-Hinkley fires on a rising error rate, an update runs on the pending feedback', async () => {
  const s = await inProcess({ registry: registryFile(), model: join(dir, 'base'), drift: true, driftOptions: { threshold: 5, minInstances: 10 } });
  try {
    // 40 corrections the model gets right, then a new label it cannot know: the error rate jumps.
    const right = examples.filter((e) => s.service.active.model.predict(e.text)[0].label === e.label).slice(0, 40);
    await call(s.url, 'POST', '/v1/feedback', { examples: right });
    assert.equal(s.service.driftState() && (s.service.driftState() as { drift: boolean }).drift, false);
    for (const text of plantTexts(30)) {
      await call(s.url, 'POST', '/v1/feedback', { text, label: 'noun.plant' });
      if ((await call(s.url, 'GET', '/v1/updates')).json.updates.length) break;
    }
    const job = await until('a drift-triggered job', async () => (await call(s.url, 'GET', '/v1/updates')).json.updates.find((j: { trigger: string }) => j.trigger === 'drift') ?? null);
    assert.ok(job.examples > 40, JSON.stringify(job));
    const stats = (await call(s.url, 'GET', '/v1/stats')).json;
    assert.ok(stats.drift.lastFiredAt, JSON.stringify(stats.drift));
  } finally {
    await s.server.close();
  }
});

test('drift after a restart: the detector goes on from the restored outcomes, so a burst of errors fires', async () => {
  const file = registryFile();
  const seed = Registry.open(file);
  seed.importModel(join(dir, 'base'));
  // Before the restart: 120 outcomes of v1 at 10% error (and older ones of another version, not replayed).
  const at = (i: number, error: boolean, version = 'v1') => ({ text: `t${i}`, labels: ['noun.animal'], predicted: error ? 'noun.artifact' : 'noun.animal', score: 0.5, version, createdAt: Date.now(), source: 'test' });
  seed.addFeedback(Array.from({ length: 30 }, (_, i) => at(i, true, 'v9')));
  seed.addFeedback(Array.from({ length: 120 }, (_, i) => at(i, i % 10 === 0)));
  seed.close();
  const s = await inProcess({ registry: file, drift: true });
  try {
    const restored = s.service.driftState() as { n: number; drift: boolean; mean: number };
    assert.equal(restored.n, 120);
    assert.equal(restored.drift, false, 'no alarm from the replay');
    assert.ok(Math.abs(restored.mean - 0.1) < 1e-9, JSON.stringify(restored));
    for (const text of plantTexts(80)) {
      await call(s.url, 'POST', '/v1/feedback', { text, label: 'noun.plant' });
      if ((s.service.driftState() as { drift: boolean }).drift) break;
    }
    const stats = (await call(s.url, 'GET', '/v1/stats')).json;
    assert.equal(stats.drift.drift, true, JSON.stringify(stats.drift));
    assert.ok(stats.drift.lastFiredAt, JSON.stringify(stats.drift));
  } finally {
    await s.server.close();
  }
});

test('a server whose active version does not load refuses to start, names the version and says how to activate another', async () => {
  const file = registryFile();
  const seed = Registry.open(file);
  seed.importModel(join(dir, 'base'));
  const weights = join(seed.dirOf('v1'), 'weights.safetensors');
  seed.close();
  writeFileSync(weights, readFileSync(weights).subarray(0, 100));
  await assert.rejects(inProcess({ registry: file }), /cannot serve the active version: version v1 does not load: [^]*accrete models rollback [^]*accrete models activate ID/);
});

test('while an update runs: predictions from the active version at once, a second update refused (409); shutdown gives the feedback back', async () => {
  const file = registryFile();
  const s = await inProcess({ registry: file, model: join(dir, 'base'), drift: false, testPause: 'update' });
  let closed = false;
  try {
    await call(s.url, 'POST', '/v1/feedback', { examples: examples.slice(0, 5) });
    const pending = call(s.url, 'POST', '/v1/update', {}).catch(() => null);
    await until('the job to start', async () => (s.service.updates.running ? true : null));
    await new Promise((r) => setTimeout(r, 100)); // the worker is now held inside the update
    const started = performance.now();
    for (let i = 0; i < 50; i++) {
      const r = await call(s.url, 'POST', '/v1/predict', { text: examples[i].text }, false);
      assert.equal(r.json.version, 'v1');
    }
    assert.ok(performance.now() - started < 2000, 'predictions did not wait for the update');
    const second = await call(s.url, 'POST', '/v1/update', {});
    assert.equal(second.status, 409, second.text);
    await s.server.close();
    closed = true;
    await pending;
  } finally {
    if (!closed) await s.server.close();
  }
  const r = Registry.open(file);
  assert.deepEqual(r.jobs().map((j) => j.state), ['interrupted']);
  assert.equal(r.pendingCount(), 5);
  r.close();
});
