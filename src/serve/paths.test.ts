/**
 * Answers do not show the server's absolute paths: not the directory a version was imported from,
 * not the registry's directory in a BAD_MODEL_FILE message (the server log keeps them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { withoutPaths } from './status.js';
import { call, servedTinyModel } from './testing.js';

const served = servedTinyModel('accrete-paths-');
const { dir, logs } = served;

test('withoutPaths: registry paths relative, other absolute paths their base name', () => {
  assert.equal(withoutPaths('/srv/reg/versions/v2/model.bin: truncated', '/srv/reg'), 'versions/v2/model.bin: truncated');
  assert.equal(withoutPaths('cannot read "/home/me/models/base/model.json" (ENOENT)', '/srv/reg'), 'cannot read "model.json" (ENOENT)');
  assert.equal(withoutPaths('versions/v2: the checksum differs', '/srv/reg'), 'versions/v2: the checksum differs');
});

test('GET /v1/models and /v1/models/v1 do not show where the model was imported from', async () => {
  for (const path of ['/v1/models', '/v1/models/v1']) {
    const r = await call(served.url, 'GET', path, undefined, false);
    assert.equal(r.status, 200);
    assert.ok(!r.text.includes(dir), `${path} shows ${dir}: ${r.text.slice(0, 300)}`);
  }
  assert.equal((await call(served.url, 'GET', '/v1/models/v1', undefined, false)).json.options.importedFrom, 'base');
});

test('activating a damaged version: 422 BAD_MODEL_FILE naming the file relative to the registry; the log has the full path', async () => {
  const v1 = join(dir, 'reg', 'versions', 'v1');
  const biggest = readdirSync(v1).sort((a, b) => statSync(join(v1, b)).size - statSync(join(v1, a)).size)[0];
  truncateSync(join(v1, biggest), 100);
  const r = await call(served.url, 'POST', '/v1/models/v1/activate');
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.code, 'BAD_MODEL_FILE');
  assert.match(r.json.error.message, /^cannot activate v1: /);
  assert.ok(!r.text.includes(dir), r.text);
  assert.match(r.json.error.message, /versions\/v1/);
  assert.ok(logs.some((l) => l.includes(dir)), 'the log keeps the absolute path');
});
