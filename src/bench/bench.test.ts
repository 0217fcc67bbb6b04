import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastTextLine, normalizeText } from './corpus.js';
import { goldLabels, parseAccretePrediction, parseFastTextPrediction, scorePredictions } from './score.js';
import { hyperParamFlags, HYPERPARAMS } from './params.js';
import { median } from './table.js';
import { fastText } from './tools.js';

test('normalizeText: lower case, punctuation split off, one line', () => {
  assert.equal(normalizeText('Hello, World!\nBye.'), 'hello , world ! bye .');
  assert.equal(normalizeText('Café  self-made'), 'café self - made');
});

test('fastTextLine: labels first, whitespace in labels replaced', () => {
  assert.equal(fastTextLine({ text: 'Buy NOW', labels: ['spam'] }), '__label__spam buy now');
  assert.equal(fastTextLine({ text: 'x', labels: ['a b', 'c'] }), '__label__a_b __label__c x');
});

test('scorePredictions: accuracy and macro-F1 over gold and predicted labels', () => {
  assert.deepEqual(scorePredictions(['a', 'b'], ['a', 'b']), { n: 2, accuracy: 1, macroF1: 1 });
  const s = scorePredictions(['a', 'b'], ['a', 'a']);
  assert.equal(s.accuracy, 0.5);
  assert.ok(Math.abs(s.macroF1 - (2 / 3 + 0) / 2) < 1e-12);
  assert.equal(scorePredictions(['a'], ['']).accuracy, 0);
  assert.throws(() => scorePredictions(['a'], []), /1 gold/);
});

test('both tools\' outputs parse to a label', () => {
  assert.equal(parseFastTextPrediction('__label__noun.animal'), 'noun.animal');
  assert.equal(parseFastTextPrediction(''), '');
  assert.equal(parseAccretePrediction('{"predictions":[{"label":"spam","score":0.9}]}'), 'spam');
  assert.equal(parseAccretePrediction('{"predictions":[]}'), '');
  assert.deepEqual(goldLabels('__label__a x y\n__label__b z\n'), ['a', 'b']);
  assert.deepEqual(fastText.parseEvaluation('N\t1209\nP@1\t0.98\nR@1\t0.98\n'), { N: 1209, 'P@1': 0.98, 'R@1': 0.98 });
});

test('hyperparameters become the same flags for both command lines', () => {
  const hp = HYPERPARAMS['spam-assassin'];
  assert.deepEqual(hyperParamFlags(hp, '-').slice(0, 4), ['-dim', '50', '-epoch', '5']);
  assert.deepEqual(hyperParamFlags(hp, '--').map((f) => f.replace(/^--/, '-')), hyperParamFlags(hp, '-'));
});

test('median', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
});
