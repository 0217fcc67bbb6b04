/**
 * Two `accrete update` runs on one model (spawned at once): one writer at a time. The second waits
 * for the first and updates the version the first saved, so both new labels end up in the model;
 * or, not allowed to wait, it is refused with a message and exit 1. Never do both succeed with one
 * update lost. A lock left by a dead process does not block.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireWriteLock, lockPath } from '../store/writeLock.js';
import { loadModel } from '../store/modelFiles.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const CORPUS = fileURLToPath(new URL('../../test/fixtures/corpus/wordnet5.train.txt', import.meta.url));
// Every searched setting pinned (train fits what is left out to the data, char n-grams included).
const TINY = ['--dim', '16', '--bucket', '20000', '--epoch', '10', '--lr', '0.5', '--wordNgrams', '2', '--minn', '0', '--maxn', '0', '--seed', '1', '--thread', '1', '--quiet'];

const cwd = mkdtempSync(join(tmpdir(), 'accrete-update-concurrent-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs accrete; `onStderr` sees its stderr as it comes. */
function accrete(args: string[], onStderr?: (text: string) => void): Promise<Run> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [MAIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr);
    });
    p.on('error', fail);
    p.on('close', (status) => done({ status, stdout, stderr }));
  });
}

let base: string;
let addFood: string;
let addMotion: string;
let copies = 0;
const copyOfBase = () => {
  const dir = join(cwd, `model-${++copies}`);
  cpSync(base, dir, { recursive: true });
  return dir;
};
/** The labels of the model in `dir`, its patches applied (model.json lists the base's). */
const labelsOf = (dir: string) => [...loadModel(dir).labels];
const modelJson = (dir: string) => readFileSync(join(dir, 'model.json'), 'utf8');
const update = (dir: string, data: string, ...more: string[]) => ['update', '--model', dir, '--data', data, '--quiet', ...more];

before(() => {
  // A model of three labels; each update brings one new label of its own.
  const lines = readFileSync(CORPUS, 'utf8').trim().split('\n');
  const write = (name: string, ls: string[]) => {
    writeFileSync(join(cwd, name), ls.join('\n') + '\n');
    return join(cwd, name);
  };
  const first = write('first.txt', lines.filter((l) => !/^__label__(noun\.food|verb\.motion) /.test(l)).slice(0, 450));
  addFood = write('food.txt', lines.filter((l) => l.startsWith('__label__noun.food ')).slice(0, 60));
  addMotion = write('motion.txt', lines.filter((l) => l.startsWith('__label__verb.motion ')).slice(0, 60));
  base = join(cwd, 'base');
  const r = spawnSync(process.execPath, [MAIN, 'train', '--data', first, '--out', base, ...TINY], { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(labelsOf(base).sort(), ['noun.animal', 'noun.artifact', 'noun.plant']);
});

test('two updates of one model at once, 4 tries: both exit 0 and the model holds both new labels (the second waited and updated the first one\'s result)', async () => {
  const tries = 4;
  for (let t = 0; t < tries; t++) {
    const dir = copyOfBase();
    const [food, motion] = await Promise.all([accrete(update(dir, addFood)), accrete(update(dir, addMotion))]);
    for (const r of [food, motion]) assert.equal(r.status, 0, `try ${t}: exit ${r.status}\n${r.stderr}`);
    const labels = labelsOf(dir);
    assert.ok(labels.includes('noun.food') && labels.includes('verb.motion'), `try ${t}: an update was lost: the model has ${labels.join(', ')}`);
    assert.equal(existsSync(lockPath(dir)), false, 'the lock is released');
  }
});

test('--wait 0 while another command writes the model: exit 1, a message naming the writer, the model untouched', async () => {
  const dir = copyOfBase();
  const before = modelJson(dir);
  const lock = acquireWriteLock(dir, { what: 'accrete update' });
  try {
    const r = await accrete(update(dir, addFood, '--wait', '0'));
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`is being written by accrete update \\(pid ${process.pid}\\b`));
    assert.match(r.stderr, /--wait SECONDS/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    lock.release();
  }
  assert.equal(modelJson(dir), before);
});

test('an update that waits says whom it waits for, and runs once the lock is released', async () => {
  const dir = copyOfBase();
  const lock = acquireWriteLock(dir, { what: 'accrete train' });
  let released = false;
  const r = await accrete(update(dir, addFood, '--wait', '30'), (stderr) => {
    if (!released && stderr.includes('waiting for')) {
      released = true;
      assert.ok(existsSync(join(dir, 'model.json')));
      lock.release();
    }
  });
  if (!released) lock.release();
  assert.ok(released, `it never said it was waiting:\n${r.stderr}`);
  assert.match(r.stderr, new RegExp(`waiting for accrete train \\(pid ${process.pid},`));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(labelsOf(dir).includes('noun.food'));
});

test('a lock left by a dead process (or a reused pid) does not block an update', async () => {
  for (const owner of [{ pid: 2 ** 22 + 12345, start: null }, { pid: process.pid, start: '1' }]) {
    const dir = copyOfBase();
    writeFileSync(lockPath(dir), JSON.stringify({ host: hostname(), ...owner, token: 'f'.repeat(32), what: 'accrete update', since: '2020-01-01T00:00:00.000Z' }));
    const r = await accrete(update(dir, addFood, '--wait', '0'));
    assert.equal(r.status, 0, r.stderr);
    assert.ok(labelsOf(dir).includes('noun.food'));
    assert.equal(existsSync(lockPath(dir)), false);
  }
});

test('train --out over a model another command is writing waits for it too', async () => {
  const dir = copyOfBase();
  const lock = acquireWriteLock(dir, { what: 'accrete update' });
  let r: Run;
  try {
    r = await accrete(['train', '--data', addFood, '--out', dir, ...TINY, '--wait', '0']);
  } finally {
    lock.release();
  }
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /is being written by accrete update/);
  assert.deepEqual(labelsOf(dir).sort(), ['noun.animal', 'noun.artifact', 'noun.plant'], 'the model is untouched');
});
