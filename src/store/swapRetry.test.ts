/**
 * Readers of a model directory that another process keeps replacing (as `accrete update` does):
 * every load returns one whole version (model.json, weights and memory of one save), never a mix
 * of two and never an error, though saves overtake reads and readers arrive between a save's renames.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readDataset, type Example } from '../data/read.js';
import { train } from '../learn/train.js';
import { buildMemory, loadLearner } from '../update/memory.js';
import { saveLearner } from '../update/memory.js';
import { loadModel, loadModelAsync } from './modelFiles.js';

const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'accrete-swap-'));
after(() => rmSync(root, { recursive: true, force: true }));
const moduleUrl = (path: string) => pathToFileURL(fileURLToPath(new URL(path, import.meta.url))).href;

/** Two versions with different labels (3 and 2) and sizes, saved with memory. */
let versions: string[];
before(async () => {
  const all: Example[] = (await readDataset(corpus('wordnet3.train.jsonl'))).examples;
  const labels = [...new Set(all.map((e) => e.labels[0]))];
  const sets = [all, all.filter((e) => e.labels[0] !== labels[0])];
  versions = [];
  for (const [i, examples] of sets.entries()) {
    const { model } = await train(examples, { dim: 8 + 8 * i, epoch: 2, lr: 0.5, wordNgrams: 2, bucket: 1000 + 500 * i, seed: 1, thread: 1 });
    const dir = join(root, `v${i}`);
    saveLearner(model, buildMemory(model, examples.slice(0, 200), { capacity: 200 }), dir);
    versions.push(dir);
  }
});

test('loads while another process replaces the model over and over: each load is one whole version, none fails', async () => {
  const dir = join(root, 'model');
  const writeUntil = Date.now() + 3000;
  // The writer holds the directory's write lock (as every accrete command that writes one does) and swaps the two versions.
  const script = `
    const { acquireWriteLock } = await import(${JSON.stringify(moduleUrl('./writeLock.js'))});
    const { writeDirAtomic } = await import(${JSON.stringify(moduleUrl('./atomicDir.js'))});
    const { cpSync } = await import('node:fs');
    const versions = ${JSON.stringify(versions)};
    const lock = acquireWriteLock(${JSON.stringify(dir)});
    let n = 0;
    writeDirAtomic(${JSON.stringify(dir)}, (tmp) => cpSync(versions[0], tmp, { recursive: true }));
    console.log('ready');
    // Back to back with a 2 ms breath: far more often than any real writer saves.
    while (Date.now() < ${writeUntil}) {
      writeDirAtomic(${JSON.stringify(dir)}, (tmp) => cpSync(versions[++n % 2], tmp, { recursive: true }));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
    lock.release();
    console.error(n + ' saves');`;
  const writer = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  after(() => writer.kill());
  let stderr = '';
  writer.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((done) => writer.on('close', done));
  await new Promise<void>((ok) => writer.stdout.once('data', () => ok()));
  const seen = new Map<string, number>();
  const count = (labels: number) => seen.set(`${labels} labels`, (seen.get(`${labels} labels`) ?? 0) + 1);
  let loads = 0;
  while (Date.now() < writeUntil) {
    const { model, memory } = loadLearner(dir);
    // One version: its labels, its output rows, and its memory's examples all agree.
    assert.equal(model.params.output.rows, model.vocab.labels.length);
    for (const e of memory!.replay.examples()) for (const l of e.labels) assert.ok(model.vocab.labels.includes(l), `memory label ${l} is not one of the model's`);
    count(model.vocab.labels.length);
    const alone = loadModel(dir);
    assert.equal(alone.params.output.rows, alone.vocab.labels.length);
    const async = await loadModelAsync(dir);
    assert.equal(async.params.output.rows, async.vocab.labels.length);
    loads += 3;
  }
  assert.equal(await exited, 0, stderr);
  assert.ok(seen.size === 2, `both versions were read (${JSON.stringify([...seen])}, ${loads} loads, ${stderr.trim()})`);
});
