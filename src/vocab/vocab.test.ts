import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenTable } from '../features/tokenTable.js';
import { buildVocab } from './build.js';
import { Vocab } from './vocab.js';

test('ids are stable: adding words and labels appends and never renumbers', () => {
  const v = new Vocab();
  assert.equal(v.addWord('b'), 0);
  assert.equal(v.addWord('a'), 1);
  assert.equal(v.addWord('b'), 0);
  assert.equal(v.addLabel('x'), 0);
  assert.equal(v.addLabel('y'), 1);
  assert.deepEqual([v.idOf('a'), v.idOf('b'), v.idOf('c')], [1, 0, -1]);
  assert.deepEqual(v.wordCounts, [2, 1]);
  const copy = Vocab.fromJSON(JSON.parse(JSON.stringify(v.toJSON())));
  assert.deepEqual(copy.toJSON(), v.toJSON());
  copy.addLabel('z');
  assert.equal(v.labelCount, 2, 'a copy grows on its own');
});

test('buildVocab keeps words seen minCount times, most frequent first, and every label', () => {
  const tokens = new TokenTable();
  for (const t of [['a', 'b', 'a'], ['c', 'a', 'b'], ['d']]) tokens.addExample(t);
  const examples = [{ text: '', labels: ['pos'] }, { text: '', labels: ['neg', 'pos'] }, { text: '', labels: ['pos'] }];
  const v = buildVocab(tokens, examples, 2);
  assert.deepEqual(v.words, ['a', '</s>', 'b']);
  assert.deepEqual(v.labels, ['pos', 'neg']);
});
