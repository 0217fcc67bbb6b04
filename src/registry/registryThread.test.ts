/**
 * A server's SQLite store runs an update job's transactions on its registry thread: the server's
 * event loop keeps turning while 20,000 events are claimed, its own commits are not reported as
 * another process's change (an activation by another process still is), a write on the server's
 * thread waits for the registry thread's call before it, and faults cross with their class.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccreteError } from '../errors.js';
import { tinyModel } from '../serve/testing.js';
import { storageError } from '../util/storageFaults.js';
import { currentOwner } from './owner.js';
import { Registry, type FeedbackEvent } from './registry.js';
import { SqliteStore } from './sqliteStore.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-registry-thread-'));
const base = join(dir, 'base');
before(() => tinyModel(base));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const event = (i: number): FeedbackEvent => ({ text: `text ${i}`, labels: ['noun.animal'], predicted: 'noun.animal', score: 0.5, version: 'v1', createdAt: Date.now(), source: 'test' });
const events = (count: number) => Array.from({ length: count }, (_, i) => event(i));

/** A claimed store (as a server holds it) with v1 active and `count` pending events. */
async function served(count: number): Promise<SqliteStore> {
  const store = SqliteStore.open(join(dir, `r${++n}`, 'registry.db'));
  await store.importModel(base);
  await store.claim();
  await store.addFeedback(events(count));
  store.serving('v1');
  await store.changed();
  return store;
}

/** How many times the event loop turned while `p` was pending. */
async function turnsDuring<T>(p: Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let done = false;
  const spin = () => {
    if (done) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const value = await p.finally(() => (done = true));
  return { value, turns };
}

test('a job claims its 20,000 events on the registry thread: the event loop turns meanwhile, and the commit is not another process change', async () => {
  const store = await served(20_000);
  const { value: started, turns } = await turnsDuring(store.startJob('api', {}));
  assert.equal(started.count, 20_000);
  assert.ok(turns > 0, 'the claim ran on the server thread: the event loop did not turn');
  assert.equal(await store.changed(), false, "the registry thread's commit is this server's own");
  assert.equal(await store.pendingCount(), 0);
  assert.deepEqual((await store.claimedIds(started.job)).length, 20_000);
  // Another process's commit is reported.
  const other = Registry.open(store.registry.file);
  other.addFeedback([event(-1)]);
  assert.equal(await store.changed(), true);
  assert.equal(await store.changed(), false);
  assert.equal(await store.failJob(started.job, 'test'), 20_000);
  assert.equal(await store.changed(), false);
  assert.equal(await store.pendingCount(), 20_001);
  other.close();
  await store.close();
});

test('an activation by another process while the registry thread commits is still reported', async () => {
  const store = await served(10);
  const v2 = await store.importModel(base);
  const started = await store.startJob('api', {});
  const rejected = store.rejectJob(started.job, [], { guard: null, fresh: null }, null);
  // Commits while the registry thread's call is in flight: PRAGMA data_version cannot tell it from ours.
  const other = Registry.open(store.registry.file);
  other.activate(v2.id);
  other.close();
  await rejected;
  assert.equal(await store.changed(), true, 'the active version is no longer the one served');
  store.serving(v2.id);
  assert.equal(await store.changed(), false);
  await store.close();
});

test("a write on the server's thread waits for the registry thread's call before it, and is not claimed by it", async () => {
  const store = await served(5_000);
  const claim = store.startJob('api', {});
  const added = store.addFeedback([event(5_000)]);
  const [started, ids] = await Promise.all([claim, added]);
  assert.equal(started.count, 5_000);
  assert.equal(ids.length, 1);
  assert.equal(await store.pendingCount(), 1, 'the event sent after the claim stays pending');
  await store.close();
});

test("faults cross from the registry thread with their class; the thread's connection keeps the server's claim", async () => {
  const store = await served(3);
  const token = store.registry.claimToken;
  const faults = join(dir, `faults-${n}`);
  writeFileSync(faults, 'database:full');
  process.env.ACCRETE_FAULT_FILE = faults;
  try {
    await assert.rejects(store.startJob('api', {}), (err) => storageError(err)?.kind === 'full');
  } finally {
    delete process.env.ACCRETE_FAULT_FILE;
  }
  assert.equal(await store.pendingCount(), 3, 'nothing was claimed');
  // A new connection for the thread (after an I/O error): closing the old one left the claim.
  await store.reopen();
  const started = await store.startJob('api', {});
  assert.equal(currentOwner(store.registry.db)?.token, token);
  // A server that lost its claim writes nothing, from either connection.
  store.registry.db.prepare(`UPDATE owner SET token = 'someone else' WHERE id = 1`).run();
  await assert.rejects(store.failJob(started.job, 'test'), (err) => err instanceof AccreteError && err.code === 'CONFLICT' && /no longer owns/.test(err.message));
  assert.equal((await store.claimedIds(started.job)).length, 3, 'the job still holds its events');
  await store.close();
});
