import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../config.js';
import { AccreteError, DataError } from '../errors.js';
import { train } from './train.js';
import { TextClassifier } from '../model/classifier.js';
import { Vocab } from '../vocab/vocab.js';
import { checkVecDim, loadPretrainedVectors, readVecHeader } from './pretrainedVectors.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-vec-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const vec = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

function modelOf(words: string[], options = {}): TextClassifier {
  const v = new Vocab();
  for (const w of words) v.addWord(w);
  v.addLabel('x');
  return TextClassifier.create(resolveConfig({ dim: 3, bucket: 10, wordNgrams: 2, ...options }), v);
}

// fastText writes a trailing space after each vector.
const FASTTEXT_VEC = '3 3\nthe 0.1 0.2 0.3 \nThe 9 9 9 \ncat 1 -2 3e-1 \n';

test('vocabulary words start from their vectors; other rows keep their random start', async () => {
  const model = modelOf(['the', 'cat', 'dog']);
  const dogBefore = Float32Array.from(model.params.input.row(10 + 2));
  const report = await loadPretrainedVectors(model, vec('a.vec', FASTTEXT_VEC));
  assert.deepEqual(report, { file: join(dir, 'a.vec'), dim: 3, vectors: 3, matched: 2, words: 3 });
  assert.deepEqual(model.params.input.row(10 + 0), Float32Array.from([0.1, 0.2, 0.3]), '"the" keeps its own vector; "The" only normalises to it');
  assert.deepEqual(model.params.input.row(10 + 1), Float32Array.from([1, -2, 0.3]));
  assert.deepEqual(model.params.input.row(10 + 2), dogBefore);
});

test('with the default tokenizer a file word that normalises to a vocabulary word is used; with fastText\'s, only the same token', async () => {
  const accrete = modelOf(['apple']);
  assert.equal((await loadPretrainedVectors(accrete, vec('b.vec', '1 3\nApple 1 2 3\n'))).matched, 1);
  const exact = modelOf(['apple'], { tokenizer: 'fasttext' });
  assert.equal((await loadPretrainedVectors(exact, vec('b.vec', '1 3\nApple 1 2 3\n'))).matched, 0);
});

test('headerless (GloVe-style) files are read, the first line giving the dimension', async () => {
  const path = vec('glove.txt', 'the 1 2 3\ncat 4 5 6\n');
  assert.deepEqual(await readVecHeader(path), { count: null, dim: 3 });
  const model = modelOf(['cat']);
  assert.equal((await loadPretrainedVectors(model, path)).matched, 1);
  assert.deepEqual(model.params.input.row(10), Float32Array.from([4, 5, 6]));
});

test('a dimension mismatch is an error that says both dimensions and what to pass', async () => {
  await assert.rejects(checkVecDim(vec('c.vec', FASTTEXT_VEC), 100), (e: Error) => e instanceof AccreteError && /have 3 dimensions but the model has --dim 100; they must match: pass --dim 3/.test(e.message));
  await assert.rejects(train([{ text: 'the cat', labels: ['x'] }], { dim: 5, pretrainedVectors: vec('c.vec', FASTTEXT_VEC) }), /have 3 dimensions but the model has --dim 5/);
});

test('bad lines name the file and line; a missing file says so', async () => {
  await assert.rejects(loadPretrainedVectors(modelOf(['cat']), vec('d.vec', '2 3\nthe 1 2 3\ncat 1 2\n')), (e: Error) => e instanceof DataError && /d\.vec:3: expected 3 values after the word "cat", found 2/.test(e.message));
  await assert.rejects(loadPretrainedVectors(modelOf(['cat']), vec('e.vec', '2 3\ncat 1 2 x\n')), /e\.vec:2: "x" is not a finite number/);
  await assert.rejects(loadPretrainedVectors(modelOf(['cat']), vec('f.vec', '5 3\ncat 1 2 3\n')), /announces 5 vectors but the file has 1 \(truncated\?\)/);
  await assert.rejects(readVecHeader(join(dir, 'missing.vec')), /cannot read pretrained vectors .*missing\.vec: no such file/);
  await assert.rejects(readVecHeader(vec('empty.vec', '')), /the file is empty/);
});

test('train(..., { pretrainedVectors }) reports what it set', async () => {
  const { report } = await train([{ text: 'the cat', labels: ['x'] }, { text: 'a dog', labels: ['y'] }], { dim: 3, epoch: 1, pretrainedVectors: vec('g.vec', FASTTEXT_VEC) });
  assert.equal(report.pretrained?.matched, 2);
  assert.equal(report.pretrained?.vectors, 3);
});
