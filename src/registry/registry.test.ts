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

test('feedback: a job claims every pending event; an interrupted or failed job gives them back; a finished one uses them up', () => {
  const r = fresh();
  r.importModel(base);
  const ids = r.addFeedback([event('a cat', 'noun.animal', 'noun.animal'), event('a cart', 'noun.artifact', 'noun.animal')]);
  assert.deepEqual(ids, [1, 2]);
  assert.deepEqual(r.recentOutcomes(10).map((o) => o.error), [0, 1]);
  const first = r.startJob('api', {});
  assert.equal(first.count, 2);
  assert.deepEqual(r.claimedBy(first.job).examples.map((e) => e.text), ['a cat', 'a cart']);
  r.addFeedback([event('a run', 'verb.motion', 'verb.motion')]);
  assert.equal(r.pendingCount(), 1, 'claimed events are not pending');
  assert.equal(r.interruptJob(first.job, 'test'), 2);
  assert.equal(r.pendingCount(), 3);
  const second = r.startJob('every-n', { rounds: 2 });
  assert.equal(second.count, 3);
  r.addFeedback([event('a hop', 'verb.motion', 'verb.motion')]);
  assert.equal(r.failJob(second.job, 'diverged'), 3, 'a failed job gives its events back');
  assert.equal(r.pendingCount(), 4, 'a failed job consumes nothing');
  const third = r.startJob('api', {});
  assert.deepEqual(r.claimedBy(third.job).examples.map((e) => e.text), ['a cat', 'a cart', 'a run', 'a hop']);
  r.rejectJob(third.job, [], { guard: null, fresh: null }, {} as never);
  assert.equal(r.pendingCount(), 0, 'a job the gate decided uses its events');
  assert.deepEqual(r.jobs().map((j) => [j.id, j.state, j.trigger, j.examples, j.feedback.after, j.feedback.upto]), [[3, 'rejected', 'api', 4, 0, 4], [2, 'failed', 'every-n', 3, 0, 3], [1, 'interrupted', 'api', 2, 0, 2]]);
  assert.equal(r.feedbackSeries().buckets.reduce((s, b) => s + b.count, 0), 4);
  r.close();
});

test('quarantine: a diagnosed job sets its faulty events aside with their reason; they are never claimed again', () => {
  const r = fresh();
  r.importModel(base);
  r.addFeedback([event('a cat', 'noun.animal', 'noun.animal'), event('bad', 'noun.animal', 'noun.animal'), event('a run', 'verb.motion', 'verb.motion')]);
  const { job } = r.startJob('api', {});
  r.failJob(job, 'diverged');
  r.diagnoseJob(job, 'data', [{ id: 2, reason: 'training diverged' }]);
  assert.equal(r.pendingCount(), 2);
  assert.equal(r.quarantinedCount(), 1);
  const record = r.job(job);
  assert.equal(record.fault, 'data');
  assert.deepEqual(record.quarantined.map((q) => [q.id, q.text, q.reason]), [[2, 'bad', 'training diverged']]);
  const next = r.startJob('api', {});
  assert.deepEqual(r.claimedBy(next.job).ids, [1, 3]);
  r.close();
});

test('a version 1 registry is upgraded: events of accepted and rejected jobs used, those of failed jobs pending again', () => {
  const file = join(dir, 'v1', 'registry.db');
  mkdirSync(join(dir, 'v1'), { recursive: true });
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(file)});
    db.exec(\`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE versions (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, parent TEXT REFERENCES versions(id), created_at TEXT NOT NULL, fingerprint TEXT, options TEXT NOT NULL, metrics TEXT NOT NULL, decision TEXT NOT NULL, path TEXT NOT NULL, checksum TEXT NOT NULL, labels TEXT NOT NULL, job INTEGER REFERENCES jobs(id));
      CREATE TABLE activations (seq INTEGER PRIMARY KEY AUTOINCREMENT, version TEXT NOT NULL REFERENCES versions(id), previous TEXT, at TEXT NOT NULL, reason TEXT NOT NULL);
      CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, state TEXT NOT NULL, trigger TEXT NOT NULL, parent TEXT NOT NULL, version TEXT, options TEXT NOT NULL, after_id INTEGER NOT NULL, upto_id INTEGER NOT NULL, examples INTEGER NOT NULL, created_at TEXT NOT NULL, finished_at TEXT, reasons TEXT, metrics TEXT, report TEXT, error TEXT);
      CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL, labels TEXT NOT NULL, weight REAL, predicted TEXT, score REAL, error INTEGER NOT NULL, version TEXT, created_at INTEGER NOT NULL, source TEXT NOT NULL);
      CREATE INDEX feedback_time ON feedback(created_at);\`);
    const f = db.prepare("INSERT INTO feedback (text, labels, error, created_at, source) VALUES (?, '[\\"a\\"]', 0, 0, 'test')");
    for (let i = 1; i <= 6; i++) f.run('t' + i);
    const j = db.prepare("INSERT INTO jobs (state, trigger, parent, options, after_id, upto_id, examples, created_at) VALUES (?, 'api', 'v1', '{}', ?, ?, 2, '')");
    j.run('accepted', 0, 2); j.run('failed', 2, 4); j.run('rejected', 4, 5);
    db.pragma('user_version = 1');
    db.close();`;
  const made = spawnSync(process.execPath, ['-e', script], { cwd: process.cwd(), encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const r = Registry.open(file);
  const states = r.db.prepare('SELECT id, state, job FROM feedback ORDER BY id').all();
  assert.deepEqual(states, [
    { id: 1, state: 'used', job: 1 },
    { id: 2, state: 'used', job: 1 },
    { id: 3, state: 'pending', job: null },
    { id: 4, state: 'pending', job: null },
    { id: 5, state: 'used', job: 3 },
    { id: 6, state: 'pending', job: null },
  ]);
  assert.equal(r.pendingCount(), 3);
  r.close();
});

test('recover(): running jobs interrupted (feedback pending again), unrecorded directories and leftovers removed', () => {
  const r = fresh();
  r.importModel(base);
  r.addFeedback([event('a cat', 'noun.animal', 'noun.animal')]);
  const { job, staging } = r.startJob('api', {});
  assert.equal(r.pendingCount(), 0, 'a running job holds its events (claimed, not pending)');
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

test('one server per registry: the owner row refuses a live owner, and takes over a dead one, a zombie or a reused pid', () => {
  const file = join(dir, 'owned', 'registry.db');
  const a = Registry.open(file);
  a.claim();
  const b = Registry.open(file);
  assert.throws(() => b.claim(), code('CONFLICT'), 'a second claim while the first holds');
  const setOwner = (pid: number, started: string | null) => a.db.prepare('UPDATE owner SET pid = ?, started = ?').run(pid, started);
  setOwner(process.ppid, null); // a live process that is not this one, start time unknown
  assert.throws(() => b.claim(), code('CONFLICT'));
  setOwner(2147483646, null); // no such process
  b.claim();
  assert.throws(() => a.addFeedback([event('a cat', 'noun.animal', 'noun.animal')]), code('CONFLICT'), 'a server that lost its claim writes nothing');
  assert.throws(() => a.startJob('api', {}), code('CONFLICT'));
  a.close();
  assert.ok(b.db.prepare('SELECT count(*) AS n FROM owner').get(), 'closing a lost claim leaves the new owner');
  assert.equal((b.db.prepare('SELECT pid FROM owner').get() as { pid: number }).pid, process.pid);
  b.db.prepare("UPDATE owner SET started = '1'").run(); // this pid, another start time: a reused pid
  const c = Registry.open(file);
  c.claim();
  b.close();
  c.close();
  assert.equal((Registry.open(file).db.prepare('SELECT count(*) AS n FROM owner').get() as { n: number }).n, 0, 'close releases the claim');
});

test('a killed owner that is not yet reaped (a zombie) does not block a restart', async () => {
  const file = join(dir, 'zombie', 'registry.db');
  Registry.open(file).close();
  const script = `import('${join(process.cwd(), 'dist/registry/registry.js')}').then(({ Registry }) => { const r = Registry.open(${JSON.stringify(file)}); r.claim(); console.log('claimed'); setInterval(() => {}, 1000); });`;
  // spawn without waiting: after SIGKILL the child stays a zombie until this process reaps it.
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((done) => child.stdout.once('data', () => done()));
  const r = Registry.open(file);
  assert.throws(() => r.claim(), code('CONFLICT'), 'alive: refused');
  child.removeAllListeners();
  process.kill(child.pid!, 'SIGKILL');
  // Until the event loop runs, node has not reaped it: the process is a zombie now.
  const deadline = Date.now() + 2000;
  let state = '';
  while (Date.now() < deadline && state !== 'Z') {
    try {
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    } catch {
      break;
    }
  }
  assert.equal(state, 'Z', 'the child is a zombie, so this checks the zombie case');
  r.claim();
  r.close();
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

test('gc and activate cannot race: a version gc removed after the caller verified it is never made active', () => {
  const r = fresh();
  r.importModel(base);
  r.importModel(base);
  const loaded = r.loadVersion('v2'); // verified before the gc, as the server does off its thread
  assert.deepEqual(r.gc(0).removed, ['v2']);
  assert.throws(() => r.activate('v2', 'api', loaded), (err) => code('CONFLICT')(err) && /v2 was removed by gc/.test((err as Error).message));
  assert.equal(r.activeId(), 'v1');
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

test('two processes creating one registry at once: both open it (the schema is made once, under the write lock)', async () => {
  const { spawn } = await import('node:child_process');
  const registryJs = join(process.cwd(), 'dist/registry/registry.js');
  for (let attempt = 0; attempt < 12; attempt++) {
    const file = join(dir, `created-together-${attempt}`, 'registry.db');
    const script = `import('${registryJs}').then(({ Registry }) => { Registry.open(${JSON.stringify(file)}).close(); console.log('ok'); }, (e) => { console.error(e.message); process.exit(1); });`;
    const runs = [0, 1].map(
      () =>
        new Promise<{ code: number | null; err: string }>((done) => {
          const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
          let err = '';
          child.stderr.on('data', (d) => (err += d));
          child.on('exit', (code) => done({ code, err }));
        }),
    );
    for (const r of await Promise.all(runs)) assert.equal(r.code, 0, r.err);
  }
});
