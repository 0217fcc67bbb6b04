/**
 * The watcher and the server's own commits: an accepted update (committed on the registry thread)
 * is served once, not followed again as another process's activation; while the server records
 * and serves a new active version itself, the watcher leaves the registry alone, and afterwards it
 * follows an activation made elsewhere.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '../registry/registry.js';
import { call, inProcess, plantTexts, tinyModel } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-own-commits-'));
const logs: string[] = [];
let s: Awaited<ReturnType<typeof inProcess>>;
const file = join(dir, 'reg', 'registry.db');

before(async () => {
  await tinyModel(join(dir, 'base'));
  // The periodic watch is off (a minute): each test calls watch() itself.
  s = await inProcess({ registry: file, model: join(dir, 'base'), drift: false, watchMs: 60_000, log: (l) => logs.push(l) });
});
after(async () => {
  await s.server.close();
  rmSync(dir, { recursive: true, force: true });
});

test("an accepted update is served once: the registry thread's commit is not followed as another process's", async () => {
  const examples = plantTexts(40).map((text) => ({ text, labels: ['noun.plant'] }));
  assert.equal((await call(s.url, 'POST', '/v1/feedback', { examples })).status, 200);
  const r = await call(s.url, 'POST', '/v1/update', { rounds: 3 }, true, {}, 60_000);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.accepted, true, r.text);
  assert.equal(s.service.active.id, 'v2');
  assert.equal(await s.service.registry.changed(), false, "the server's own commits are not a change");
  await s.service.watch();
  assert.deepEqual(
    logs.filter((l) => /^serving v2/.test(l)),
    ['serving v2'],
    logs.join('\n'),
  );
  assert.ok(!logs.some((l) => /activated elsewhere/.test(l)), logs.join('\n'));
});

test('the watcher leaves the registry alone while the server moves the active version itself, then follows an activation made elsewhere', async () => {
  const other = Registry.open(file);
  try {
    const from = s.service.active.id;
    const imported = other.importModel(join(dir, 'base'));
    await s.service.moveActive(async () => {
      other.activate(imported.id);
      await s.service.watch();
      assert.equal(s.service.active.id, from, 'followed while the server was moving the active version');
    });
    await s.service.watch();
    assert.equal(s.service.active.id, imported.id);
  } finally {
    other.close();
  }
});
