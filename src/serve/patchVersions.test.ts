/**
 * The registry stores an accepted update as its patch: the new version's directory shares the
 * parent's files (hard links) and adds its patch; the server applies the patch to the serving
 * model in place, and answers exactly as the new version loaded from disk does.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../store/modelFiles.js';
import type { Service } from './service.js';
import { call, inProcess, plantTexts, tinyModel } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-patch-versions-'));
let url = '';
let service: Service;
let close: () => Promise<void>;
before(async () => {
  await tinyModel(join(dir, 'base'));
  const s = await inProcess({ registry: join(dir, 'reg', 'registry.db'), model: join(dir, 'base'), drift: false });
  ({ url, service } = s);
  close = () => s.server.close();
});
after(async () => {
  await close();
  rmSync(dir, { recursive: true, force: true });
});

test('an accepted update is a patch beside hard links to its parent, applied to the serving model in place', async () => {
  const probes = ['a young wolf', ...plantTexts(6)];
  const fed = await call(url, 'POST', '/v1/feedback', { examples: plantTexts(3).slice(1).map((text) => ({ text, label: 'noun.plant' })) });
  assert.equal(fed.status, 200, fed.text);
  const served = service.active.model;
  const up = await call(url, 'POST', '/v1/update', {}, true, {}, 60_000);
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.accepted, true, JSON.stringify(up.json.reasons));
  assert.equal(up.json.version, 'v2');
  assert.equal(service.active.model, served, 'the same model object, patched in place (no reload)');

  const v1 = service.registry.dirOf('v1');
  const v2 = service.registry.dirOf('v2');
  const inode = (p: string) => statSync(p).ino;
  for (const file of ['model.json', 'weights.safetensors', 'replay.json', 'memory.safetensors']) assert.equal(inode(join(v2, file)), inode(join(v1, file)), `${file} is shared with v1`);
  assert.equal(readdirSync(join(v2, 'patches')).length, 1);
  assert.equal(service.registry.version('v2').checksum, service.active.model.source!.weightsChecksum);

  const answers = (await call(url, 'POST', '/v1/predict', { texts: probes, k: 3 }, false)).json;
  assert.equal(answers.version, 'v2');
  const fresh = loadModel(v2);
  assert.deepEqual(answers.predictions, probes.map((t) => fresh.predict(t, { k: 3 })), 'the patched serving model answers as v2 loaded from disk');
  assert.ok(answers.predictions.slice(1).some((p: { label: string }[]) => p[0].label === 'noun.plant'), 'and it learned the new label');

  // Sizes: a version adds its patch; the registry's total counts shared files once.
  const models = (await call(url, 'GET', '/v1/models', undefined, false)).json;
  const bytes = Object.fromEntries(models.models.map((m: { id: string; bytes: number }) => [m.id, m.bytes]));
  assert.ok(bytes.v2 > 0 && bytes.v2 < bytes.v1 / 2, JSON.stringify(bytes));
  assert.equal(models.totalBytes, bytes.v1 + bytes.v2);
});
