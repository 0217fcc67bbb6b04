import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitSeedMedian, splitSeedRow, splitSeedsSection } from './stream20Seeds.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b}`);

test('splitSeedRow: points from retrain, and the rejected updates (task 1, the training, left out)', () => {
  const r = splitSeedRow(2, 0.6475, 0.5882, [true, true, false, true, false]);
  assert.equal(r.seed, 2);
  close(r.accPoints, -5.93);
  assert.equal(r.rejected, 2);
  assert.equal(r.updates, 4);
  assert.equal(splitSeedRow(1, 0.5, 0.5, [false]).updates, 0, 'the first task is the training, not an update');
});

test('splitSeedMedian: the median of each column, points taken per seed', () => {
  const rows = [splitSeedRow(1, 0.7245, 0.6994, [true, true, true]), splitSeedRow(2, 0.6475, 0.6188, [true, false, true]), splitSeedRow(3, 0.6332, 0.6105, [true, false, false])];
  const m = splitSeedMedian(rows);
  close(m.retrainAcc, 0.6475);
  close(m.acc, 0.6188);
  // Points per seed: -2.51, -2.87, -2.27; their median is -2.51, not 61.88 - 64.75 = -2.87.
  close(m.accPoints, -2.51);
  assert.equal(m.rejected, 1);
  const even = splitSeedMedian(rows.slice(0, 2));
  close(even.acc, (0.6994 + 0.6188) / 2);
  assert.throws(() => splitSeedMedian([]), /no split seed rows/);
});

test('splitSeedsSection: one row per seed and the median, and says the costs are on seed 1 only', () => {
  const md = splitSeedsSection('WordNet, classes:20', [splitSeedRow(1, 0.7245, 0.6994, [true, true]), splitSeedRow(2, 0.6475, 0.5882, [true, false])]);
  assert.match(md, /^#### WordNet, classes:20: split seeds 1, 2$/m);
  assert.match(md, /Costs are measured on split seed 1 only/);
  assert.match(md, /^\| 1 \| 72\.5 \| 69\.9 \| -2\.5 \| 0 of 1 \|$/m);
  assert.match(md, /^\| 2 \| 64\.8 \| 58\.8 \| -5\.9 \| 1 of 1 \|$/m);
  assert.match(md, /^\| median \| 68\.6 \| 64\.4 \| -4\.2 \| 0\.5 of 1 \|$/m);
});
