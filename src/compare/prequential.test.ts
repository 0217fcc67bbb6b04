import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../data/read.js';
import { runPrequential, windowAccuracy } from './prequential.js';
import { byClasses } from './stream.js';

const TRAIN = fileURLToPath(new URL('../../test/fixtures/corpus/wordnet5.train.txt', import.meta.url));
const TINY = { dim: 8, bucket: 2000, epoch: 5, lr: 0.5, wordNgrams: 1, seed: 1 };

test('windowAccuracy: the last w outcomes, fewer at the start', () => {
  assert.deepEqual(windowAccuracy([true, false, true, true, false], 2), [1, 0.5, 0.5, 1, 0.5]);
  assert.deepEqual(windowAccuracy([], 3), []);
});

test('runPrequential: frozen, gate on, gate off over an even sample of the later tasks, in order', async () => {
  const { examples } = await readDataset(TRAIN);
  const stream = byClasses(examples, 3, 0.2, 1);
  const seen: string[] = [];
  const p = await runPrequential(stream, TINY, { limit: 30, window: 10, replay: 200 }, (mode, done, total) => done === total && seen.push(`${mode} ${total}`));
  assert.deepEqual(seen, ['frozen 30', 'gate on 30', 'gate off 30']);
  assert.equal(p.examples, 30);
  assert.equal(p.available, stream[1].train.length + stream[2].train.length);
  assert.deepEqual(p.taskStarts.map((s) => s.task), [stream[1].name, stream[2].name]);
  assert.equal(p.taskStarts[0].index, 0);
  const [frozen, on, off] = p.runs;
  assert.deepEqual([frozen.updates, on.updates, off.updates], [0, 30, 30]);
  assert.equal(off.accepted, 30, 'the gate off accepts every update');
  // Class-incremental: the frozen model knows none of the later labels; learning each one helps.
  assert.equal(frozen.accuracy.at(-1), 0);
  assert.ok(off.accuracy.at(-1)! > 0, 'gate off learns the new labels');
  for (const r of p.runs) {
    assert.equal(r.accuracy.length, 30);
    assert.equal(r.accuracy.at(-1), r.correct.filter(Boolean).length / 30);
  }
});

test('runPrequential needs two tasks', async () => {
  await assert.rejects(runPrequential([{ name: 'only', train: [], test: [] }], TINY), /at least 2 tasks/);
});
