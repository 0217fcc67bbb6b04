/** Weight aligning: new labels' output rows come down to the old rows' mean norm, and only down. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Matrix } from '../model/matrix.js';
import { alignNewRows } from './align.js';

function matrixOf(rows: number[][]): Matrix {
  const m = Matrix.zeros(rows.length, rows[0].length);
  rows.forEach((r, i) => m.row(i).set(r));
  return m;
}

const norm = (v: Float32Array) => Math.hypot(...v);

test('alignNewRows scales the new rows to the old rows mean norm and leaves the old rows alone', () => {
  // Old norms 1 and 3 (mean 2); new norms 4 and 8 (mean 6): factor 1/3.
  const m = matrixOf([[1, 0], [0, 3], [4, 0], [0, 8]]);
  const factor = alignNewRows(m, 2);
  assert.ok(Math.abs(factor - 1 / 3) < 1e-6, String(factor));
  assert.deepEqual([...m.row(0)], [1, 0]);
  assert.deepEqual([...m.row(1)], [0, 3]);
  assert.ok(Math.abs(norm(m.row(2)) - 4 / 3) < 1e-5 && Math.abs(norm(m.row(3)) - 8 / 3) < 1e-5);
  assert.ok(Math.abs((norm(m.row(2)) + norm(m.row(3))) / 2 - 2) < 1e-5, 'new mean norm = old mean norm');
});

test('alignNewRows never lengthens new rows, and does nothing without old or new rows', () => {
  const short = matrixOf([[3, 0], [0, 1]]);
  assert.equal(alignNewRows(short, 1), 1);
  assert.deepEqual([...short.row(1)], [0, 1]);
  const m = matrixOf([[3, 0], [0, 5]]);
  assert.equal(alignNewRows(m, 0), 1, 'no old rows');
  assert.equal(alignNewRows(m, 2), 1, 'no new rows');
  assert.deepEqual([...m.data], [3, 0, 0, 5]);
});
