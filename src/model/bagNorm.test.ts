import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportRefusedError } from '../errors.js';
import { exportFastText } from '../interop/export.js';
import { train } from '../learn/train.js';
import { Learner } from '../learner.js';
import { jsonl } from '../serve/testing.js';
import { loadModel, saveModel } from '../store/modelFiles.js';
import { embed, createScratch, loadIds } from './forward.js';

const SMALL = { dim: 16, bucket: 20000, epoch: 10, lr: 0.5, wordNgrams: 2, seed: 1, thread: 1 };
const TRAIN = jsonl('wordnet3.train.jsonl').slice(0, 300);
const TEXTS = jsonl('wordnet3.test.jsonl').slice(0, 40).map((e) => e.text);

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'accrete-bagnorm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the bag: mean is sum / n, sqrt is sum / sqrt(n), l2 is sum over the L2 norm of the row counts', async () => {
  const { model } = await train(TRAIN.slice(0, 20), { ...SMALL, epoch: 1 });
  const p = model.params;
  const s = createScratch(p);
  const rows = Int32Array.from([3, 5, 3, 7]);
  const sum = new Float64Array(p.input.cols);
  for (const r of rows) for (let j = 0; j < sum.length; j++) sum[j] += p.input.data[r * p.input.cols + j];
  // Counts 2, 1, 1: ||c|| = sqrt(6).
  for (const [bag, norm] of [['mean', 4], ['sqrt', 2], ['l2', Math.sqrt(6)]] as const) {
    const weight = embed(p, s, loadIds(s, rows, 0, rows.length), bag);
    assert.ok(Math.abs(weight - 1 / norm) < 1e-7, `${bag}: each row weighs 1/${norm}`);
    for (let j = 0; j < sum.length; j++) assert.ok(Math.abs(s.embedding[j] - sum[j] / norm) < 1e-5, `${bag} column ${j}`);
  }
});

test('bagNorm, the hinge loss and weightDecay change predictions, and round-trip through save, load, an update and its patch', async (t) => {
  const dir = tmp(t);
  const base = (await train(TRAIN, SMALL)).model;
  const probs = (m: { probabilities(text: string): Float32Array }) => TEXTS.map((x) => Array.from(m.probabilities(x)));
  for (const options of [{ bagNorm: 'l2' }, { bagNorm: 'sqrt', lr: 0.2 }, { loss: 'hinge' }, { bagNorm: 'l2', loss: 'hinge', weightDecay: 1e-3 }] as const) {
    const name = JSON.stringify(options);
    const learner = await Learner.train(TRAIN, { ...SMALL, ...options });
    assert.notDeepEqual(probs(learner.model), probs(base), `${name} predicts otherwise than the default`);
    const at = join(dir, name.replace(/\W/g, ''));
    await learner.save(at);
    const loaded = await Learner.load(at);
    for (const [k, v] of Object.entries(options)) assert.equal(loaded.model.config[k as keyof typeof options], v, `${name}: ${k} saved`);
    assert.deepEqual(probs(loaded.model), probs(learner.model), `${name}: the loaded model predicts as the saved one`);
    const result = await loaded.learn(TRAIN.slice(0, 20).map((e) => ({ text: `${e.text} extra words here`, label: e.labels[0] })), { gate: false });
    assert.equal(result.accepted, true, name);
    assert.equal((await loaded.save(at)).as, 'patch', `${name}: the update is saved as a patch`);
    const again = loadModel(at);
    assert.deepEqual(probs(again), probs(loaded.model), `${name}: base + patch predicts as the updated model`);
    assert.equal(again.config.bagNorm, 'bagNorm' in options ? options.bagNorm : 'mean');
  }
});

test('a model file written before bagNorm and cjkRuns loads with their defaults (mean, false)', async (t) => {
  const dir = tmp(t);
  const { model } = await train(TRAIN.slice(0, 50), { ...SMALL, epoch: 1 });
  saveModel(model, dir);
  const path = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(path, 'utf8')) as { config: Record<string, unknown> };
  delete json.config.bagNorm;
  delete json.config.cjkRuns;
  writeFileSync(path, JSON.stringify(json));
  const old = loadModel(dir);
  assert.equal(old.config.bagNorm, 'mean');
  assert.equal(old.config.cjkRuns, false);
  assert.deepEqual(Array.from(old.probabilities(TEXTS[0])), Array.from(model.probabilities(TEXTS[0])));
});

test('the fastText export refuses bagNorm, the hinge loss and cjkRuns with an ExportRefusedError naming the option', async (t) => {
  const dir = tmp(t);
  const ft = { dim: 8, epoch: 1, seed: 1, tokenizer: 'fasttext', hashing: 'fasttext' } as const;
  for (const [options, option] of [[{ bagNorm: 'l2' }, 'bagNorm'], [{ loss: 'hinge' }, 'loss'], [{ cjkRuns: true }, 'cjkRuns']] as const) {
    const { model } = await train(TRAIN.slice(0, 30), { ...ft, ...options });
    assert.throws(
      () => exportFastText(model, join(dir, 'x.bin')),
      (err: unknown) => err instanceof ExportRefusedError && err.option === option && err.code === 'BAD_CONFIG' && err.message.includes(`--${option}`),
      option,
    );
  }
  const { model } = await train(TRAIN.slice(0, 30), ft);
  assert.equal(exportFastText(model, join(dir, 'ok.bin')).labels, model.labels.length, 'the defaults still export');
});

test('cjkRuns: trains without a word for the whole run, changes predictions, and round-trips through save and load', async (t) => {
  const dir = tmp(t);
  const zh = [
    ['我们喜欢自然语言处理', 'tech'], ['机器学习改变世界', 'tech'], ['深度学习模型训练', 'tech'], ['计算机科学很有趣', 'tech'],
    ['今天天气很好', 'life'], ['我们去公园散步', 'life'], ['晚饭吃面条', 'life'], ['周末和家人见面', 'life'],
  ].map(([text, label]) => ({ text, labels: [label] }));
  const opts = { dim: 8, bucket: 5000, epoch: 20, lr: 0.5, minn: 1, maxn: 2, seed: 1 };
  const off = (await train(zh, opts)).model;
  const on = (await train(zh, { ...opts, cjkRuns: true })).model;
  assert.ok(!on.vocab.words.some((w) => w.startsWith('\uFDD0')), 'no vocabulary word for a run');
  assert.deepEqual(on.vocab.words.slice().sort(), off.vocab.words.slice().sort(), 'the same words either way');
  const probe = '自然语言学习';
  assert.notDeepEqual(Array.from(on.probabilities(probe)), Array.from(off.probabilities(probe)));
  saveModel(on, dir);
  const loaded = loadModel(dir);
  assert.equal(loaded.config.cjkRuns, true);
  assert.deepEqual(Array.from(loaded.probabilities(probe)), Array.from(on.probabilities(probe)));
});
