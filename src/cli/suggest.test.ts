import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, didYouMean, editDistance } from './suggest.js';

test('editDistance counts insertions, deletions, substitutions and adjacent swaps as one each', () => {
  assert.equal(editDistance('epoch', 'epoch'), 0);
  assert.equal(editDistance('epochs', 'epoch'), 1);
  assert.equal(editDistance('trian', 'train'), 1);
  assert.equal(editDistance('modle', 'model'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('closest: the nearest name within a tolerance that grows with the length; case and dashes do not count', () => {
  assert.equal(closest('epochs', ['epoch', 'dim', 'lr']), 'epoch');
  assert.equal(closest('word-ngrams', ['wordNgrams', 'minn']), 'wordNgrams');
  assert.equal(closest('pretrained', ['pretrained-vectors', 'data']), 'pretrained-vectors');
  assert.equal(closest('colour', ['epoch', 'data', 'out']), undefined);
  assert.equal(closest('x', ['k', 'lr']), 'k'); // one letter off a one-letter name
  assert.equal(closest('zzzz', ['k']), undefined);
  assert.equal(didYouMean('trian', ['train', 'eval']), '; did you mean train?');
  assert.equal(didYouMean('frobnicate', ['train', 'eval']), '');
});
