/** diffSeen: the seen record diffed as bytes gives the patch rows diffRows gives for it as floats. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffRows } from '../store/patch.js';
import { diffSeen } from './memoryPatch.js';

function record(n: number, ones: number[]): Uint8Array {
  const r = new Uint8Array(n);
  for (const i of ones) r[i] = 1;
  return r;
}

test('diffSeen gives what diffRows gives for the same record as float32: changed rows, grown rows, none', () => {
  const n = 10_000;
  const before = record(n, [0, 5, 255, 256, 4095, 4096, 9999]);
  const cases: [string, Uint8Array][] = [
    ['unchanged', before.slice()],
    ['marked in several blocks', record(n, [0, 1, 5, 255, 256, 511, 4095, 4096, 8191, 9998, 9999])],
    ['grown, the new rows partly marked', (() => {
      const r = new Uint8Array(n + 300);
      r.set(before);
      r[n + 2] = 1;
      r[n + 299] = 1;
      r[7] = 1;
      return r;
    })()],
    ['a row unmarked (not what an update does, but a change all the same)', record(n, [5, 255, 256, 4095, 4096, 9999])],
  ];
  for (const [what, after] of cases) {
    const bytes = diffSeen('memory.safetensors:seen.input', before, after);
    const floats = diffRows('memory.safetensors:seen.input', 1, Float32Array.from(before), Float32Array.from(after));
    assert.deepEqual(bytes, floats, what);
  }
  assert.equal(diffSeen('s', before, before.slice()), null);
  // Views at offsets that are not multiples of 4, and lengths that are not: compared byte by byte.
  const odd = new Uint8Array(n + 3).subarray(1, n + 1);
  odd.set(before);
  odd[6] = 1;
  odd[n - 1] = 0;
  assert.deepEqual(diffSeen('s', before, odd), diffRows('s', 1, Float32Array.from(before), Float32Array.from(odd)));
  const short = before.subarray(0, 4097);
  const shortAfter = short.slice();
  shortAfter[4096] = 1;
  assert.deepEqual(diffSeen('s', short, shortAfter), diffRows('s', 1, Float32Array.from(short), Float32Array.from(shortAfter)));
  assert.throws(() => diffSeen('s', before, before.subarray(0, 10)), /lost rows/);
  // From nothing (a memory that had no seen record): every row is grown.
  assert.deepEqual(diffSeen('s', new Uint8Array(0), before), diffRows('s', 1, new Float32Array(0), Float32Array.from(before)));
});
