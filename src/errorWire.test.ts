/** errorWire: an error thrown in a worker thread reaches the caller in its class, with its code and fields. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { AccreteError, ConfigError, DataError, StorageError } from './errors.js';
import { fromWire, toWire, type WireError } from './errorWire.js';

/** Throws `source` (an expression) in a real worker thread and brings its wire form back. */
function thrownInWorker(source: string): Promise<WireError> {
  const code = `const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(new URL('./errorWire.js', import.meta.url).href)}).then(async (w) => {
      const e = await import(${JSON.stringify(new URL('./errors.js', import.meta.url).href)});
      try { ${source} } catch (err) { parentPort.postMessage(w.toWire(err)); }
    });`;
  const worker = new Worker(code, { eval: true });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: WireError) => resolve(m));
    worker.once('error', reject);
  }).finally(() => worker.terminate()) as Promise<WireError>;
}

test('a ConfigError crosses in its class, with its issues', async () => {
  const err = fromWire(await thrownInWorker("throw new e.ConfigError(['dim must be positive', 'lr must be positive']);"), 'a test worker');
  assert.ok(err instanceof ConfigError);
  assert.equal(err.code, 'BAD_CONFIG');
  assert.deepEqual(err.issues, ['dim must be positive', 'lr must be positive']);
  assert.match(err.stack!, /in a test worker/);
});

test('a StorageError keeps its kind and retry delay', async () => {
  const err = fromWire(await thrownInWorker("throw new e.StorageError('full', 'the disk is full');"), 'a test worker');
  assert.ok(err instanceof StorageError);
  assert.deepEqual([err.kind, err.retryAfter, err.code, err.message], ['full', 10, 'STORAGE', 'the disk is full']);
});

test("an error that is not ours keeps its name and code but is no AccreteError (SQLite's, an errno)", () => {
  const sqlite = fromWire(toWire(Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY' })), 'here');
  assert.equal(sqlite instanceof AccreteError, false);
  assert.deepEqual([sqlite.name, (sqlite as { code?: string }).code, sqlite.message], ['SqliteError', 'SQLITE_BUSY', 'database is locked']);
  const errno = fromWire(toWire(Object.assign(new Error('no space left'), { code: 'ENOSPC', errno: -28 })), 'here');
  assert.equal(errno instanceof AccreteError, false);
  assert.deepEqual([(errno as { code?: string }).code, (errno as { errno?: number }).errno], ['ENOSPC', -28]);
});

test('a thrown non-error crosses as an Error with its text', () => {
  const err = fromWire(toWire('plain text'), 'here');
  assert.ok(err instanceof Error);
  assert.equal(err.message, 'plain text');
});

test('fields that cannot cross (a function, a socket-like object) are left behind, so the report always arrives', async () => {
  const w = await thrownInWorker("const err = new e.DataError('data.txt', 3, 'no label'); err.handle = { close() {} }; err.tags = ['a', 'b']; throw err;");
  const err = fromWire(w, 'a test worker');
  assert.ok(err instanceof DataError);
  const fields = err as unknown as Record<string, unknown>;
  assert.deepEqual([fields.file, fields.line, fields.handle, fields.tags], ['data.txt', 3, undefined, ['a', 'b']]);
});
