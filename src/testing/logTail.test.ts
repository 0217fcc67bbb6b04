import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogTail } from './logTail.js';

test('LogTail: lines split across chunks, the unfinished last line shown', () => {
  const t = new LogTail(5);
  t.push('one\ntw');
  t.push('o\nthr');
  assert.deepEqual(t.lines(), ['one', 'two', 'thr']);
  t.push('ee\n');
  assert.deepEqual(t.lines(), ['one', 'two', 'three']);
});

test('LogTail: keeps the last `max` lines and says how many were dropped; stamps each line', () => {
  let n = 0;
  const t = new LogTail(2, () => `[${++n}] `);
  t.push('a\nb\nc\nd\n');
  assert.deepEqual(t.lines(), ['(2 earlier line(s) dropped)', '[3] c', '[4] d']);
  assert.throws(() => new LogTail(0), /max must be a positive integer; got 0/);
});
