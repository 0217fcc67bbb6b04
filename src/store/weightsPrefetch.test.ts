import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { readDataset, type Example } from '../data/read.js';
import { train } from '../learn/train.js';
import type { TextClassifier } from '../model/classifier.js';
import { beginLoad, loadModel, readModelJson, saveModel } from './modelFiles.js';
import type { SafetensorsHeader } from './safetensors.js';
import { prefetchWeights, shapeOf } from './weightsPrefetch.js';

const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'accrete-prefetch-'));
after(() => rmSync(root, { recursive: true, force: true }));

let trainSet: Example[];
let texts: string[];
before(async () => {
  trainSet = (await readDataset(corpus('wordnet3.train.jsonl'))).examples;
  texts = (await readDataset(corpus('wordnet3.test.jsonl'))).examples.map((e) => e.text);
  texts.push('', 'zzz qqq unseen words only');
});

const TINY: Partial<Config> = { dim: 8, epoch: 2, lr: 0.5, wordNgrams: 2, bucket: 1000, seed: 1, thread: 1 };
let counter = 0;
const fresh = (name: string) => join(root, `${name}-${++counter}`);
/** Several small reads, one at a time: the read ahead is still going when beginLoad looks at it. */
const READS = { parallel: 1, chunk: 512 };

async function saved(options: Partial<Config> = {}): Promise<{ dir: string; model: TextClassifier }> {
  const model = (await train(trainSet, { ...TINY, ...options })).model;
  const dir = fresh('model');
  saveModel(model, dir);
  return { dir, model };
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function assertPredictsAs(expected: TextClassifier, got: TextClassifier): void {
  for (const text of texts) assert.ok(bytes(expected.probabilities(text)).equals(bytes(got.probabilities(text))), `probabilities differ on "${text}"`);
}

test('shapeOf: the parameter shape of a weights header, or null when the tensors do not fit together', () => {
  const t = (rows: number, cols: number) => ({ dtype: 'F32', shape: [rows, cols], data_offsets: [0, 0] });
  const header = (entries: Record<string, unknown>) => entries as unknown as SafetensorsHeader;
  assert.deepEqual(shapeOf(header({ input: t(1010, 8), output: t(3, 8) })), { inputRows: 1010, dim: 8, hidden: 0, labels: 3 });
  assert.deepEqual(shapeOf(header({ input: t(1010, 8), 'hidden.weight': t(5, 8), 'hidden.bias': t(1, 5), output: t(3, 5) })), { inputRows: 1010, dim: 8, hidden: 5, labels: 3 });
  assert.equal(shapeOf(header({ input: t(1010, 8) })), null, 'no output');
  assert.equal(shapeOf(header({ input: t(1010, 8), output: t(3, 7) })), null, 'output width is not the dimension');
  assert.equal(shapeOf(header({ input: t(1010, 8), 'hidden.weight': t(5, 7), output: t(3, 5) })), null, 'hidden layer of another dimension');
  assert.equal(shapeOf(header({ input: t(1010, 8), 'hidden.bias': t(1, 5), output: t(3, 8) })), null, 'a bias without weights');
  assert.equal(shapeOf(header({ input: { shape: [1010] }, output: t(3, 8) })), null, 'not a matrix');
  assert.equal(shapeOf(header({ input: { shape: [-1, 8] }, output: t(3, 8) })), null, 'negative size');
});

for (const [name, options] of [
  ['no hidden layer', {}],
  ['hidden layer', { hidden: 6 }],
  ['adam (its state is read after)', { optimizer: 'adam', lr: 0.02 }],
] as Array<[string, Partial<Config>]>) {
  test(`beginLoad takes the weights read ahead (${name}): the parameters themselves, verified, same predictions`, async () => {
    const { dir, model } = await saved(options);
    const prefetched = prefetchWeights(dir, READS);
    assert.ok(prefetched, 'a model directory can be read ahead');
    const pending = beginLoad(dir, READS, prefetched);
    const loaded = await pending.ready;
    assert.equal(loaded.params, prefetched.params, 'the parameters read ahead are the model`s');
    assert.equal(await prefetched.checksum, readModelJson(dir).weights.xxh64);
    assertPredictsAs(model, loaded);
    assertPredictsAs(loadModel(dir), loaded);
    assert.equal(loaded.optimizerState?.step, model.optimizerState?.step);
  });
}

test('weights read ahead from another directory are not used (and the read stops)', async () => {
  const a = await saved();
  const b = await saved({ seed: 7 });
  const prefetched = prefetchWeights(a.dir, READS)!;
  const loaded = await beginLoad(b.dir, READS, prefetched).ready;
  assert.notEqual(loaded.params, prefetched.params);
  assertPredictsAs(b.model, loaded);
  assert.equal(await prefetched.checksum, null, 'cancelled before its last piece');
});

test('a model saved over the directory after the read ahead: its weights are read again, never the old ones', async () => {
  const old = await saved();
  const replacement = (await train(trainSet, { ...TINY, seed: 9 })).model;
  const prefetched = prefetchWeights(old.dir, READS)!;
  // Same shapes, other weights: only the checksum tells them apart.
  saveModel(replacement, old.dir);
  assert.deepEqual(readModelJson(old.dir).shape, prefetched.shape);
  const loaded = await beginLoad(old.dir, READS, prefetched).ready;
  assert.notEqual(await prefetched.checksum, readModelJson(old.dir).weights.xxh64, 'the read ahead got the old file');
  assertPredictsAs(replacement, loaded);
});

test('no read ahead where there is nothing to read: a missing directory, a file that is not safetensors', async () => {
  assert.equal(prefetchWeights(fresh('missing')), null);
  const dir = fresh('garbage');
  mkdirSync(dir);
  writeFileSync(join(dir, 'weights.safetensors'), 'not a safetensors file at all');
  assert.equal(prefetchWeights(dir), null);
  const { dir: good } = await saved();
  // A header whose tensors claim more bytes than the file has: refused before allocating them.
  const file = readFileSync(join(good, 'weights.safetensors'));
  const length = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + length).toString('utf8')) as SafetensorsHeader;
  header.input.shape = [header.input.shape[0] * 1000, header.input.shape[1]];
  const text = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(text.length));
  writeFileSync(join(good, 'weights.safetensors'), Buffer.concat([prefix, text, file.subarray(8 + length)]));
  assert.equal(prefetchWeights(good), null);
});

test('cancel() stops a read ahead: its checksum is null', async () => {
  const { dir } = await saved();
  const prefetched = prefetchWeights(dir, READS)!;
  prefetched.cancel();
  assert.equal(await prefetched.checksum, null);
});
