/**
 * The fence of a locked save: the new version takes the directory's place only if the directory
 * still holds the version that was there when the lock was taken (a writer that ignores the lock,
 * such as an older Accrete, is not overwritten), and only while the lock is still ours.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccreteError } from '../errors.js';
import { writeDirAtomic } from '../store/atomicDir.js';
import { lockPath } from '../store/writeLock.js';
import { lockModelDir } from './modelLock.js';

const root = mkdtempSync(join(tmpdir(), 'accrete-modellock-'));
after(() => rmSync(root, { recursive: true, force: true }));

const version = (weights: string) => (tmp: string) => writeFileSync(join(tmp, 'model.json'), JSON.stringify({ weights: { xxh64: weights }, createdAt: `at ${weights}` }));
const weightsIn = (dir: string) => (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weights: { xxh64: string } }).weights.xxh64;

test('a save under the lock goes through when the directory is as it was when locked', () => {
  const dir = join(root, 'ok');
  writeDirAtomic(dir, version('aaaa'));
  const held = lockModelDir(dir, 'test', 0);
  writeDirAtomic(dir, version('bbbb'), held.saveOptions);
  held.release();
  assert.equal(weightsIn(dir), 'bbbb');
});

test('another writer saved meanwhile (without the lock): CONFLICT naming its version, nothing overwritten', () => {
  const dir = join(root, 'fenced');
  writeDirAtomic(dir, version('aaaa'));
  const held = lockModelDir(dir, 'test', 0);
  writeDirAtomic(dir, version('cccc')); // ignores the lock
  assert.throws(
    () => writeDirAtomic(dir, version('bbbb'), held.saveOptions),
    (err: unknown) => err instanceof AccreteError && err.code === 'CONFLICT' && err.message.includes('weights cccc') && err.message.includes('not the version with weights aaaa') && err.message.includes('nothing was written'),
  );
  held.release();
  assert.equal(weightsIn(dir), 'cccc');
});

test('a lock taken over by another process (this one judged dead): the save is refused', () => {
  const dir = join(root, 'lost');
  writeDirAtomic(dir, version('aaaa'));
  const held = lockModelDir(dir, 'test', 0);
  writeFileSync(lockPath(dir), JSON.stringify({ host: 'h', pid: 1, start: null, token: 'other', what: 'x', since: '' }));
  assert.throws(() => writeDirAtomic(dir, version('bbbb'), held.saveOptions), /lost the write lock/);
  held.release();
  assert.equal(weightsIn(dir), 'aaaa');
  assert.match(readFileSync(lockPath(dir), 'utf8'), /"other"/, 'the new owner keeps its lock');
});
