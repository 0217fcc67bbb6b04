import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenTable } from '../features/tokenTable.js';
import { buildVocab } from './build.js';
import { fnv1a32 } from '../text/hash.js';
import { DuplicateWordError, Vocab } from './vocab.js';

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

test('lookups by range and by string agree, through growth, rehashing and restore', () => {
  const v = new Vocab();
  const words = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? `wörd${i}` : `w${i}`));
  words.slice(0, 1000).forEach((w) => v.addWord(w));
  const snapshot = v.snapshot();
  words.slice(1000).forEach((w) => v.addWord(w));
  const text = ` ${words.join(' ')} `;
  const check = (known: number) => {
    let at = 1;
    words.forEach((w, i) => {
      const id = i < known ? i : -1;
      assert.equal(v.idOf(w), id, w);
      assert.equal(v.idOfRange(text, at, at + w.length, fnv1a32(w)), id, `${w} by range`);
      at += w.length + 1;
    });
    assert.equal(v.idOfRange(text, 1, 2, fnv1a32('w')), -1, 'a prefix of a word is not the word');
  };
  check(5000);
  v.restore(snapshot);
  check(1000);
  assert.equal(v.addWord('w4999'), 1000, 'a word dropped by restore comes back with the next id');
});

test('fromJSON refuses a word listed twice with DuplicateWordError, naming it', () => {
  const json = { words: ['a', 'b', 'ä', 'b'], wordCounts: [1, 1, 1, 1], labels: ['x'], labelCounts: [1] };
  assert.throws(() => Vocab.fromJSON(json), (err: unknown) => err instanceof DuplicateWordError && err.word === 'b' && /duplicate word "b"/.test(err.message));
  assert.throws(() => Vocab.fromJSON({ ...json, words: ['ä', 'x', 'ä', 'y'] }), DuplicateWordError);
  assert.deepEqual(Vocab.fromJSON({ ...json, words: ['a', 'b', 'ä', 'c'] }).words, ['a', 'b', 'ä', 'c']);
});
