/** The undo journal: originals, snapshots (fresh and reused), restore, the finiteness check, the parent handed over. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Matrix } from '../model/matrix.js';
import { Rng } from '../util/rng.js';
import { StaleParentError } from '../errors.js';
import { RowJournal } from './journal.js';

function matrix(): Matrix {
  return Matrix.uniform(50, 4, 1, new Rng(1));
}

const rowsOf = (m: Matrix, rows: number[]) => rows.map((r) => Array.from(m.row(r)));

test('restore() puts journaled rows back; restore(snapshot) puts them where the snapshot was, also when the snapshot reused an older one', () => {
  const m = matrix();
  const journaled = Int32Array.from([3, 7, 40]);
  const journal = new RowJournal();
  journal.keepRows(m, journaled);
  const original = rowsOf(m, [3, 7, 40]);
  const bump = (by: number) => journaled.forEach((r) => m.row(r).forEach((_, d, row) => (row[d] += by)));

  bump(1);
  const first = journal.snapshot();
  const atFirst = rowsOf(m, [3, 7, 40]);
  bump(1);
  const second = journal.snapshot(first);
  const atSecond = rowsOf(m, [3, 7, 40]);
  assert.equal(second, first, 'the older snapshot was reused');
  assert.notDeepEqual(atSecond, atFirst);
  bump(5);
  journal.restore(second);
  assert.deepEqual(rowsOf(m, [3, 7, 40]), atSecond);
  journal.restore();
  assert.deepEqual(rowsOf(m, [3, 7, 40]), original);
});

test('inspect().finite sees a NaN or an infinity in a journaled or grown row, and nothing outside them', () => {
  const m = matrix();
  const journal = new RowJournal();
  journal.keepRows(m, Int32Array.from([2, 9]));
  assert.equal(journal.inspect().finite, true);
  m.row(11)[0] = NaN; // not journaled: not the journal's business
  assert.equal(journal.inspect().finite, true);
  m.row(9)[3] = -Infinity;
  assert.equal(journal.inspect().finite, false);
  m.row(9)[3] = 0;
  m.growRows(1);
  m.row(50)[1] = Infinity;
  assert.equal(journal.inspect().finite, false);
  m.row(50)[1] = 0;
  m.row(2)[2] = NaN;
  assert.equal(journal.inspect().finite, false);
});

test('inspect() counts the changed rows and values below each limit; rows from the limit on (grown) are not counted', () => {
  const m = matrix();
  const journal = new RowJournal();
  journal.keepRows(m, Int32Array.from([1, 5, 30, 45]));
  m.row(1)[0] += 1;
  m.row(1)[2] += 1;
  m.row(30)[3] -= 1;
  m.row(45)[0] += 1; // at or past the limit below: a row the parent did not have
  const { finite, changes } = journal.inspect(() => 40);
  assert.equal(finite, true);
  assert.deepEqual(changes.get(m), { rows: 2, values: 3 });
});

test('inspect() reading the snapshot just restored counts what reading the matrix counts', () => {
  const m = matrix();
  const journal = new RowJournal();
  const rows = Int32Array.from([1, 2, 30, 44]);
  journal.keepRows(m, rows);
  m.row(2)[1] += 1;
  m.row(30).fill(0.5);
  const snap = journal.snapshot();
  m.row(44)[0] += 3;
  journal.restore(snap);
  const fromMatrix = journal.inspect();
  const fromSnapshot = journal.inspect(undefined, snap);
  assert.deepEqual(fromSnapshot, fromMatrix);
  assert.deepEqual(fromMatrix.changes.get(m), { rows: 2, values: 1 + 4 });
});

test('a released journal\'s buffers serve the next journal, which still restores its own originals', () => {
  // Large enough for the buffers to be kept for the next journal (small ones are not).
  const a = Matrix.uniform(100_000, 4, 1, new Rng(1));
  const first = new RowJournal();
  first.keepRows(a, Int32Array.from({ length: 100_000 }, (_, i) => i));
  first.snapshot();
  first.release();
  const b = Matrix.uniform(100_000, 4, 1, new Rng(2));
  const rows = Int32Array.from({ length: 70_000 }, (_, i) => i + 1000);
  const probe = [1000, 50_000, 70_999];
  const original = rowsOf(b, probe);
  const second = new RowJournal();
  second.keepRows(b, rows);
  rows.forEach((r) => b.row(r).fill(7));
  const snap = second.snapshot();
  rows.forEach((r) => b.row(r).fill(8));
  second.restore(snap);
  assert.deepEqual(rowsOf(b, probe), probe.map(() => [7, 7, 7, 7]));
  second.restore();
  assert.deepEqual(rowsOf(b, probe), original);
  second.release();
});

test('a large journal lives in a block its arena lends (kernels copy and compare it): the same counts, restore and finiteness as in JavaScript, and the block serves the next journal', () => {
  // 100,000 rows x 18 columns (not a multiple of 4: the kernels' scalar tail runs too), 20,000 of them journaled.
  const big = Matrix.uniform(100_000, 18, 1, new Rng(4));
  const small = Matrix.uniform(100_000, 18, 1, new Rng(4));
  const rng = new Rng(5);
  const rows = Int32Array.from(rng.sample(Array.from({ length: 100_000 }, (_, i) => i), 20_000).sort((a, b) => a - b));
  const change = (m: Matrix) => {
    const r = new Rng(6);
    for (let k = 0; k < rows.length; k += 3) m.data[rows[k] * 18 + r.int(18)] += 1;
    m.data[rows[rows.length - 1] * 18 + 17] += 1; // the last column, in the scalar tail
  };
  const lent = new RowJournal();
  const usedBefore = big.arena.used;
  lent.keepRows(big, rows);
  const usedAfterFirst = big.arena.used;
  assert.ok(usedAfterFirst > usedBefore, 'the large journal took a block of the arena');
  const row3 = Array.from(big.row(rows[3]));
  // The same rows of the same values, journaled in pieces small enough for JavaScript buffers.
  const smallUsed = small.arena.used;
  const pieces = [0, 5000, 10_000, 15_000, 20_000].slice(0, -1).map((from) => rows.subarray(from, from + 5000));
  const views = pieces.map((piece) => {
    const j = new RowJournal();
    j.keepRows(small, piece);
    return j;
  });
  assert.equal(small.arena.used, smallUsed, 'small journals keep to JavaScript buffers');
  change(big);
  change(small);
  const limit = rows[10_000];
  const inspected = lent.inspect(() => limit);
  let rowsChanged = 0;
  let values = 0;
  for (const j of views) {
    const c = j.inspect(() => limit).changes.get(small)!;
    rowsChanged += c.rows;
    values += c.values;
  }
  assert.ok(inspected.finite);
  assert.deepEqual(inspected.changes.get(big), { rows: rowsChanged, values });
  assert.ok(values > 3000, `${values} values changed below the limit`);
  assert.deepEqual(Array.from(lent.original(big, rows[3])!), row3, 'original() reads the lent block');
  assert.notDeepEqual(Array.from(big.row(rows[3])), row3);
  big.data[rows[7] * 18 + 17] = NaN;
  assert.equal(lent.inspect().finite, false, 'a NaN in the scalar tail of a journaled row');
  lent.restore();
  for (const j of views) j.restore();
  assert.ok(Buffer.from(big.data.buffer, big.data.byteOffset, big.data.byteLength).equals(Buffer.from(small.data.buffer, small.data.byteOffset, small.data.byteLength)), 'restored bit for bit');
  lent.release();
  views.forEach((j) => j.release());
  const again = new RowJournal();
  again.keepRows(big, rows);
  assert.equal(big.arena.used, usedAfterFirst, 'the second journal took the block back, no new arena memory');
  again.release();
});

test('handOver() gives the parent the originals without a copy: a lent block is kept until the next journal on the arena, then reading it throws StaleParentError', () => {
  const big = Matrix.uniform(100_000, 18, 1, new Rng(7));
  const rows = Int32Array.from({ length: 20_000 }, (_, i) => 3 * i);
  const before = rowsOf(big, [0, 3, 59_997]);
  const first = new RowJournal();
  first.keepRows(big, rows);
  rows.forEach((r) => big.row(r).fill(1));
  const parent = first.handOver(big)!;
  first.release();
  assert.deepEqual(Array.from(parent.rows), Array.from(rows));
  const at = (k: number) => Array.from(parent.values().subarray(k * 18, (k + 1) * 18));
  assert.deepEqual([at(0), at(1), at(19_999)], before, 'the values before the update, after release()');
  const used = big.arena.used;
  const second = new RowJournal();
  second.keepRows(big, rows);
  assert.equal(big.arena.used, used, 'the next journal took the parent\'s block back');
  assert.throws(() => parent.values(), StaleParentError);
  second.release();
  // A small journal's JavaScript buffer is the parent's: the next journal neither takes nor changes it.
  const small = matrix();
  const j = new RowJournal();
  j.keepRows(small, Int32Array.from([2, 9]));
  const was = rowsOf(small, [2, 9]);
  const kept = j.handOver(small)!;
  j.release();
  const next = new RowJournal();
  next.keepRows(small, Int32Array.from([2, 9]));
  small.row(2).fill(5);
  next.release();
  assert.deepEqual([Array.from(kept.values().subarray(0, 4)), Array.from(kept.values().subarray(4, 8))], was);
});
