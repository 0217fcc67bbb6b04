import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { Arena } from './arena.js';

const f = Math.fround;

/** dot() as the kernel sums it, in f32: four lane sums over the 4-wide body, the lanes added in order, then the tail. */
function dotRef(a: Float32Array, b: Float32Array, n: number): number {
  const lanes = [0, 0, 0, 0];
  let i = 0;
  for (; i + 4 <= n; i += 4) for (let j = 0; j < 4; j++) lanes[j] = f(lanes[j] + f(a[i + j] * b[i + j]));
  let s = f(f(f(lanes[0] + lanes[1]) + lanes[2]) + lanes[3]);
  for (; i < n; i++) s = f(s + f(a[i] * b[i]));
  return s;
}

const bits = (v: Float32Array) => [...new Int32Array(v.buffer, v.byteOffset, v.length)];

function setUp(rows: number, cols: number, seed: number) {
  const arena = Arena.create(1 << 20);
  const rng = new Rng(seed);
  const at = (n: number) => {
    const ptr = arena.alloc(n * 4);
    const v = arena.f32(ptr, n);
    for (let i = 0; i < n; i++) v[i] = rng.next() * 2 - 1;
    return { ptr, v };
  };
  return { arena, m: at(rows * cols), x: at(cols), out: at(rows), coef: at(rows), grad: at(cols) };
}

// Sizes around the kernels' blocks: 4 rows at a time, 16 and 4 columns at a time, scalar tails.
const shapes = [0, 1, 3, 4, 5, 7, 8, 45].flatMap((rows) => [1, 3, 4, 15, 16, 17, 20, 100, 103].map((cols) => [rows, cols] as const));

test('matVec gives every row exactly what dot() gives it, bit for bit, at any shape', () => {
  for (const [rows, cols] of shapes) {
    const { arena, m, x, out } = setUp(rows, cols, rows * 1000 + cols);
    arena.kernels.matVec(m.ptr, rows, cols, x.ptr, out.ptr);
    for (let r = 0; r < rows; r++) {
      const want = dotRef(m.v.subarray(r * cols, (r + 1) * cols), x.v, cols);
      assert.equal(out.v[r], want, `${rows} x ${cols}, row ${r}`);
      assert.equal(out.v[r], arena.kernels.dot(m.ptr + r * cols * 4, x.ptr, cols), `${rows} x ${cols}, row ${r}: as dot()`);
    }
  }
});

test('outputBackwardSgd: grad += c_i x row_i (rows in order, before they change), row_i -= lr c_i x, rows with c = 0 untouched, bit for bit', () => {
  const lr = f(0.37);
  for (const [rows, cols] of shapes) {
    const { arena, m, x, coef, grad } = setUp(rows, cols, rows * 7 + cols);
    if (rows > 2) coef.v[2] = 0;
    const w = m.v.slice();
    const g = grad.v.slice();
    for (let r = 0; r < rows; r++) {
      const c = coef.v[r];
      if (c === 0) continue;
      const u = f(-f(lr * c));
      for (let d = 0; d < cols; d++) {
        const k = r * cols + d;
        g[d] = f(g[d] + f(c * w[k]));
        // The 4-wide body adds (-lr c) x; the scalar tail subtracts (lr c) x: the same value.
        w[k] = d < cols - (cols % 4) ? f(w[k] + f(u * x.v[d])) : f(w[k] - f(f(lr * c) * x.v[d]));
      }
    }
    arena.kernels.outputBackwardSgd(m.ptr, rows, cols, coef.ptr, x.ptr, grad.ptr, lr);
    assert.deepEqual(bits(grad.v), bits(g), `${rows} x ${cols}: grad`);
    assert.deepEqual(bits(m.v), bits(w), `${rows} x ${cols}: rows`);
  }
});
