/**
 * Reading and writing fastText .bin files without the fastText CLI: malformed, truncated and
 * wrong-version files are refused with ModelFileErrors that say what is wrong; exports are refused
 * for models fastText cannot compute; an imported model saves and loads like any other.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelFileError } from '../errors.js';
import { train } from '../learn/train.js';
import type { TextClassifier } from '../model/classifier.js';
import { loadModel, saveModel } from '../store/modelFiles.js';
import { exportFastText, exportRefusal } from './export.js';
import { importFastText } from './import.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-ftbin-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const EXAMPLES = [
  { text: 'the cat sat on the mat', labels: ['animal'] },
  { text: 'a dog barked at the Löwe', labels: ['animal'] },
  { text: 'buy cheap pills now!!!', labels: ['spam offer'] },
  { text: 'win a free cruise, click', labels: ['spam offer'] },
];
const DIM = 4;
let model: TextClassifier;
let good: Buffer;
const GOOD = join(dir, 'good.bin');

before(async () => {
  model = (await train(EXAMPLES, { tokenizer: 'fasttext', hashing: 'fasttext', dim: DIM, epoch: 3, lr: 0.5, wordNgrams: 2, bucket: 100, seed: 1 })).model;
  exportFastText(model, GOOD);
  good = readFileSync(GOOD);
});

/** Writes `bytes` to a fresh file and returns the import error's message. */
function refusal(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  try {
    importFastText(path);
  } catch (err) {
    assert.ok(err instanceof ModelFileError, `${name}: ${String(err)}`);
    assert.ok(err.message.startsWith(path + ': '), 'the message names the file');
    return err.message;
  }
  assert.fail(`${name} was imported`);
}

function patched(offset: number, write: (b: Buffer) => void): Buffer {
  const b = Buffer.from(good);
  write(b.subarray(offset));
  return b;
}

/** Byte offsets of the fixed fields (fastText's layout: magic, version, 12 int32 args, a double, dictionary header). */
const AT = { version: 4, dim: 8, loss: 32, model: 36, size: 64, entries: 92 };
/** The quantized flag sits right after the dictionary: before the input matrix (16 + rows*dim*4 bytes), qout and the output matrix. */
const quantFlagAt = () => good.length - (16 + 2 * DIM * 4) - 1 - (16 + (100 + model.vocab.wordCount) * DIM * 4) - 1;

test('the exported file re-imports to the same model', () => {
  const { model: back, report } = importFastText(GOOD);
  assert.deepEqual(back.labels, ['animal', 'spam_offer'], 'whitespace in labels becomes "_", as in fastText data files');
  assert.deepEqual(back.vocab.words, model.vocab.words);
  assert.equal(report.version, 12);
  for (const e of EXAMPLES) assert.deepEqual(back.probabilities(e.text), model.probabilities(e.text));
});

test('an imported model saves and loads with its fastText tokenizer and hashing', () => {
  const { model: imported } = importFastText(GOOD);
  const out = join(dir, 'saved');
  saveModel(imported, out);
  const loaded = loadModel(out);
  assert.equal(loaded.config.tokenizer, 'fasttext');
  assert.equal(loaded.config.hashing, 'fasttext');
  assert.equal((loaded.info.importedFrom as { format: string }).format, 'fasttext-bin');
  for (const e of EXAMPLES) assert.deepEqual(loaded.probabilities(e.text), imported.probabilities(e.text));
});

test('empty, short, foreign and missing files are refused', () => {
  assert.match(refusal('empty.bin', Buffer.alloc(0)), /0 bytes: too short to be a fastText model/);
  assert.match(refusal('short.bin', good.subarray(0, 6)), /too short/);
  assert.match(refusal('vec.bin', Buffer.from('2 3\nthe 0.1 0.2 0.3\ncat 1 2 3\n')), /not a fastText \.bin model: its first bytes are 32 20 33 0a, not fastText's magic number 793712314 \(ba 16 4f 2f\)/);
  assert.throws(() => importFastText(join(dir, 'nope.bin')), (e: Error) => e instanceof ModelFileError && /no such file/.test(e.message));
  mkdirSync(join(dir, 'adir'));
  assert.throws(() => importFastText(join(dir, 'adir')), (e: Error) => e instanceof ModelFileError && /is a directory/.test(e.message));
});

test('wrong versions are refused; version 11 (fastText 0.1) is read', () => {
  assert.match(refusal('v13.bin', patched(AT.version, (b) => b.writeInt32LE(13))), /version 13 is not supported: this reader knows versions 11 and 12.*newer fastText/);
  assert.match(refusal('v10.bin', patched(AT.version, (b) => b.writeInt32LE(10))), /version 10 is not supported/);
  const path = join(dir, 'v11.bin');
  writeFileSync(path, patched(AT.version, (b) => b.writeInt32LE(11)));
  assert.equal(importFastText(path).report.version, 11);
});

test('truncated files are refused wherever they stop', () => {
  const cuts = [30, AT.entries + 3, quantFlagAt() + 20, good.length - 1];
  for (const cut of cuts) assert.match(refusal(`cut${cut}.bin`, good.subarray(0, cut)), /truncated/, `cut at ${cut}`);
  assert.match(refusal('cutmatrix.bin', good.subarray(0, quantFlagAt() + 100)), /truncated: the matrices need \d+ bytes/);
});

test('corrupted fields are refused, naming the field', () => {
  assert.match(refusal('dim.bin', patched(AT.dim, (b) => b.writeInt32LE(-1))), /args\.dim is -1/);
  assert.match(refusal('loss.bin', patched(AT.loss, (b) => b.writeInt32LE(9))), /args\.loss is 9/);
  assert.match(refusal('size.bin', patched(AT.size, (b) => b.writeInt32LE(12345))), /does not add up/);
  const typeAt = AT.entries + Buffer.byteLength(model.vocab.words[0]) + 1 + 8;
  assert.match(refusal('type.bin', patched(typeAt, (b) => b.writeInt8(7))), /dictionary entry 0 has type 7/);
  assert.match(refusal('trailing.bin', Buffer.concat([good, Buffer.from([1, 2, 3])])), /3 unexpected byte\(s\) after the output matrix/);
  assert.match(refusal('nan.bin', patched(good.length - 4, (b) => b.writeFloatLE(NaN))), /output matrix holds NaN or Inf/);
  assert.match(refusal('qout.bin', patched(quantFlagAt() + 1 + 16 + (100 + model.vocab.wordCount) * DIM * 4, (b) => b.writeInt8(1))), /quantized output matrix/);
});

test('quantized, hierarchical-softmax and unsupervised models are refused with the reason', () => {
  assert.match(refusal('q.ftz', patched(quantFlagAt(), (b) => b.writeInt8(1))), /quantized fastText model \(\.ftz.*import the \.bin that was quantized/);
  assert.match(refusal('hs.bin', patched(AT.loss, (b) => b.writeInt32LE(1))), /-loss hs \(hierarchical softmax\)/);
  assert.match(refusal('sg.bin', patched(AT.model, (b) => b.writeInt32LE(2))), /skipgram word-vector model, not a classifier.*--pretrained-vectors/);
});

test('models fastText cannot compute are not exported, and the refusal says why', async () => {
  const base = { dim: DIM, epoch: 1, bucket: 100, seed: 1 };
  const accrete = (await train(EXAMPLES, base)).model;
  assert.throws(() => exportFastText(accrete, join(dir, 'x.bin')), /cannot export to fastText: it cuts text with Accrete's tokenizer/);
  const fnv = (await train(EXAMPLES, { ...base, tokenizer: 'fasttext', wordNgrams: 2 })).model;
  assert.match(exportRefusal(fnv) ?? '', /hashes word and char n-grams with FNV-1a/);
  const plain = (await train(EXAMPLES, { ...base, tokenizer: 'fasttext' })).model;
  assert.equal(exportRefusal(plain), null, 'without n-grams the hashing does not matter');
  const hidden = (await train(EXAMPLES, { ...base, tokenizer: 'fasttext', hashing: 'fasttext', hidden: 4 })).model;
  assert.match(exportRefusal(hidden) ?? '', /hidden layer \(--hidden 4\)/);
});
