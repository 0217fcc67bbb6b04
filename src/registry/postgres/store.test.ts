/**
 * The PostgreSQL registry on a private PostgreSQL 15 (testing/postgres.ts): schema creation and
 * refusals, model files in chunks and the cache verified by checksum, feedback states and the
 * fencing of job commits.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { UsageError } from '../../errors.js';
import { postgresOrSkip, type TestPostgres } from '../../testing/postgres.js';
import { tinyModel } from '../../serve/testing.js';
import { BlobCache, CHUNK_BYTES, sha256File, upload } from './blobs.js';
import { newPool } from './connect.js';
import { PostgresStore } from './store.js';
import { checkFence } from './updaterLock.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-pgstore-'));
before(async () => tinyModel(join(dir, 'base')));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function fresh(pg: TestPostgres): Promise<string> {
  return pg.createDatabase(`t${++n}`);
}

test('postgres: a registry is created, refuses a newer schema, a wrong connection string and a cache of another registry', async (t) => {
  const pg = await postgresOrSkip(t);
  if (!pg) return;
  const url = await fresh(pg);
  const cache = join(dir, 'cache-a');
  const s = await PostgresStore.open(url, { cache });
  const v = await s.importModel(join(dir, 'base'));
  assert.equal(v.id, 'v1');
  assert.equal(await s.activeId(), 'v1');
  assert.equal((await s.versions()).length, 1);
  await s.close();
  // Opening again migrates nothing and keeps the id.
  const again = await PostgresStore.open(url, { cache });
  assert.equal(again.registryId, s.registryId);
  await again.close();

  // A schema that needs a newer reader: refused with exit 2 (UsageError) and the versions named.
  const pool = newPool(url);
  await pool.query(`UPDATE accrete_meta SET value = '9' WHERE key IN ('schema_version', 'min_reader')`);
  await assert.rejects(PostgresStore.open(url, { cache }), (e: unknown) => e instanceof UsageError && /schema version 9, which needs an Accrete that reads schema 9 or newer \(this one reads 1\)/.test((e as Error).message));
  // Readable by this version although newer: accepted (replicas upgraded one at a time).
  await pool.query(`UPDATE accrete_meta SET value = '1' WHERE key = 'min_reader'`);
  await (await PostgresStore.open(url, { cache })).close();
  await pool.end();

  // Another registry's database with this cache: refused.
  const other = await fresh(pg);
  await assert.rejects(PostgresStore.open(other, { cache }), (e: unknown) => e instanceof UsageError && /holds the files of another registry/.test((e as Error).message));
  // Nothing listens there / no such database / not a URL: exit 2 with a message.
  await assert.rejects(PostgresStore.open(`postgres://postgres@127.0.0.1:1/x`, { cache: join(dir, 'c2') }), (e: unknown) => e instanceof UsageError && /nothing listens there/.test((e as Error).message));
  await assert.rejects(PostgresStore.open(pg.url('nope'), { cache: join(dir, 'c3') }), (e: unknown) => e instanceof UsageError && /no such database/.test((e as Error).message));
  await assert.rejects(PostgresStore.open('postgres://', { cache: join(dir, 'c4') }), UsageError);
});

test('postgres: model files go in chunks, come back verified, and a damaged cached copy is fetched again', async (t) => {
  const pg = await postgresOrSkip(t);
  if (!pg) return;
  const url = await fresh(pg);
  const s = await PostgresStore.open(url, { cache: join(dir, 'cache-b') });
  await s.close();
  const pool = newPool(url);
  const file = join(dir, 'big.bin');
  writeFileSync(file, randomBytes(2 * CHUNK_BYTES + 12345));
  const hash = sha256File(file);
  assert.equal(await upload(pool, file, hash), 2 * CHUNK_BYTES + 12345);
  assert.equal(await upload(pool, file, hash), 0, 'stored once');
  const chunks = await pool.query<{ n: number; len: number }>('SELECT n, length(data) AS len FROM accrete_blob_chunks WHERE hash = $1 ORDER BY n', [hash]);
  assert.deepEqual(chunks.rows.map((r) => r.len), [CHUNK_BYTES, CHUNK_BYTES, 12345]);
  const cache = new BlobCache(join(dir, 'blobs-b'));
  assert.equal(await cache.fetch(pool, hash), 2 * CHUNK_BYTES + 12345);
  assert.deepEqual(readFileSync(cache.pathOf(hash)), readFileSync(file));
  // Damaged on disk: a new process (a new cache object) notices and fetches it again.
  const bytes = readFileSync(cache.pathOf(hash));
  bytes[7] ^= 1;
  writeFileSync(cache.pathOf(hash), bytes);
  const later = new BlobCache(join(dir, 'blobs-b'));
  assert.equal(await later.fetch(pool, hash), 2 * CHUNK_BYTES + 12345, 'fetched again');
  assert.deepEqual(readFileSync(later.pathOf(hash)), readFileSync(file));
  // A damaged chunk in the database is refused, not cached.
  await pool.query(`UPDATE accrete_blob_chunks SET data = overlay(data placing '\\x00'::bytea from 1 for 1) WHERE hash = $1 AND n = 1`, [hash]);
  const third = new BlobCache(join(dir, 'blobs-c'));
  await assert.rejects(third.fetch(pool, hash), /does not match its checksum/);
  assert.ok(!existsSync(third.pathOf(hash)));
  await pool.end();
});

test('postgres: feedback states, a fenced updater, and a dead updater\'s job pending again', async (t) => {
  const pg = await postgresOrSkip(t);
  if (!pg) return;
  const url = await fresh(pg);
  const a = await PostgresStore.open(url, { cache: join(dir, 'cache-c1') });
  await a.importModel(join(dir, 'base'));
  await a.claim();
  await a.recover();
  assert.ok(a.isUpdater(), 'the first replica with role both takes the updater lock');
  const b = await PostgresStore.open(url, { cache: join(dir, 'cache-c2'), role: 'serve' });
  await b.claim();
  await b.recover();
  assert.ok(!b.isUpdater(), 'a serving replica never updates');
  const e = { text: 'a cat', labels: ['noun.animal'], predicted: 'noun.animal', score: 0.9, version: 'v1', createdAt: Date.now(), source: 'test' };
  const ids = await b.addFeedback([e, { ...e, text: 'nul-free text' }, e]);
  assert.equal(ids.length, 3);
  assert.ok(ids[0] < ids[1] && ids[1] < ids[2], 'ids in the order given');
  await assert.rejects(b.startJob('api', {}), /does not hold the updater lock/);
  const job = await a.startJob('api', {});
  assert.equal(job.count, 3);
  assert.equal(await a.pendingCount(), 0);
  const c = await PostgresStore.open(url, { cache: join(dir, 'cache-c3'), role: 'update' });
  await c.claim();
  assert.deepEqual((await c.recover()).interrupted, [], 'the lock is held: nothing to recover');
  assert.ok(!c.isUpdater(), 'one updater at a time');
  // The updater's lock connection is cut (as when it dies): c takes over at its next check, and the job's events are pending again.
  const oldFence = (a as unknown as { lock: { fence: number } }).lock.fence;
  const pool = newPool(url);
  await pool.query(`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()`);
  const released = await pool.query<{ n: string }>('SELECT 1');
  assert.ok(released);
  let r = { interrupted: [] as number[], released: 0 };
  for (let i = 0; i < 50 && !c.isUpdater(); i++) r = await c.recover();
  assert.ok(c.isUpdater(), 'the other updater took the lock');
  assert.deepEqual(r.interrupted, [job.job]);
  assert.equal(r.released, 3);
  assert.equal(await c.pendingCount(), 3);
  // The old updater cannot commit: its fencing token is stale (or it knows it lost the lock).
  await assert.rejects(a.failJob(job.job, 'late'), /does not hold the updater lock|lost the updater lock/);
  await assert.rejects(checkFence(pool, oldFence), /lost the updater lock \(fencing token \d+, the registry's is now \d+/);
  await pool.end();
  assert.equal((await c.job(job.job)).state, 'interrupted');
  for (const s of [a, b, c]) await s.close();
});
