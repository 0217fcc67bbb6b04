/**
 * accrete registry copy: a SQLite registry with versions (one a patch), an activation history,
 * feedback in several states and jobs, copied to PostgreSQL and back, whole (counts, row digests
 * and file checksums compared), and the PostgreSQL copy serves.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { postgresOrSkip } from '../testing/postgres.js';
import { call, inProcess, MAIN, plantTexts, tinyModel } from '../serve/testing.js';
import { copyRegistry } from './copy.js';
import type { PostgresStore } from './postgres/store.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-copy-test-'));
before(async () => tinyModel(join(dir, 'base'), 200_000));
after(() => rmSync(dir, { recursive: true, force: true }));

test('registry copy: SQLite to PostgreSQL and back, every version, event and job, compared; the copy serves', async (t) => {
  const pg = await postgresOrSkip(t);
  if (!pg) return;
  const file = join(dir, 'reg', 'registry.db');
  const s = await inProcess({ registry: file, model: join(dir, 'base'), drift: false });
  const texts = plantTexts(8).slice(1);
  await call(s.url, 'POST', '/v1/feedback', { examples: texts.slice(0, 4).map((text) => ({ text, label: 'noun.plant' })) });
  const up = await call(s.url, 'POST', '/v1/update', {}, true, {}, 60_000);
  assert.equal(up.json.created, 'v2', up.text);
  await call(s.url, 'POST', '/v1/models/rollback');
  await call(s.url, 'POST', '/v1/feedback', { examples: texts.slice(4).map((text) => ({ text: `${text} \u{1F331}`, label: 'noun.plant' })) });
  await s.server.close();

  const url = pg.createDatabase('copy');
  const r = await copyRegistry(file, url);
  assert.deepEqual(r.differences, []);
  assert.deepEqual(r.to.counts, { versions: 2, activations: 3, jobs: 1, feedback: 7 });
  assert.equal(r.to.active, 'v1');
  assert.deepEqual(Object.keys(r.to.files), ['v1', 'v2']);
  // Into a database that holds a registry already: refused (two registries never mix), through the CLI with its message.
  const again = spawnSync(process.execPath, [MAIN, 'registry', 'copy', '--from', file, '--to', url], { encoding: 'utf8' });
  assert.equal(again.status, 1, again.stderr);
  assert.match(again.stderr, /already holds a registry's data; copy into an empty one/);

  // And back, through the CLI: the same rows and files.
  const back = join(dir, 'back', 'registry.db');
  const cli = spawnSync(process.execPath, [MAIN, 'registry', 'copy', '--from', url, '--to', back, '--json'], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  const out = JSON.parse(cli.stdout);
  assert.deepEqual(out.differences, []);
  assert.deepEqual(out.to.digests, r.from.digests, 'the rows that came back are the rows that left');
  assert.deepEqual(out.to.files, r.from.files);

  // accrete models works on it: list, and a rollback (checked by fetching the files to a temporary directory).
  const list = spawnSync(process.execPath, [MAIN, 'models', 'list', '--registry', url, '--json'], { encoding: 'utf8' });
  assert.equal(list.status, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout).models.map((m: { id: string }) => m.id), ['v1', 'v2']);
  const act = spawnSync(process.execPath, [MAIN, 'models', 'activate', 'v2', '--registry', url], { encoding: 'utf8' });
  assert.equal(act.status, 0, act.stderr);
  assert.match(act.stdout, /active: v2 \(was v1\)/);
  const rb = spawnSync(process.execPath, [MAIN, 'models', 'rollback'], { encoding: 'utf8', env: { ...process.env, ACCRETE_REGISTRY: url } });
  assert.equal(rb.status, 0, rb.stderr);
  assert.match(rb.stdout, /active: v1 \(was v2\)/);

  // The PostgreSQL copy serves, and its next version id follows the copied ones.
  const p = await inProcess({ registry: url, cache: join(dir, 'cache'), drift: false });
  t.after(() => p.server.close());
  assert.equal(p.service.active.id, 'v1');
  assert.equal(p.service.pending, 3);
  const up2 = await call(p.url, 'POST', '/v1/update', {}, true, {}, 60_000);
  assert.equal(up2.status, 200, up2.text);
  assert.equal(up2.json.job, 2, 'job ids go on after the copied ones');
  assert.equal(up2.json.report.data.new, 3, 'the copied pending events are learned');
  // Whatever the gate said, a new version would be v3: the sequence follows the copied versions.
  assert.ok(up2.json.created === null || up2.json.created === 'v3', JSON.stringify(up2.json.created));
  assert.equal((await (p.service.registry as PostgresStore).query<{ n: string }>(`SELECT last_value AS n FROM accrete_version_seq`))[0].n, up2.json.created ? '3' : '2');
});
