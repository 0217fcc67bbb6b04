/**
 * The update worker keeps its copy of the parent between jobs (residentModel.ts): a rejected job
 * leaves it the parent and an accepted one the child, bit for bit as each loads from disk, and
 * neither loads it again; a rollback or an activation moves it by patches, so the next update
 * trains on the version that serves, not on the copy's last state.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from './service.js';
import { call, inProcess, plantTexts, poisonedFeedback, tinyModel } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-resident-'));
const logs: string[] = [];
let url = '';
let service: Service;
let close: () => Promise<void>;
before(async () => {
  // 200,000 buckets: each accepted update stays a patch (no compaction into a new base).
  await tinyModel(join(dir, 'base'), 200_000);
  const s = await inProcess({ registry: join(dir, 'reg', 'registry.db'), model: join(dir, 'base'), drift: false, log: (l) => logs.push(l) });
  ({ url, service } = s);
  close = () => s.server.close();
});
after(async () => {
  await close();
  rmSync(dir, { recursive: true, force: true });
});

/** Feedback, then POST /v1/update; returns the answer and the log line naming where the worker's parent came from. */
async function feedbackUpdate(examples: { text: string; label: string }[]): Promise<{ accepted: boolean; created: string | null; ranOn: string }> {
  assert.equal((await call(url, 'POST', '/v1/feedback', { examples })).status, 200);
  const from = logs.length;
  const up = await call(url, 'POST', '/v1/update', {}, true, {}, 60_000);
  assert.equal(up.status, 200, up.text);
  const ranOn = logs.slice(from).find((l) => / ran on /.test(l));
  assert.ok(ranOn, `a log line says what the job ran on: ${logs.slice(from).join('\n')}`);
  return { accepted: up.json.accepted, created: up.json.created, ranOn };
}

/** The worker's copy is the active version exactly: its state is the registry's checksum, its digest that of the version loaded from disk. */
async function assertCopyIsActive(why: string): Promise<void> {
  const c = await service.updates.worker.check();
  const active = await service.registry.version(service.active.id);
  assert.equal(c.state, active.checksum, `${why}: the worker's copy is in the active version's state`);
  assert.ok(c.digest && c.digest === c.disk, `${why}: the worker's copy equals ${service.active.id} loaded from disk, bit for bit`);
}

const plant = (from: number, n: number) => plantTexts(from + n).slice(from).map((text) => ({ text, label: 'noun.plant' }));

test('accepted and rejected updates run on the kept copy, which stays the active version bit for bit', async () => {
  const first = await feedbackUpdate(plant(1, 2));
  assert.equal(first.accepted, true);
  assert.match(first.ranOn, /v1 loaded from disk \(no model in the worker yet\)/);
  await assertCopyIsActive('after an accepted update');

  const rejected = await feedbackUpdate(poisonedFeedback());
  assert.equal(rejected.accepted, false, 'the poisoned update is rejected, or this test checks nothing');
  assert.match(rejected.ranOn, /its resident copy of v2$/, 'no reload after an accepted update');
  await assertCopyIsActive('after a rejected update');

  const again = await feedbackUpdate(poisonedFeedback());
  assert.equal(again.accepted, false);
  assert.match(again.ranOn, /its resident copy of v2$/, 'no reload after a rejected update');
  assert.equal(logs.filter((l) => /loaded from disk/.test(l)).length, 1, 'one load in three jobs');
});

test('after a rollback the next update trains on the rolled-back version, moved there by patches', async () => {
  assert.equal((await call(url, 'POST', '/v1/models/rollback')).status, 200);
  assert.equal(service.active.id, 'v1');
  const up = await feedbackUpdate(plant(3, 2));
  assert.match(up.ranOn, /moved to v1 by patches \(1 reverted, 0 applied\)/);
  assert.equal(up.accepted, true, 'accepted, so that its parent is on record');
  const created = await service.registry.version(up.created!);
  assert.equal(created.parent, 'v1', 'the update trained on v1, not on v2 (the copy before the rollback)');
  await assertCopyIsActive('after an update on the rolled-back version');

  // v2 is a sibling of the new version: back to v1, then v2's patch.
  assert.equal((await call(url, 'POST', '/v1/models/v2/activate')).status, 200);
  const rejected = await feedbackUpdate(poisonedFeedback());
  assert.equal(rejected.accepted, false);
  assert.match(rejected.ranOn, /moved to v2 by patches \(1 reverted, 1 applied\)/);
  await assertCopyIsActive('after a move to a sibling and a rejected update');
});
