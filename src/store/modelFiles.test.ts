import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
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
import { replacedPath, writeDirAtomic } from './atomicDir.js';
import { beginLoad, loadModel, loadModelAsync, parseModelJsonFile, readExtraFile, readModelJson, readModelJsonCopy, saveModel, type ModelJson } from './modelFiles.js';
import { SafetensorsReader, writeSafetensors, type SafetensorsHeader, type TensorEntry, type TensorLike } from './safetensors.js';
import { prefetchWeights } from './weightsPrefetch.js';
import { xxh64Hex } from './xxh64.js';

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

const bytes = (a: Float32Array | Int32Array | Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

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

for (const [name, options] of variants) {
  test(`loadModelAsync and beginLoad, ${name}: the same model as loadModel, bit for bit`, async () => {
    const model = await trained(options);
    const dir = fresh('async');
    saveModel(model, dir);
    const sync = loadModel(dir);
    for (const reads of [{}, SMALL_READS, { parallel: 1, chunk: 1000 }, { parallel: 8, chunk: 64 }]) {
      const loaded = await loadModelAsync(dir, reads);
      assertSamePredictions(sync, loaded);
      assert.deepEqual(loaded.config, sync.config);
      assert.deepEqual(loaded.vocab.toJSON(), sync.vocab.toJSON());
      assert.deepEqual(loaded.source, sync.source);
      tensors(sync.params).forEach(([t, m], i) => assert.ok(bytes(m.data).equals(bytes(tensors(loaded.params)[i][1].data)), t));
      if (sync.optimizerState) {
        assert.equal(loaded.optimizerState!.step, sync.optimizerState.step);
        assertSameTensors(sync.optimizerState.first, loaded.optimizerState!.first, 'first moment');
        assertSameTensors(sync.optimizerState.second, loaded.optimizerState!.second, 'second moment');
      } else {
        assert.equal(loaded.optimizerState, null);
      }
    }
    const pending = beginLoad(dir, SMALL_READS);
    // Featurising needs no weights: the rows are there before the model is.
    const rows = testTexts.map((t) => [...pending.features(t)]);
    const ready = await pending.ready;
    testTexts.forEach((t, i) => assert.deepEqual([...sync.features(t)], rows[i], `rows of "${t}"`));
    assertSamePredictions(sync, ready);
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
let bigDir: string;
let goodModel: TextClassifier;
async function saveGood(): Promise<void> {
  goodModel = await trained();
  goodDir = fresh('good');
  saveModel(goodModel, goodDir);
  bigDir = fresh('good-other-seed');
  saveModel(await trained({ seed: 7 }), bigDir);
}

/** The error `load` throws or rejects with (failing when there is none). */
async function errorOf(load: () => unknown): Promise<unknown> {
  try {
    await load();
  } catch (err) {
    return err;
  }
  return assert.fail('expected the load to fail');
}

/** Small pieces, several in flight: every ordering of reads and hashing gets exercised. */
const SMALL_READS = { parallel: 3, chunk: 4096 };

/**
 * A copy of the good model with `damage` applied; loading it must fail with `message`, and the
 * async loads (loadModelAsync, beginLoad) must fail with exactly the same error.
 */
async function assertRejected(damage: (dir: string) => void, message: RegExp): Promise<void> {
  const dir = fresh('bad');
  cpSync(goodDir, dir, { recursive: true });
  damage(dir);
  const err = await errorOf(() => loadModel(dir));
  assert.ok(err instanceof ModelFileError, `expected a ModelFileError, got ${String(err)}`);
  assert.equal(err.code, 'BAD_MODEL_FILE');
  assert.match(err.message, message);
  assert.ok(err.message.includes(dir), `the message names the path: ${err.message}`);
  for (const [how, load] of [
    ['loadModelAsync', () => loadModelAsync(dir, SMALL_READS)],
    ['beginLoad', () => beginLoad(dir, SMALL_READS).ready],
    ['beginLoad, weights read ahead', () => beginLoad(dir, SMALL_READS, prefetchWeights(dir, SMALL_READS)).ready],
    ['loadModelAsync, default reads', () => loadModelAsync(dir)],
  ] as const) {
    const asyncErr = await errorOf(load);
    assert.ok(asyncErr instanceof ModelFileError, `${how}: expected a ModelFileError, got ${String(asyncErr)}`);
    assert.equal(asyncErr.message, err.message, `${how}: the same error as loadModel`);
  }
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
  // Sizes are checked against the file before the parameters are allocated (issue 18).
  ['weights cut inside the header', (d) => truncateSync(weights(d), 20), /shape needs \d+ bytes of tensors, but the file has 20 \(truncated/],
  ['weights shorter than the length prefix', (d) => truncateSync(weights(d), 5), /shape needs \d+ bytes of tensors, but the file has 5 \(truncated/],
  [
    'a shape asking for 2^40 rows (nothing allocated: no crash)',
    editJson((j) => {
      j.shape.inputRows += 2 ** 40;
      j.config.bucket += 2 ** 40;
    }),
    /shape needs \d+ bytes of tensors, but the file has \d+ \(truncated, or model\.json corrupted\)/,
  ],
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
    /tensor "input" has dtype F16; only F32, I32 and U8 are supported/,
  ],
  [
    'weights stored as integers',
    rewriteHeader((h) => {
      (h.input as { dtype: string }).dtype = 'I32';
      return JSON.stringify(h);
    }),
    /tensor "input" has dtype I32, expected F32/,
  ],
  ['weights of another shape', editJson((j) => ((j.shape.dim = 4), (j.config.dim = 4))), /tensor "input" is \d+x8, expected \d+x4/],
  ['labels list longer than the output rows', editJson((j) => (j.labels.push('noun.extra'), j.labelCounts.push(1))), /4 labels but an output layer of 3 rows/],
  ['labels and counts of different lengths', editJson((j) => j.labelCounts.pop()), /vocabulary lists are missing or of different lengths/],
  ['duplicate words', editJson((j) => (j.words[1] = j.words[0])), /vocabulary has duplicate entries/],
  ['invalid stored config', editJson((j) => (j.config.dim = 0)), /stored config is invalid: dim must be an integer >= 1/],
  ['model.json without "config"', editJson((j) => delete (j as Partial<ModelJson>).config), /model\.json: the "config" entry is missing or not an object: the settings the model was trained with \(tokenizer, n-grams, \.\.\.\) are unknown/],
  ['"config" null', editJson((j) => ((j as unknown as { config: unknown }).config = null)), /the "config" entry is missing or not an object/],
  ['"config" a list', editJson((j) => ((j as unknown as { config: unknown }).config = [])), /the "config" entry is missing or not an object/],
  ['config.dim other than shape.dim', editJson((j) => (j.config.dim = 16)), /model\.json: config\.dim is 16 but shape\.dim is 8: model\.json contradicts itself/],
  ['config.hidden other than shape.hidden', editJson((j) => (j.config.hidden = 4)), /model\.json: config\.hidden is 4 but shape\.hidden is 0: model\.json contradicts itself/],
  ['shape.hidden missing', editJson((j) => delete (j.shape as Partial<ModelJson['shape']>).hidden), /config\.hidden is 0 but shape\.hidden is undefined/],
  ['checksum in model.json edited', editJson((j) => (j.weights.xxh64 = '0'.repeat(16))), /checksum mismatch/],
  [
    'one flipped byte in the safetensors header (still valid JSON)',
    (d) => {
      const b = readFileSync(weights(d));
      const at = b.indexOf('accrete-model'); // the __metadata__ format value
      assert.ok(at > 8);
      b[at + 12] ^= 0x01; // "accrete-model" -> "accrete-modem"
      writeFileSync(weights(d), b);
    },
    /weights\.safetensors: checksum mismatch/,
  ],
  [
    'one flipped byte in the first tensor byte',
    (d) => {
      const b = readFileSync(weights(d));
      b[8 + Number(b.readBigUInt64LE(0))] ^= 0x80;
      writeFileSync(weights(d), b);
    },
    /checksum mismatch/,
  ],
  [
    'two tensor bytes swapped (same bytes, same length)',
    (d) => {
      const b = readFileSync(weights(d));
      const i = b.length - 1000;
      let j = i + 1;
      while (b[j] === b[i]) j++;
      [b[i], b[j]] = [b[j], b[i]];
      writeFileSync(weights(d), b);
    },
    /checksum mismatch/,
  ],
  ['bytes appended to the weights', (d) => writeFileSync(weights(d), Buffer.concat([readFileSync(weights(d)), Buffer.alloc(4)])), /4 unexpected bytes after the last tensor/],
  ['weights.safetensors of another model of the same shape', (d) => cpSync(join(bigDir, 'weights.safetensors'), weights(d)), /checksum mismatch/],
  ['checksum missing from model.json', editJson((j) => delete (j.weights as Partial<ModelJson['weights']>).xxh64), /model\.json: no xxh64 checksum for weights\.safetensors \(corrupted model\.json\)/],
  [
    'model.json of an older development version (SHA-256, no XXH64)',
    editJson((j) => {
      const w = j.weights as unknown as Record<string, unknown>;
      delete w.xxh64;
      w.sha256 = 'a'.repeat(64);
    }),
    /model\.json: weights\.safetensors has a SHA-256 checksum and no xxh64: written by an older development version; retrain or re-save/,
  ],
  ['optimizer entry without a checksum', editJson((j) => ((j as unknown as { optimizer: unknown }).optimizer = 5)), /no xxh64 checksum for a file \(corrupted model\.json\)/],
  ['weights file name leading out of the directory', editJson((j) => (j.weights.name = '../../etc/passwd')), /model\.json: file name "\.\.\/\.\.\/etc\/passwd" is not a plain file name \(no path separators, not "\." or "\.\."\)/],
  ['weights file name absolute', editJson((j) => (j.weights.name = '/etc/passwd')), /file name "\/etc\/passwd" is not a plain file name/],
  ['weights file name ".."', editJson((j) => (j.weights.name = '..')), /file name "\.\." is not a plain file name/],
  ['weights file name with a backslash', editJson((j) => (j.weights.name = '..\\weights.safetensors')), /file name "\.\.\\\\weights\.safetensors" is not a plain file name/],
  ['optimizer file name leading out of the directory', editJson((j) => (j.optimizer = { ...j.weights, name: 'sub/../../optimizer.safetensors', algorithm: 'adam', step: 1 })), /file name "sub\/\.\.\/\.\.\/optimizer\.safetensors" is not a plain file name/],
  ['extra file name leading out of the directory', editJson((j) => (j.extraFiles = [{ name: '../replay.json', xxh64: '0'.repeat(16), bytes: 0 }])), /file name "\.\.\/replay\.json" is not a plain file name/],
  ['extraFiles not a list', editJson((j) => ((j as unknown as { extraFiles: unknown }).extraFiles = { name: 'replay.json' })), /model\.json: "extraFiles" is not a list/],
];

for (const [name, damage, message] of badFiles) {
  test(`bad model file: ${name} -> ModelFileError ${message}`, () => assertRejected(damage, message));
}

test('a valid weights file or extra file outside the model directory is not read through a "../" name in model.json', () => {
  const parent = fresh('outside');
  const dir = join(parent, 'model');
  saveModel(goodModel, dir, [{ name: 'replay.json', write: (path) => writeFileSync(path, '[]') }]);
  cpSync(join(dir, 'weights.safetensors'), join(parent, 'elsewhere.safetensors'));
  cpSync(join(dir, 'replay.json'), join(parent, 'elsewhere.json'));
  editJson((j) => {
    j.weights.name = '../elsewhere.safetensors';
    j.extraFiles![0].name = '../elsewhere.json';
  })(dir);
  const outside = /is not a plain file name .*: model files are read only from the model directory itself/;
  assert.throws(() => loadModel(dir), (err: unknown) => err instanceof ModelFileError && outside.test(err.message));
  assert.throws(() => readExtraFile(dir, '../elsewhere.json'), (err: unknown) => err instanceof ModelFileError && outside.test(err.message));
});

test('bad model file: missing directory -> ModelFileError "no such model directory"', () => {
  const dir = join(root, 'does-not-exist');
  assert.throws(() => loadModel(dir), (err: unknown) => err instanceof ModelFileError && /no such model directory/.test(err.message) && err.message.includes(dir));
});

// ---- atomic saves ----------------------------------------------------------------------------

/** Entries of the parent directory left by saves: temporary directories and the replaced version. */
const leftovers = (dir: string) => readdirSync(join(dir, '..')).filter((n) => n.startsWith(`.${basename(dir)}.tmp-`) || n === basename(replacedPath(dir)));

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

test('re-saving a model with extra files and an optimizer over itself works; files the old model.json listed may go', async () => {
  const parent = fresh('replace-extras');
  const dir = join(parent, 'model');
  const adam = await trained({ optimizer: 'adam', lr: 0.02 });
  const extra = (name: string) => ({ name, write: (path: string) => writeFileSync(path, name) });
  saveModel(adam, dir, [extra('replay.json'), extra('memory.safetensors')]);
  saveModel(adam, dir, [extra('replay.json'), extra('memory.safetensors')]);
  assert.deepEqual(readdirSync(dir).sort(), ['memory.safetensors', 'model.json', 'optimizer.safetensors', 'replay.json', 'weights.safetensors']);
  saveModel(goodModel, dir, [extra('guard.json')]);
  assert.deepEqual(readdirSync(dir).sort(), ['guard.json', 'model.json', 'weights.safetensors']);
  assertSamePredictions(goodModel, loadModel(dir));
});

/** The ModelFileError `save` throws, checked to name `dir`. */
function saveRefused(save: () => unknown, dir: string): ModelFileError {
  const err = (() => {
    try {
      save();
    } catch (e) {
      return e;
    }
    return assert.fail('expected the save to be refused');
  })();
  assert.ok(err instanceof ModelFileError, `expected a ModelFileError, got ${String(err)}`);
  assert.ok(err.message.startsWith(`${dir}: cannot save a model here: `), err.message);
  return err;
}

test('saving over a model directory that also holds files of the user refuses, names them, and changes nothing', () => {
  const parent = fresh('foreign');
  const dir = join(parent, 'model');
  saveModel(goodModel, dir);
  mkdirSync(join(dir, 'notes'));
  writeFileSync(join(dir, 'notes', 'todo.txt'), 'keep me');
  writeFileSync(join(dir, 'README'), 'mine');
  const before = readdirSync(dir).sort();
  const err = saveRefused(() => saveModel(goodModel, dir), dir);
  assert.match(err.message, /its model\.json does not list them\): "README", "notes"; .*move them elsewhere or save the model to another directory/);
  assert.deepEqual(readdirSync(dir).sort(), before);
  assert.equal(readFileSync(join(dir, 'notes', 'todo.txt'), 'utf8'), 'keep me');
  assertSamePredictions(goodModel, loadModel(dir));
  assert.deepEqual(readdirSync(parent), ['model'], 'no temporary directory');
});

test('a model saved inside another model directory is not deleted by the next save of the outer one', () => {
  const outer = join(fresh('nested'), 'model');
  saveModel(goodModel, outer);
  saveModel(goodModel, join(outer, 'sub'));
  assert.match(saveRefused(() => saveModel(goodModel, outer), outer).message, /: "sub"; /);
  assertSamePredictions(goodModel, loadModel(join(outer, 'sub')));
});

test('a model is never saved over a file, or over a non-empty directory without model.json', () => {
  const parent = fresh('not-a-model');
  mkdirSync(join(parent, 'photos'), { recursive: true });
  writeFileSync(join(parent, 'photos', 'cat.jpg'), 'meow');
  writeFileSync(join(parent, 'notes.txt'), 'keep me');
  assert.match(saveRefused(() => saveModel(goodModel, join(parent, 'photos')), join(parent, 'photos')).message, /not an Accrete model \(no model\.json\); refusing to replace it/);
  assert.match(saveRefused(() => saveModel(goodModel, join(parent, 'notes.txt')), join(parent, 'notes.txt')).message, /it exists and is not a directory/);
  assert.equal(readFileSync(join(parent, 'photos', 'cat.jpg'), 'utf8'), 'meow');
  assert.equal(readFileSync(join(parent, 'notes.txt'), 'utf8'), 'keep me');
  assert.deepEqual(readdirSync(parent).sort(), ['notes.txt', 'photos']);
  // An empty directory is fine to save into.
  mkdirSync(join(parent, 'empty'));
  saveModel(goodModel, join(parent, 'empty'));
  assertSamePredictions(goodModel, loadModel(join(parent, 'empty')));
});

test('a model directory whose model.json cannot be read is not replaced: which files are the model\'s is unknown', () => {
  const dir = join(fresh('corrupt-json'), 'model');
  saveModel(goodModel, dir);
  writeFileSync(join(dir, 'model.json'), '{"format": "accrete-mo');
  assert.match(saveRefused(() => saveModel(goodModel, dir), dir).message, /its model\.json cannot be read .*; refusing to replace it/);
  assert.deepEqual(readdirSync(dir).sort(), ['model.json', 'weights.safetensors']);
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

test('a save interrupted between its two renames (the replaced version only) is recovered by loadModel', () => {
  const parent = fresh('recover');
  const dir = join(parent, 'model');
  saveModel(goodModel, dir);
  renameSync(dir, replacedPath(dir));
  assertSamePredictions(goodModel, loadModel(dir));
  assert.deepEqual(readdirSync(parent), ['model']);
});

test('a save interrupted between its two renames is recovered by the next save, which then replaces it', async () => {
  const parent = fresh('recover-save');
  const dir = join(parent, 'model');
  saveModel(goodModel, dir);
  renameSync(dir, replacedPath(dir));
  const other = await trained({ seed: 3 });
  saveModel(other, dir);
  assertSamePredictions(other, loadModel(dir));
  assert.deepEqual(readdirSync(parent), ['model']);
});

test('a sibling <dir>.old of the user (a backup copy) is neither deleted by saves nor taken for an interrupted save', () => {
  const parent = fresh('user-old');
  const dir = join(parent, 'model');
  saveModel(goodModel, dir);
  cpSync(dir, `${dir}.old`, { recursive: true });
  writeFileSync(join(`${dir}.old`, 'model.json'), 'my backup');
  saveModel(goodModel, dir);
  saveModel(goodModel, dir);
  assert.equal(readFileSync(join(`${dir}.old`, 'model.json'), 'utf8'), 'my backup');
  rmSync(dir, { recursive: true });
  assert.throws(() => loadModel(dir), /no such model directory/);
  assert.deepEqual(readdirSync(parent).sort(), ['model.old']);
});

test('a directory spelled with a trailing slash is replaced in place, nothing left beside it', async () => {
  const parent = fresh('slash');
  const dir = join(parent, 'model');
  saveModel(goodModel, `${dir}/`);
  const other = await trained({ seed: 4 });
  saveModel(other, `${dir}/`);
  assertSamePredictions(other, loadModel(`${dir}/`));
  assert.deepEqual(readdirSync(parent), ['model']);
});

// ---- checksums (XXH64) -----------------------------------------------------------------------

test('model.json records the XXH64 and size of every file it lists, and saving and loading leave the arena as they found it', async () => {
  const model = await trained({ optimizer: 'adam', lr: 0.02 });
  const arena = model.params.arena;
  const used = arena.used;
  const dir = fresh('checksums');
  const json = saveModel(model, dir);
  assert.equal(arena.used, used, 'saving allocates nothing that stays in the model arena');
  for (const ref of [json.weights, json.optimizer!]) {
    const file = readFileSync(join(dir, ref.name));
    assert.match(ref.xxh64, /^[0-9a-f]{16}$/);
    assert.equal(ref.xxh64, xxh64Hex(file), `${ref.name}: the checksum of the whole file`);
    assert.equal(ref.bytes, file.length);
    assert.equal('sha256' in ref, false);
  }
  assert.deepEqual(model.source, { dir, weightsChecksum: json.weights.xxh64 });
  const loaded = loadModel(dir);
  assert.deepEqual(loaded.source, { dir, weightsChecksum: json.weights.xxh64 });
  const loadedArena = loaded.params.arena;
  const afterLoad = loadedArena.used;
  saveModel(loaded, fresh('checksums-again'));
  assert.equal(loadedArena.used, afterLoad);
});

test('one flipped byte anywhere in the weights (header, each tensor, first and last byte) fails the checksum', async () => {
  const dir = fresh('flips');
  saveModel(await trained({ hidden: 8 }), dir);
  const original = readFileSync(weights(dir));
  const dataStart = 8 + Number(original.readBigUInt64LE(0));
  const header = JSON.parse(original.subarray(8, dataStart).toString('utf8')) as SafetensorsHeader;
  // [position, xor mask]: every change leaves a file that parses, so only the checksum can catch it.
  const flips: Array<[number, number]> = [
    [original.indexOf('accrete-model') + 12, 0x01], // "accrete-model" -> "accrete-modem" in the header's metadata
    [original.length - 1, 0x04], // the very last byte
  ];
  if (original[dataStart - 1] === 0x20) flips.push([dataStart - 1, 0x2a]); // header padding: a space becomes a newline
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = (e as TensorEntry).data_offsets;
    for (const at of [begin, Math.floor((begin + end) / 2), end - 1]) flips.push([dataStart + at, 0x04]);
  }
  assert.ok(flips.length >= 14);
  for (const [at, mask] of flips) {
    const b = Buffer.from(original);
    b[at] ^= mask;
    writeFileSync(weights(dir), b);
    assert.throws(() => loadModel(dir), (err: unknown) => err instanceof ModelFileError && /checksum mismatch/.test(err.message), `byte ${at}`);
  }
  writeFileSync(weights(dir), original);
  loadModel(dir);
});

test('extra files are listed with their XXH64; a flipped or missing byte is caught when they are read', async () => {
  const dir = fresh('extras');
  const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff));
  const json = saveModel(goodModel, dir, [{ name: 'extra.bin', write: (path) => writeFileSync(path, payload) }]);
  assert.deepEqual(json.extraFiles, [{ name: 'extra.bin', xxh64: xxh64Hex(payload), bytes: payload.length }]);
  assert.ok(readExtraFile(dir, 'extra.bin')!.equals(payload));
  assert.equal(readExtraFile(dir, 'nothing-by-that-name'), null);
  const flipped = Buffer.from(payload);
  flipped[4321] ^= 1;
  writeFileSync(join(dir, 'extra.bin'), flipped);
  assert.throws(() => readExtraFile(dir, 'extra.bin'), /extra\.bin: checksum mismatch/);
  writeFileSync(join(dir, 'extra.bin'), payload.subarray(0, payload.length - 1));
  assert.throws(() => readExtraFile(dir, 'extra.bin'), /extra\.bin: checksum mismatch/);
  writeFileSync(join(dir, 'extra.bin'), payload);
  editJson((j) => {
    const ref = j.extraFiles![0] as unknown as Record<string, unknown>;
    delete ref.xxh64;
    ref.sha256 = 'b'.repeat(64);
  })(dir);
  assert.throws(() => readExtraFile(dir, 'extra.bin'), /older development version/);
});

test('safetensors of plain Float32Arrays (not in an arena), and of tensors from two arenas: same checksums as in-arena ones', async () => {
  const dir = fresh('plain');
  mkdirSync(dir);
  const m = goodModel.params.input;
  const other = await trained({ seed: 11 });
  const plain = (t: TensorLike): TensorLike => ({ rows: t.rows, cols: t.cols, data: t.data.slice() });
  const inArena: [string, TensorLike][] = [['a', goodModel.params.output], ['b', m]];
  const mixed: [string, TensorLike][] = [['a', goodModel.params.output], ['b', other.params.input]];
  const asPlain: [string, TensorLike][] = inArena.map(([n, t]) => [n, plain(t)]);
  const odd: TensorLike = { rows: 7, cols: 1, data: new Float32Array([1, 2, 3, 4, 5, 6, 7]) }; // 28 bytes: a partial stripe
  const files = {
    arena: writeSafetensors(join(dir, 'arena.safetensors'), inArena),
    plain: writeSafetensors(join(dir, 'plain.safetensors'), asPlain),
    mixed: writeSafetensors(join(dir, 'mixed.safetensors'), mixed),
    odd: writeSafetensors(join(dir, 'odd.safetensors'), [['odd', odd], ['b', m]]),
  };
  assert.equal(files.plain.xxh64, files.arena.xxh64, 'the same bytes hash the same in place or copied');
  for (const [name, got] of Object.entries(files)) {
    const file = readFileSync(join(dir, `${name}.safetensors`));
    assert.equal(got.xxh64, xxh64Hex(file), name);
    assert.equal(got.bytes, file.length, name);
    const reader = new SafetensorsReader(join(dir, `${name}.safetensors`));
    const targets: [string, TensorLike][] = Object.keys(reader.header)
      .filter((k) => k !== '__metadata__')
      .map((k) => {
        const [rows, cols] = reader.entry(k).shape;
        return [k, { rows, cols, data: new Float32Array(rows * cols) }];
      });
    assert.equal(reader.readAll(targets).xxh64, got.xxh64, `${name}: read back`);
    const again = targets.map(([k, t]): [string, TensorLike] => [k, { rows: t.rows, cols: t.cols, data: new Float32Array(t.rows * t.cols) }]);
    assert.equal((await reader.readAllAsync(again, { parallel: 3, chunk: 12 })).xxh64, got.xxh64, `${name}: read back async`);
    again.forEach(([k, t], i) => assert.ok(bytes(t.data).equals(bytes(targets[i][1].data)), `${name}: ${k} read async`));
    reader.close();
  }
});

test('model.json is parsed once per bytes: a rewrite of the same length in place is read anew, a hard link to the same bytes is not parsed again, and readers cannot change the shared object', async () => {
  const d = join(root, 'parse-once');
  mkdirSync(d, { recursive: true });
  const path = join(d, 'model.json');
  writeFileSync(path, JSON.stringify({ format: 'x', createdAt: 'AAAA', words: ['a'] }));
  const first = parseModelJsonFile(path) as { createdAt: string; words: string[] };
  assert.equal(parseModelJsonFile(path), first, 'the same bytes: the same object');
  // Same length, same inode, written at once (a timestamp could not tell them apart).
  writeFileSync(path, JSON.stringify({ format: 'x', createdAt: 'BBBB', words: ['a'] }));
  const second = parseModelJsonFile(path) as { createdAt: string };
  assert.equal(second.createdAt, 'BBBB');
  linkSync(path, join(d, 'linked.json'));
  assert.equal(parseModelJsonFile(join(d, 'linked.json')), second, 'another link to the same bytes');
  assert.throws(() => (first.words as string[]).push('b'), TypeError);
  assert.throws(() => ((second as { createdAt: string }).createdAt = 'C'), TypeError);
  // A model directory: the library's readModelJson is a copy of one's own.
  const m = join(root, 'parse-once-model');
  saveModel(await trained({}), m);
  const shared = readModelJson(m);
  assert.equal(readModelJson(m), shared);
  const copy = readModelJsonCopy(m);
  copy.words.push('changed');
  assert.notEqual(readModelJson(m).words.length, copy.words.length);
});
