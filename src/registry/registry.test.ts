/**
 * The registry without a server: import, activate, rollback, ids that cannot escape versions/,
 * feedback claimed by jobs and given back by interrupted ones, recovery of what a crash leaves on
 * disk, and files that are not registries.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccreteError } from '../errors.js';
import type { TextClassifier } from '../model/classifier.js';
import { MAIN, tinyModel } from '../serve/testing.js';
import { isVersionId, versionPath } from './files.js';
import { lockRegistry } from './lock.js';
import { Registry, VersionFilesError, type FeedbackEvent } from './registry.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-registry-'));
const base = join(dir, 'base');
before(() => tinyModel(base));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const fresh = () => Registry.open(join(dir, `r${++n}`, 'registry.db'));
const event = (text: string, label: string, predicted: string): FeedbackEvent => ({ text, labels: [label], predicted, score: 0.5, version: 'v1', createdAt: Date.now(), source: 'test' });
const code = (c: string) => (err: unknown) => err instanceof AccreteError && err.code === c;

test('import: a verified copy under versions/v1, scored on its guard set, active when it is the first', () => {
  const r = fresh();
  const v = r.importModel(base);
  assert.equal(v.id, 'v1');
  assert.equal(r.activeId(), 'v1');
  assert.ok(existsSync(join(r.root, 'versions', 'v1', 'weights.safetensors')));
  assert.equal(v.metrics.guard!.n, 120);
  assert.ok(v.metrics.guard!.accuracy > 0.6);
  assert.deepEqual(v.labels, ['noun.animal', 'noun.artifact', 'verb.motion']);
  const second = r.importModel(base);
  assert.equal(second.id, 'v2');
  assert.equal(r.activeId(), 'v1', 'a later import does not take over');
  assert.deepEqual(r.activate('v2'), { active: 'v2', previous: 'v1' });
  assert.throws(() => r.rollback(), code('CONFLICT'), 'an imported version has no parent');
  r.close();
});

test('version ids: only v<number>; anything else is NOT_FOUND before it reaches the file system', () => {
  for (const id of ['v1', 'v2', 'v10', 'v999999999']) assert.ok(isVersionId(id), id);
  for (const id of ['', 'v0', 'v01', 'V1', '1', 'v1/..', '../v1', 'v1\0', 'v1 ', '/etc/passwd', 'v1000000000']) {
    assert.equal(isVersionId(id), false, JSON.stringify(id));
    assert.throws(() => versionPath(id), code('NOT_FOUND'));
  }
  const r = fresh();
  r.importModel(base);
  assert.throws(() => r.version('v9'), code('NOT_FOUND'));
  assert.throws(() => r.activate('../v1'), code('NOT_FOUND'));
  assert.equal(r.activeId(), 'v1');
  r.close();
});

test('feedback: a job takes every pending event; an interrupted job leaves them pending; a finished one uses them up', () => {
  const r = fresh();
  r.importModel(base);
  const ids = r.addFeedback([event('a cat', 'noun.animal', 'noun.animal'), event('a cart', 'noun.artifact', 'noun.animal')]);
  assert.deepEqual(ids, [1, 2]);
  assert.deepEqual(r.recentOutcomes(10).map((o) => o.error), [0, 1]);
  const first = r.startJob('api', {});
  assert.deepEqual([first.after, first.upto, first.count], [0, 2, 2]);
  assert.deepEqual(r.examples(first.after, first.upto).map((e) => e.text), ['a cat', 'a cart']);
  r.addFeedback([event('a run', 'verb.motion', 'verb.motion')]);
  r.interruptJob(first.job, 'test');
  assert.equal(r.pendingCount(), 3);
  const second = r.startJob('every-n', { rounds: 2 });
  assert.equal(second.count, 3);
  r.addFeedback([event('a hop', 'verb.motion', 'verb.motion')]);
  r.failJob(second.job, 'diverged');
  assert.equal(r.pendingCount(), 1, 'only the event that came during the job');
  assert.deepEqual(r.examples(3, 4).map((e) => e.text), ['a hop']);
  assert.deepEqual(r.jobs().map((j) => [j.id, j.state, j.trigger, j.examples, j.feedback.after, j.feedback.upto]), [[2, 'failed', 'every-n', 3, 0, 3], [1, 'interrupted', 'api', 2, 0, 2]]);
  assert.equal(r.feedbackSeries().buckets.reduce((s, b) => s + b.count, 0), 4);
  r.close();
});

test('recover(): running jobs interrupted (feedback pending again), unrecorded directories and leftovers removed', () => {
  const r = fresh();
  r.importModel(base);
  r.addFeedback([event('a cat', 'noun.animal', 'noun.animal')]);
  const { job, staging } = r.startJob('api', {});
  assert.equal(r.pendingCount(), 1, 'a running job does not use its events up');
  // What a crash can leave: a half-written staging directory, a temporary directory of an interrupted save, a published but unrecorded version.
  mkdirSync(staging);
  writeFileSync(join(staging, 'weights.safetensors'), 'half');
  mkdirSync(join(r.root, 'versions', `..job-${job}.tmp-1-2`));
  cpSync(base, join(r.root, 'versions', 'v2'), { recursive: true });
  r.close();

  const again = Registry.open(r.file);
  const rec = again.recover();
  assert.deepEqual(rec.interrupted, [job]);
  assert.equal(rec.released, 1);
  assert.deepEqual(rec.removed.sort(), [`..job-${job}.tmp-1-2`, `.job-${job}`, 'v2'].sort());
  assert.deepEqual(readdirSync(join(again.root, 'versions')), ['v1']);
  assert.equal(again.pendingCount(), 1);
  assert.equal(again.activeId(), 'v1');
  assert.deepEqual(again.recover(), { interrupted: [], released: 0, removed: [] }, 'recovery is idempotent');
  again.close();
});

test('one server per registry: a live lock refuses a second, a dead one is taken over', () => {
  const file = join(dir, 'locked', 'registry.db');
  const release = lockRegistry(file);
  writeFileSync(`${file}.lock`, String(process.ppid)); // a live process that is not this one
  assert.throws(() => lockRegistry(file), code('CONFLICT'));
  writeFileSync(`${file}.lock`, '2147483646'); // no such process
  lockRegistry(file)();
  release();
  assert.equal(existsSync(`${file}.lock`), false);
});

test('a file that is not a registry, and a missing one opened read-only, are refused with a message', () => {
  const other = join(dir, 'other.db');
  const r = Registry.open(other);
  r.db.exec('CREATE TABLE t (x)');
  r.db.pragma('user_version = 0');
  r.close();
  writeFileSync(join(dir, 'plain.db'), 'not sqlite at all, just text that is long enough to have a header........');
  assert.throws(() => Registry.open(join(dir, 'missing', 'registry.db'), { readonly: true }), /no registry at/);
  assert.throws(() => Registry.open(other), /not an Accrete registry/);
  assert.throws(() => Registry.open(join(dir, 'plain.db')), (err) => code('BAD_MODEL_FILE')(err) && /not a database/.test((err as Error).message));
});

/** Flips one byte in the middle of a version's weights: the file is still there, its checksum no longer matches. */
function corrupt(r: Registry, id: string): void {
  const file = join(r.dirOf(id), 'weights.safetensors');
  const bytes = readFileSync(file);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(file, bytes);
}

/** v1 <- v2 (v2 updated from v1), v2 active. */
function lineage(): Registry {
  const r = fresh();
  r.importModel(base);
  r.importModel(base);
  r.db.prepare(`UPDATE versions SET parent = 'v1' WHERE id = 'v2'`).run();
  r.activate('v2');
  return r;
}

test('activate and rollback refuse a version whose files do not load, and leave the active pointer alone', () => {
  const r = lineage();
  corrupt(r, 'v1');
  const refused = (err: unknown) => err instanceof VersionFilesError && err.code === 'BAD_MODEL_FILE' && err.version === 'v1' && /cannot activate v1: .*checksum/s.test(err.message) && /v2 stays active/.test(err.message);
  assert.throws(() => r.activate('v1'), refused);
  assert.throws(() => r.rollback(), refused);
  assert.equal(r.activeId(), 'v2');
  assert.equal(r.activations().length, 2, 'no activation recorded');
  // A model loaded elsewhere (the server loads off its thread) is checked against the record, not read again.
  const other = { ...r.loadVersion('v2'), source: { weightsChecksum: '0123456789abcdef' } } as unknown as TextClassifier;
  assert.throws(() => r.activate('v2', 'api', other), (err) => err instanceof VersionFilesError && /cannot activate v2: .*not the one the registry recorded/s.test(err.message));
  r.close();
});

test('a server starting on an active version that does not load is told which one and how to activate another', () => {
  const r = lineage();
  corrupt(r, 'v2');
  assert.throws(
    () => r.loadActive(),
    (err) => err instanceof VersionFilesError && /cannot serve the active version: version v2 does not load/.test(err.message) && /accrete models rollback/.test(err.message) && /accrete models activate ID/.test(err.message),
  );
  assert.deepEqual(r.rollback(), { active: 'v1', previous: 'v2' }, 'its parent still loads');
  assert.equal(r.loadActive().id, 'v1');
  r.close();
});

test('accrete models activate|rollback: exit 1 with the reason when the target version is damaged', () => {
  const r = lineage();
  corrupt(r, 'v1');
  r.close();
  const models = (...args: string[]) => spawnSync(process.execPath, [MAIN, 'models', ...args, '--registry', r.file], { encoding: 'utf8', timeout: 20_000 });
  for (const args of [['activate', 'v1'], ['rollback']]) {
    const run = models(...args);
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /cannot activate v1: version v1 does not load: .*weights\.safetensors/);
  }
  assert.match(models('list').stdout, /^\*\s+v2\s/m, 'v2 stays active');
});

test('accrete models list|show on a path that is not a registry: what is there instead, and nothing created', () => {
  const folder = join(dir, 'cli-paths');
  mkdirSync(folder);
  const run = (registry: string, action = 'list') => spawnSync(process.execPath, [MAIN, 'models', action, ...(action === 'show' ? ['v1'] : []), '--registry', registry], { encoding: 'utf8', timeout: 20_000 });
  for (const action of ['list', 'show']) {
    const isDir = run(folder, action);
    assert.equal(isDir.status, 1);
    assert.equal(isDir.stderr, `accrete models: ${folder} is a directory, not a registry file\n`);
    for (const missing of [join(folder, 'registry.db'), join(folder, 'no-such-dir', 'registry.db')]) {
      const r = run(missing, action);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, `accrete models: no registry at ${missing} (run accrete serve --registry ${missing} --model MODEL to create one)\n`);
    }
  }
  assert.deepEqual(readdirSync(folder), [], 'nothing created');
  const r = fresh();
  r.importModel(base);
  r.close();
  const hint = run(r.root);
  assert.match(hint.stderr, new RegExp(`is a directory, not a registry file \\(did you mean ${r.file.replace(/[.]/g, '\\.')}\\?\\)`));
});
