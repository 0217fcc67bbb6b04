/**
 * The write lock of a model directory: one owner at a time, across processes; a lock whose owner
 * died (or whose pid now belongs to another process) is taken over, by exactly one of those racing
 * for it; release never removes another owner's lock.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModelLockedError } from '../errors.js';
import { acquireWriteLock, holdsWriteLock, lockPath, ownerAlive, processStart, tryWriteLock, WriteLock, type LockOwner } from './writeLock.js';

const cwd = mkdtempSync(join(tmpdir(), 'accrete-lock-'));
after(() => rmSync(cwd, { recursive: true, force: true }));
const MODULE = pathToFileURL(new URL('./writeLock.js', import.meta.url).pathname).href;
let dirs = 0;
const newDir = () => {
  const d = join(cwd, `model-${++dirs}`);
  mkdirSync(d);
  return d;
};

/** A pid no process has: the first from the top of the range that kill(0) says is free. */
function deadPid(): number {
  for (let pid = 4_000_000; ; pid--) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
}

const ownerAt = (dir: string) => JSON.parse(readFileSync(lockPath(dir), 'utf8')) as LockOwner;
const fake = (o: Partial<LockOwner>): LockOwner => ({ host: hostname(), pid: deadPid(), start: null, token: 'f'.repeat(32), what: 'accrete update', since: '2020-01-01T00:00:00.000Z', ...o });
const writeLockFile = (dir: string, o: LockOwner) => writeFileSync(lockPath(dir), JSON.stringify(o));

test('a free lock is taken: the lock file beside the directory names this process; release removes it', () => {
  const dir = newDir();
  const lock = acquireWriteLock(dir, { what: 'accrete update' });
  assert.equal(lockPath(dir), join(cwd, `.model-${dirs}.accrete-lock`));
  const o = ownerAt(dir);
  assert.equal(o.pid, process.pid);
  assert.equal(o.token, lock.owner.token);
  assert.equal(o.what, 'accrete update');
  if (process.platform === 'linux') assert.match(String(o.start), /^\d+$/);
  assert.ok(holdsWriteLock(dir));
  assert.ok(lock.stillHeld());
  lock.release();
  assert.equal(existsSync(lockPath(dir)), false);
  assert.equal(holdsWriteLock(dir), false);
  assert.deepEqual(readdirSync(cwd).filter((n) => n.includes('.tmp') || n.includes('.claim-')), [], 'no temporary or claim file left');
});

test('a lock of a live owner refuses at once (waitMs 0) with CONFLICT naming pid, command and lock file', () => {
  const dir = newDir();
  // This very process, with its true start time: alive.
  writeLockFile(dir, fake({ pid: process.pid, start: processStart(process.pid) }));
  assert.throws(
    () => acquireWriteLock(dir, { what: 'accrete update' }),
    (err: unknown) => err instanceof ModelLockedError && err.code === 'CONFLICT' && err.message.includes(`pid ${process.pid}`) && err.message.includes('accrete update') && err.message.includes(lockPath(dir)) && err.message.includes('--wait'),
  );
  assert.equal(tryWriteLock(dir, 'test'), null);
  assert.equal(ownerAt(dir).token, 'f'.repeat(32), 'the owner keeps its lock');
});

test('a lock whose pid is dead is taken over at once', () => {
  const dir = newDir();
  writeLockFile(dir, fake({}));
  assert.equal(ownerAlive(ownerAt(dir)), false);
  const lock = acquireWriteLock(dir);
  assert.equal(ownerAt(dir).token, lock.owner.token);
  lock.release();
});

test('a lock whose pid is alive but started at another time (a reused pid) is stale', { skip: process.platform !== 'linux' && 'start times are read from /proc' }, () => {
  const dir = newDir();
  writeLockFile(dir, fake({ pid: process.pid, start: '1' }));
  assert.equal(ownerAlive(ownerAt(dir)), false);
  const lock = acquireWriteLock(dir);
  assert.equal(ownerAt(dir).pid, process.pid);
  assert.equal(ownerAt(dir).token, lock.owner.token);
  lock.release();
});

test('an unreadable lock file (garbage) is stale; a lock from another host counts as alive', () => {
  const dir = newDir();
  writeFileSync(lockPath(dir), 'not json');
  acquireWriteLock(dir).release();
  writeLockFile(dir, fake({ host: `${hostname()}-elsewhere` }));
  assert.equal(tryWriteLock(dir, 'test'), null);
});

test('release by a non-owner does not remove the lock; neither does the release of an owner whose lock was taken over', () => {
  const dir = newDir();
  const lock = acquireWriteLock(dir);
  const impostor = new WriteLock(dir, lock.path, { ...lock.owner, token: 'e'.repeat(32) });
  impostor.release();
  assert.ok(existsSync(lockPath(dir)));
  assert.ok(lock.stillHeld());
  lock.release();
  // An owner judged dead (here: its lock rewritten by a dead pid's, then taken over) releases nothing of the new owner's.
  const first = acquireWriteLock(dir);
  writeLockFile(dir, fake({}));
  const second = acquireWriteLock(dir.endsWith('/') ? dir : `${dir}/`);
  assert.equal(first.stillHeld(), false);
  first.release();
  assert.ok(second.stillHeld());
  assert.equal(ownerAt(dir).token, second.owner.token);
  second.release();
});

/** Runs `code` in a child process with the lock module imported as `L` and the target dir as `dir`. */
function child(code: string, dir: string) {
  const script = `const L = await import(${JSON.stringify(MODULE)}); const dir = ${JSON.stringify(dir)};\n${code}`;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function outputOf(p: ReturnType<typeof child>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    let out = '';
    let err = '';
    p.stdout!.on('data', (d) => (out += d));
    p.stderr!.on('data', (d) => (err += d));
    p.on('close', (code) => done({ code, out, err }));
  });
}

test('a second process waits for the owner, says whom it waits for, and gets the lock when the owner releases', async () => {
  const dir = newDir();
  const holder = child(`const l = L.acquireWriteLock(dir, { what: 'accrete update' }); console.log('held'); setTimeout(() => { l.release(); }, 700);`, dir);
  const result = outputOf(holder);
  await new Promise<void>((ok) => holder.stdout!.once('data', () => ok()));
  const waitedFor: number[] = [];
  const started = Date.now();
  const lock = acquireWriteLock(dir, { waitMs: 20_000, onWait: (o) => waitedFor.push(o.pid) });
  assert.deepEqual(waitedFor, [holder.pid]);
  assert.ok(Date.now() - started >= 300, 'it waited');
  lock.release();
  assert.equal((await result).code, 0);
});

test('a lock left by a process that was killed does not block the next one', async () => {
  const dir = newDir();
  const holder = child(`L.acquireWriteLock(dir); process.kill(process.pid, 'SIGKILL');`, dir);
  await outputOf(holder);
  assert.ok(existsSync(lockPath(dir)), 'the killed process left its lock');
  const lock = acquireWriteLock(dir, { waitMs: 0 });
  lock.release();
});

/**
 * Many processes race for one lock at the same instant, each trying once (no wait) and holding the
 * lock until all have tried: exactly one wins. Rounds over a free lock, a dead pid's lock, a reused
 * pid's lock, and a dead pid's lock with a dead contender's claim on it.
 */
test('many processes racing for a free or stale lock: exactly one wins each round', async () => {
  const contenders = 8;
  const rounds: [string, (dir: string) => void][] = [
    ['free', () => {}],
    ['dead pid', (dir) => writeLockFile(dir, fake({}))],
    ['reused pid', (dir) => writeLockFile(dir, fake({ pid: process.pid, start: '1' }))],
    ['dead pid', (dir) => writeLockFile(dir, fake({ token: 'a'.repeat(32) }))],
    ['dead pid', (dir) => writeLockFile(dir, fake({ token: 'b'.repeat(32) }))],
  ];
  for (const [name, setUp] of rounds) {
    const dir = newDir();
    setUp(dir);
    // Barriers in files, not clocks: on a loaded machine processes start seconds apart.
    const ready = `${dir}.ready`;
    const tried = `${dir}.tried`;
    const code = `
      const fs = await import('node:fs');
      const cell = new Int32Array(new SharedArrayBuffer(4));
      const count = (f) => { try { return fs.readFileSync(f, 'utf8').length; } catch { return 0; } };
      const until = (f) => { const end = Date.now() + 60000; while (count(f) < ${contenders} && Date.now() < end) Atomics.wait(cell, 0, 0, 2); };
      fs.appendFileSync(${JSON.stringify(ready)}, 'x');
      until(${JSON.stringify(ready)});
      const lock = L.tryWriteLock(dir, 'race');
      fs.appendFileSync(${JSON.stringify(tried)}, 'x');
      console.log(lock ? 'won' : 'lost');
      // The winner holds the lock until every contender has tried.
      if (lock) { until(${JSON.stringify(tried)}); lock.release(); }`;
    const results = await Promise.all(Array.from({ length: contenders }, () => outputOf(child(code, dir))));
    for (const r of results) assert.equal(r.code, 0, r.err);
    const won = results.filter((r) => r.out.trim() === 'won').length;
    assert.equal(won, 1, `${name}: ${won} of ${contenders} processes won the lock`);
    assert.equal(existsSync(lockPath(dir)), false, 'the winner released it');
  }
});

/**
 * Mutual exclusion under churn: processes loop for a while, taking the lock without waiting; each
 * winner marks its turn with an O_EXCL file (it must not exist: nobody else is inside), then "dies"
 * by leaving a dead pid's lock behind, which the others must take over. Many takeovers race, and no
 * two owners are ever inside at once.
 */
test('processes taking over dead owners\' locks in a loop: never two owners at once', async () => {
  const dir = newDir();
  const inside = join(cwd, 'inside');
  const dead = JSON.stringify(fake({}));
  const ready = `${dir}.ready`;
  const code = `
    const fs = await import('node:fs');
    fs.appendFileSync(${JSON.stringify(ready)}, 'x');
    const end = Date.now() + 60000;
    while (fs.readFileSync(${JSON.stringify(ready)}, 'utf8').length < 6 && Date.now() < end);
    const stop = Date.now() + 2500;
    let wins = 0, overlaps = 0, n = 0;
    while (Date.now() < stop) {
      const lock = L.tryWriteLock(dir, 'churn');
      if (!lock) continue;
      wins++;
      try { fs.writeFileSync(${JSON.stringify(inside)}, String(process.pid), { flag: 'wx' }); } catch { overlaps++; continue; }
      const until = Date.now() + 1; while (Date.now() < until);
      fs.unlinkSync(${JSON.stringify(inside)});
      // Die holding the lock: a dead pid's lock takes its place.
      const tmp = L.lockPath(dir) + '.dead-' + process.pid + '-' + (n++);
      fs.writeFileSync(tmp, ${JSON.stringify(dead)}.replace('${'f'.repeat(32)}', process.pid + 'x' + n));
      fs.renameSync(tmp, L.lockPath(dir));
    }
    console.log(JSON.stringify({ wins, overlaps }));`;
  const results = await Promise.all(Array.from({ length: 6 }, () => outputOf(child(code, dir))));
  const counts = results.map((r) => {
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as { wins: number; overlaps: number };
  });
  const wins = counts.reduce((a, c) => a + c.wins, 0);
  assert.ok(wins >= 20, `only ${wins} takeovers: the test raced too little`);
  assert.equal(counts.reduce((a, c) => a + c.overlaps, 0), 0, `two owners at once (${JSON.stringify(counts)})`);
});

test('a claim left by a contender that died while taking over a dead pid\'s lock: the next process takes both over, and no claim is left', () => {
  const dir = newDir();
  const raw = JSON.stringify(fake({ token: 'c'.repeat(32) }));
  writeFileSync(lockPath(dir), raw);
  const claim = `${lockPath(dir)}.claim-${createHash('sha256').update(raw).digest('hex').slice(0, 24)}`;
  writeFileSync(claim, JSON.stringify(fake({ token: 'd'.repeat(32) })));
  const lock = acquireWriteLock(dir, { waitMs: 0 });
  assert.equal(ownerAt(dir).token, lock.owner.token);
  assert.equal(existsSync(claim), false, 'the dead claim was taken over, then removed');
  lock.release();
  assert.deepEqual(readdirSync(cwd).filter((n) => n.startsWith(`.model-${dirs}.`)), []);
});
