import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { Arena } from './arena.js';
import { Matrix } from './matrix.js';

test('timesVectors gives every row · vector product of the first rows, and hands its scratch back zeroed', () => {
  const arena = Arena.create(1 << 16);
  const m = Matrix.uniform(7, 13, 1, new Rng(1), arena);
  const xs = Array.from({ length: 5 }, (_, i) => Float32Array.from({ length: 13 }, (_, d) => Math.sin(i * 13 + d)));
  const used = arena.used;
  const got = m.timesVectors(xs, 4);
  assert.equal(got.length, 5 * 4);
  xs.forEach((x, i) => {
    for (let r = 0; r < 4; r++) {
      const want = m.row(r).reduce((s, v, d) => s + v * x[d], 0);
      assert.ok(Math.abs(got[i * 4 + r] - want) < 1e-5, `x ${i}, row ${r}: ${got[i * 4 + r]} vs ${want}`);
    }
  });
  assert.equal(arena.used, used, 'the scratch went back to the arena');
  const next = arena.alloc(1024);
  assert.ok(new Float32Array(arena.memory.buffer, next, 256).every((v) => v === 0), 'and it comes out zeroed again');
});
