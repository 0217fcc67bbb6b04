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

test('restore after a few added words (deleted one by one) keeps every lookup right', () => {
  // 1,020 words sit just under the point where the 2,048-entry table doubles: the words added next
  // make it rehash, which puts entries back in slot order, not id order, so the added ones now sit
  // inside probe runs of older words, and deleting them must shift those runs back correctly.
  const base = Array.from({ length: 1020 }, (_, i) => (i % 9 === 0 ? `ünï${i}` : `b${i}`));
  for (let cycle = 0; cycle < 60; cycle++) {
    const v = new Vocab();
    base.forEach((w) => v.addWord(w));
    const snapshot = v.snapshot();
    const added = Array.from({ length: 5 + (cycle % 7) }, (_, k) => `n${cycle}x${k}`);
    added.forEach((w, k) => assert.equal(v.addWord(w), 1020 + k));
    v.restore(snapshot);
    assert.equal(v.wordCount, 1020);
    for (const [i, w] of base.entries()) assert.equal(v.idOf(w), i, `cycle ${cycle}: ${w}`);
    for (const w of added) assert.equal(v.idOf(w), -1, `cycle ${cycle}: ${w} was dropped`);
    assert.equal(v.addWord(added[0]), 1020, 'a dropped word comes back with the next id');
    assert.equal(v.addWord('b3'), 3, 'still one entry per word');
  }
});

test('restore: a dropped word that sat in front of a kept one in its probe run is shifted over, not just emptied', () => {
  // Both words hash to the last slot of the first (512-entry) and second (1,024-entry) tables. The
  // first goes to the last slot, the second wraps to slot 0; the rehash at 256 words re-inserts slot
  // 0 first, so the second word ends up in front of the first. Dropping it must move the first back.
  const [kept, dropped] = ['edge1194', 'edge1468'];
  for (const w of [kept, dropped]) assert.equal(fnv1a32(w) & 1023, 1023, w);
  const v = new Vocab();
  v.addWord(kept);
  const snapshot = v.snapshot();
  v.addWord(dropped);
  for (let i = 0; i < 300; i++) v.addWord(`filler${i}`);
  v.restore(snapshot);
  assert.equal(v.idOf(kept), 0);
  assert.equal(v.idOf(dropped), -1);
  assert.equal(v.addWord(dropped), 1);
});

test('fromJSON refuses a word listed twice with DuplicateWordError, naming it', () => {
  const json = { words: ['a', 'b', 'ä', 'b'], wordCounts: [1, 1, 1, 1], labels: ['x'], labelCounts: [1] };
  assert.throws(() => Vocab.fromJSON(json), (err: unknown) => err instanceof DuplicateWordError && err.word === 'b' && /duplicate word "b"/.test(err.message));
  assert.throws(() => Vocab.fromJSON({ ...json, words: ['ä', 'x', 'ä', 'y'] }), DuplicateWordError);
  assert.deepEqual(Vocab.fromJSON({ ...json, words: ['a', 'b', 'ä', 'c'] }).words, ['a', 'b', 'ä', 'c']);
});
