import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { readDataset, type Example } from '../data/read.js';
import { ModelFileError } from '../errors.js';
import { featurizeAll } from '../features/dataset.js';
import { stepContext, indexRange } from '../learn/context.js';
import { runEpoch } from '../learn/epochs.js';
import { train } from '../learn/train.js';
import type { TextClassifier } from '../model/classifier.js';
import type { Matrix } from '../model/matrix.js';
import { tensors } from '../model/params.js';
import { createOptimizer } from '../optim/optimizer.js';
import { writeDirAtomic } from './atomicDir.js';
import { loadModel, saveModel, type ModelJson } from './modelFiles.js';
import type { SafetensorsHeader, TensorEntry } from './safetensors.js';

const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'accrete-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

let trainSet: Example[];
let testTexts: string[];
before(async () => {
  trainSet = (await readDataset(corpus('wordnet3.train.jsonl'))).examples;
  testTexts = (await readDataset(corpus('wordnet3.test.jsonl'))).examples.map((e) => e.text);
  // Texts the model has never seen, including an empty one (it gets the prior of no features).
  testTexts.push('', 'zzz qqq unseen words only', 'a horse galloped past the tractor');
  await saveGood();
});

const TINY: Partial<Config> = { dim: 8, epoch: 3, lr: 0.5, wordNgrams: 2, bucket: 1000, seed: 1, thread: 1 };
let counter = 0;
const fresh = (name: string) => join(root, `${name}-${++counter}`);

async function trained(options: Partial<Config> = {}): Promise<TextClassifier> {
  return (await train(trainSet, { ...TINY, ...options })).model;
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Every test text scores bit-for-bit the same under both models. */
function assertSamePredictions(a: TextClassifier, b: TextClassifier): void {
  assert.deepEqual(b.labels, a.labels);
  for (const text of testTexts) assert.ok(bytes(a.probabilities(text)).equals(bytes(b.probabilities(text))), `probabilities differ on "${text}"`);
}

function assertSameTensors(a: (Matrix | null)[], b: (Matrix | null)[], what: string): void {
  assert.equal(b.length, a.length);
  a.forEach((m, i) => {
    if (m === null) return assert.equal(b[i], null, `${what}[${i}] should be absent`);
    assert.ok(b[i] !== null, `${what}[${i}] is missing`);
    assert.deepEqual([b[i]!.rows, b[i]!.cols], [m.rows, m.cols]);
    assert.ok(bytes(m.data).equals(bytes(b[i]!.data)), `${what}[${i}] differs`);
  });
}

/** A few epochs more on `examples`, with the model's own optimizer state: what an update does. */
function trainMore(model: TextClassifier, examples: Example[], epochs = 2): void {
  const data = featurizeAll(examples.map((e) => model.tokenize(e.text)), examples, model.featurizer);
  const optimizer = createOptimizer(model.config.optimizer, model.params, model.optimizerState);
  const ctx = stepContext(model.params, model.config, optimizer, 99);
  for (let e = 0; e < epochs; e++) runEpoch(ctx, data, indexRange(data.count), { lr: 0.5, decay: false, doneBefore: 0, total: 1 });
  model.optimizerState = optimizer.state();
}

// ---- round trips ---------------------------------------------------------------------------

const variants: Array<[string, Partial<Config>]> = [
  ['no hidden layer', {}],
  ['hidden layer', { hidden: 8 }],
  ['ova loss', { loss: 'ova' }],
  ['adam', { optimizer: 'adam', lr: 0.02 }],
  ['adam with hidden layer', { optimizer: 'adam', lr: 0.02, hidden: 8 }],
];

for (const [name, options] of variants) {
  test(`save/load round trip, ${name}: bit-identical probabilities, same config and vocabulary`, async () => {
    const model = await trained(options);
    const dir = fresh('roundtrip');
    const json = saveModel(model, dir);
    const loaded = loadModel(dir);
    assertSamePredictions(model, loaded);
    assert.deepEqual(loaded.config, model.config);
    assert.deepEqual(loaded.vocab.toJSON(), model.vocab.toJSON());
    tensors(model.params).forEach(([t, m], i) => assert.ok(bytes(m.data).equals(bytes(tensors(loaded.params)[i][1].data)), t));
    const isAdam = options.optimizer === 'adam';
    assert.equal(json.optimizer !== null, isAdam, 'optimizer state is saved exactly when there is one');
    assert.equal(existsSync(join(dir, 'optimizer.safetensors')), isAdam);
    if (isAdam) {
      const [saved, restored] = [model.optimizerState!, loaded.optimizerState!];
      assert.ok(restored, 'Adam state is restored');
      assert.ok(saved.step > 0);
      assert.equal(restored.step, saved.step);
      assertSameTensors(saved.first, restored.first, 'first moment');
      assertSameTensors(saved.second, restored.second, 'second moment');
    } else {
      assert.equal(loaded.optimizerState, null);
    }
  });
}

test('a loaded Adam model trains on exactly as the original would', async () => {
  const model = await trained({ optimizer: 'adam', lr: 0.02 });
  const dir = fresh('adam-continue');
  saveModel(model, dir);
  const loaded = loadModel(dir);
  trainMore(model, trainSet.slice(0, 60), 1);
  trainMore(loaded, trainSet.slice(0, 60), 1);
  assertSamePredictions(model, loaded);
});

test('weights.safetensors follows the safetensors layout (readable by other tools)', async () => {
  const model = await trained({ hidden: 8 });
  const dir = fresh('layout');
  saveModel(model, dir);
  const file = readFileSync(join(dir, 'weights.safetensors'));
  const headerLength = Number(file.readBigUInt64LE(0));
  assert.equal((8 + headerLength) % 8, 0, 'data section starts 8-byte aligned');
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8'));
  let end = 0;
  for (const [name, m] of tensors(model.params)) {
    const e = header[name];
    assert.equal(e.dtype, 'F32');
    assert.deepEqual(e.shape, [m.rows, m.cols]);
    const data = file.subarray(8 + headerLength + e.data_offsets[0], 8 + headerLength + e.data_offsets[1]);
    assert.ok(data.equals(bytes(m.data)), `${name} bytes`);
    end = Math.max(end, e.data_offsets[1]);
  }
  assert.equal(8 + headerLength + end, file.length, 'no bytes after the last tensor');
  for (const v of Object.values(header.__metadata__ ?? {})) assert.equal(typeof v, 'string', 'metadata values are strings');
});

// ---- clone ---------------------------------------------------------------------------------

for (const [name, options] of [['sgd', {}], ['adam', { optimizer: 'adam', lr: 0.02 }]] as Array<[string, Partial<Config>]>) {
  test(`clone() is independent of the original (${name}): training the clone leaves the original as it was`, async () => {
    const original = await trained(options);
    const before = testTexts.map((t) => original.probabilities(t));
    const stateBefore = original.optimizerState && {
      step: original.optimizerState.step,
      first: original.optimizerState.first.map((m) => m && m.data.slice()),
      second: original.optimizerState.second.map((m) => m && m.data.slice()),
    };
    const copy = original.clone();
    assertSamePredictions(original, copy);
    // The clone learns the test texts under swapped labels: it must change, the original must not.
    trainMore(copy, testTexts.slice(0, 60).map((text, i) => ({ text, labels: [original.labels[i % original.labels.length]] })));
    assert.ok(testTexts.some((t, i) => !bytes(copy.probabilities(t)).equals(bytes(before[i]))), 'the clone changed');
    testTexts.forEach((t, i) => assert.ok(bytes(original.probabilities(t)).equals(bytes(before[i])), `original changed on "${t}"`));
    if (stateBefore) {
      const s = original.optimizerState!;
      assert.equal(s.step, stateBefore.step);
      s.first.forEach((m, i) => m && assert.ok(bytes(m.data).equals(bytes(stateBefore.first[i]!))));
      s.second.forEach((m, i) => m && assert.ok(bytes(m.data).equals(bytes(stateBefore.second[i]!))));
      assert.ok(copy.optimizerState!.step > stateBefore.step, 'the clone has its own step count');
    }
  });
}

// ---- bad files -------------------------------------------------------------------------------

let goodDir: string;
let goodModel: TextClassifier;
async function saveGood(): Promise<void> {
  goodModel = await trained();
  goodDir = fresh('good');
  saveModel(goodModel, goodDir);
}

/** A copy of the good model with `damage` applied; loading it must fail with `message`. */
function assertRejected(damage: (dir: string) => void, message: RegExp): void {
  const dir = fresh('bad');
  cpSync(goodDir, dir, { recursive: true });
  damage(dir);
  assert.throws(
    () => loadModel(dir),
    (err: unknown) => {
      assert.ok(err instanceof ModelFileError, `expected a ModelFileError, got ${String(err)}`);
      assert.equal(err.code, 'BAD_MODEL_FILE');
      assert.match(err.message, message);
      assert.ok(err.message.includes(dir), `the message names the path: ${err.message}`);
      return true;
    },
  );
}

const editJson = (f: (j: ModelJson) => void) => (dir: string) => {
  const path = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(path, 'utf8')) as ModelJson;
  f(json);
  writeFileSync(path, JSON.stringify(json));
};
const weights = (dir: string) => join(dir, 'weights.safetensors');
/** Replaces the JSON header of weights.safetensors, keeping the tensor bytes. */
const rewriteHeader = (f: (header: SafetensorsHeader) => string) => (dir: string) => {
  const b = readFileSync(weights(dir));
  const length = Number(b.readBigUInt64LE(0));
  const header = Buffer.from(f(JSON.parse(b.subarray(8, 8 + length).toString('utf8')) as SafetensorsHeader));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(weights(dir), Buffer.concat([prefix, header, b.subarray(8 + length)]));
};

const badFiles: Array<[string, (dir: string) => void, RegExp]> = [
  ['directory without model.json', (d) => rmSync(join(d, 'model.json')), /no model\.json here: not an Accrete model directory/],
  ['model.json not JSON', (d) => writeFileSync(join(d, 'model.json'), '{"format": "accrete-model", "formatVer'), /model\.json is not valid JSON/],
  ['wrong format name', editJson((j) => (j.format = 'fasttext-bin')), /format is "fasttext-bin", expected "accrete-model"/],
  ['format version from the future', editJson((j) => (j.formatVersion = 99)), /model format version 99 is newer than this Accrete reads \(1\); upgrade accrete/],
  ['format version missing', editJson((j) => delete (j as Partial<ModelJson>).formatVersion), /formatVersion is undefined, expected an integer from 1 to 1/],
  ['format version a string', editJson((j) => ((j as unknown as { formatVersion: string }).formatVersion = '1')), /formatVersion is "1", expected an integer/],
  ['model.json is null', (d) => writeFileSync(join(d, 'model.json'), 'null'), /format is undefined, expected "accrete-model"/],
  ['model.json without "shape"', editJson((j) => delete (j as Partial<ModelJson>).shape), /the "shape" or "weights" entry is missing/],
  ['weights file missing', (d) => rmSync(weights(d)), /weights\.safetensors: file is missing/],
  ['weights truncated (last 100 bytes cut)', (d) => truncateSync(weights(d), readFileSync(weights(d)).length - 100), /extends past the end of the file \(truncated\?\)/],
  ['weights cut inside the header', (d) => truncateSync(weights(d), 20), /does not fit in a 20-byte file/],
  ['weights shorter than the length prefix', (d) => truncateSync(weights(d), 5), /file is 5 bytes, too short for a safetensors header/],
  [
    'one flipped byte in tensor data',
    (d) => {
      const b = readFileSync(weights(d));
      b[b.length - 7] ^= 0x40;
      writeFileSync(weights(d), b);
    },
    /checksum mismatch/,
  ],
  [
    'header length garbage',
    (d) => {
      const b = readFileSync(weights(d));
      b.fill(0xff, 0, 8);
      writeFileSync(weights(d), b);
    },
    /header length \d+ does not fit in a \d+-byte file/,
  ],
  [
    'header length pointing inside the header',
    (d) => {
      const b = readFileSync(weights(d));
      b.writeBigUInt64LE(10n, 0);
      writeFileSync(weights(d), b);
    },
    /safetensors header is not valid JSON/,
  ],
  ['safetensors header is null', rewriteHeader(() => 'null'), /the safetensors header is not a JSON object/],
  ['safetensors header is an array', rewriteHeader(() => '[]'), /the safetensors header is not a JSON object/],
  [
    'tensor entry without data_offsets',
    rewriteHeader((h) => {
      delete (h.input as Partial<TensorEntry>).data_offsets;
      return JSON.stringify(h);
    }),
    /tensor "input" has no data_offsets pair/,
  ],
  [
    'tensor of another dtype',
    rewriteHeader((h) => {
      (h.input as { dtype: string }).dtype = 'F16';
      return JSON.stringify(h);
    }),
    /tensor "input" has dtype F16; only F32 is supported/,
  ],
  ['weights of another shape', editJson((j) => ((j.shape.dim = 4), (j.config.dim = 4))), /tensor "input" is \d+x8, expected \d+x4/],
  ['labels list longer than the output rows', editJson((j) => (j.labels.push('noun.extra'), j.labelCounts.push(1))), /4 labels but an output layer of 3 rows/],
  ['labels and counts of different lengths', editJson((j) => j.labelCounts.pop()), /vocabulary lists are missing or of different lengths/],
  ['duplicate words', editJson((j) => (j.words[1] = j.words[0])), /vocabulary has duplicate entries/],
  ['invalid stored config', editJson((j) => (j.config.dim = 0)), /stored config is invalid: dim must be an integer >= 1/],
  ['checksum in model.json edited', editJson((j) => (j.weights.sha256 = '0'.repeat(64))), /checksum mismatch/],
];

for (const [name, damage, message] of badFiles) {
  test(`bad model file: ${name} -> ModelFileError ${message}`, () => assertRejected(damage, message));
}

test('bad model file: missing directory -> ModelFileError "no such model directory"', () => {
  const dir = join(root, 'does-not-exist');
  assert.throws(() => loadModel(dir), (err: unknown) => err instanceof ModelFileError && /no such model directory/.test(err.message) && err.message.includes(dir));
});

// ---- atomic saves ----------------------------------------------------------------------------

/** Entries of the parent directory left by saves: temporary and `.old` directories. */
const leftovers = (dir: string) => readdirSync(join(dir, '..')).filter((n) => n.startsWith(`.${basename(dir)}.tmp-`) || n.endsWith('.old'));

test('saving over an existing model replaces it and leaves nothing else behind', async () => {
  const parent = fresh('replace');
  const dir = join(parent, 'model');
  saveModel(goodModel, dir);
  const other = await trained({ hidden: 8, seed: 2 });
  saveModel(other, dir);
  assertSamePredictions(other, loadModel(dir));
  assert.deepEqual(readdirSync(parent), ['model']);
  assert.deepEqual(readdirSync(dir).sort(), ['model.json', 'weights.safetensors']);
});

test('replacing an Adam model with an SGD one removes the stale optimizer file', async () => {
  const parent = fresh('replace-adam');
  const dir = join(parent, 'model');
  saveModel(await trained({ optimizer: 'adam', lr: 0.02 }), dir);
  assert.ok(existsSync(join(dir, 'optimizer.safetensors')));
  saveModel(goodModel, dir);
  assert.equal(existsSync(join(dir, 'optimizer.safetensors')), false);
  assert.equal(loadModel(dir).optimizerState, null);
});

test('a crash while filling the new directory leaves the old model loadable and no temporary directory', () => {
  const parent = fresh('crash');
  const dir = join(parent, 'model');
  saveModel(goodModel, dir);
  assert.throws(
    () =>
      writeDirAtomic(dir, (tmp) => {
        writeFileSync(join(tmp, 'model.json'), '{"half": ');
        writeFileSync(join(tmp, 'weights.safetensors'), Buffer.alloc(100));
        throw new Error('simulated crash: disk full');
      }),
    /simulated crash: disk full/,
  );
  assertSamePredictions(goodModel, loadModel(dir));
  assert.deepEqual(readdirSync(parent), ['model']);
  assert.deepEqual(leftovers(dir), []);
});

test('a crash while filling a first save leaves no directory at all', () => {
  const parent = fresh('crash-first');
  mkdirSync(parent);
  const dir = join(parent, 'model');
  assert.throws(() => writeDirAtomic(dir, () => { throw new Error('boom'); }), /boom/);
  assert.deepEqual(readdirSync(parent), []);
});

test('a save interrupted between its two renames (<dir>.old only) is recovered by loadModel', () => {
  const parent = fresh('recover');
  const dir = join(parent, 'model');
  saveModel(goodModel, dir);
  renameSync(dir, `${dir}.old`);
  assertSamePredictions(goodModel, loadModel(dir));
  assert.deepEqual(readdirSync(parent), ['model']);
});

test('a save interrupted between its two renames is recovered by the next save, which then replaces it', async () => {
  const parent = fresh('recover-save');
  const dir = join(parent, 'model');
  saveModel(goodModel, dir);
  renameSync(dir, `${dir}.old`);
  const other = await trained({ seed: 3 });
  saveModel(other, dir);
  assertSamePredictions(other, loadModel(dir));
  assert.deepEqual(readdirSync(parent), ['model']);
});
