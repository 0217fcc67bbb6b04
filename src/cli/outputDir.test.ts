/**
 * Where --out may write a model: checkOutDir directly, and the two cases of the user review end to
 * end (`node dist/cli/main.js` spawned on the WordNet fixtures, with tiny models).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelFileError } from '../errors.js';
import { checkOutDir } from './outputDir.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));
const TRAIN = corpus('wordnet3.train.jsonl');
const TINY = ['--dim', '8', '--bucket', '1000', '--epoch', '2', '--lr', '0.5', '--seed', '1', '--thread', '1', '--quiet'];

const cwd = mkdtempSync(join(tmpdir(), 'accrete-out-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

/** Runs accrete and checks the exit status, showing stderr when it is not the expected one. */
function expectStatus(args: string[], status: number): string {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  assert.equal(r.status, status, `accrete ${args.join(' ')} exited ${r.status}; stderr:\n${r.stderr}`);
  return r.stderr;
}

/** The ModelFileError checkOutDir throws for `out`, checked to name it. */
function refusal(out: string): string {
  try {
    checkOutDir(out);
  } catch (err) {
    assert.ok(err instanceof ModelFileError, `expected a ModelFileError, got ${String(err)}`);
    assert.ok(err.message.startsWith(`${out}: cannot write a model here: `), err.message);
    return err.message;
  }
  return assert.fail(`checkOutDir accepted ${out}`);
}

let model: string;
before(() => {
  model = join(cwd, 'model');
  expectStatus(['train', '--data', TRAIN, '--out', model, ...TINY], 0);
});

test('checkOutDir: a model directory holding only its files, an empty or a new directory are accepted', () => {
  checkOutDir(model);
  checkOutDir(join(cwd, 'new', 'model'));
  mkdirSync(join(cwd, 'empty'));
  checkOutDir(join(cwd, 'empty'));
});

test('checkOutDir: a model directory that also holds other entries is refused, with their names', () => {
  const dir = join(cwd, 'with-notes');
  expectStatus(['train', '--data', TRAIN, '--out', dir, ...TINY, '--replay', '0'], 0);
  mkdirSync(join(dir, 'notes'));
  assert.match(refusal(dir), /its model\.json does not list them\): "notes"; .*move them elsewhere/);
});

test('checkOutDir: a directory inside a model directory, at any depth, is refused and the model named', () => {
  for (const out of [join(model, 'sub'), join(model, 'a', 'b')]) {
    assert.match(refusal(out), new RegExp(`it is inside the model directory ${model}, .*choose a directory outside it`));
  }
  // The parent of a model directory is a directory that is not a model: refused as before.
  assert.match(refusal(cwd), /not an Accrete model \(no model\.json\); refusing to replace it/);
});

test('train --out over a model directory holding notes/todo.txt: exit 1 before training, the notes and the model kept', () => {
  const dir = join(cwd, 'user-model');
  expectStatus(['train', '--data', TRAIN, '--out', dir, ...TINY], 0);
  const files = readdirSync(dir).sort();
  mkdirSync(join(dir, 'notes'));
  writeFileSync(join(dir, 'notes', 'todo.txt'), 'keep me');
  const stderr = expectStatus(['train', '--data', join(cwd, 'not-read.txt'), '--out', dir, ...TINY], 1);
  assert.match(stderr, /cannot write a model here: it holds entries .*"notes"/);
  assert.doesNotMatch(stderr, /not-read\.txt/, 'refused before the data is read');
  assert.equal(readFileSync(join(dir, 'notes', 'todo.txt'), 'utf8'), 'keep me');
  assert.deepEqual(readdirSync(dir).sort(), [...files, 'notes'].sort());
});

test('update --out inside the source model directory: exit 1, nothing written, and the next in-place update works', () => {
  const sub = join(model, 'sub');
  const stderr = expectStatus(['update', '--model', model, '--data', TRAIN, '--out', sub, '--quiet'], 1);
  assert.match(stderr, /sub: cannot write a model here: it is inside the model directory /);
  assert.equal(existsSync(sub), false);
  const status = spawnSync(process.execPath, [MAIN, 'update', '--model', model, '--data', TRAIN, '--quiet'], { cwd, encoding: 'utf8', timeout: 60_000 }).status;
  assert.ok(status === 0 || status === 3, `an in-place update runs (accepted or rejected by the gate), got exit ${status}`);
});
