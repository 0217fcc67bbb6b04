/**
 * The coding of a patch's rows: every bit comes back (noise, zeros, NaN payloads, empty lists,
 * lists past the probe size), near-equal floats' XORs code small, and damaged bytes are refused
 * with the file named.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelFileError } from '../errors.js';
import { decodeIds, decodeWords, encodeIds, encodeWords } from './rowCodec.js';

/** A seeded xorshift32, for reproducible noise. */
function noise(n: number, seed = 7): Int32Array {
  const out = new Int32Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
  }
  return out;
}

test('words round-trip bit for bit: noise, zeros, NaN payloads, empty, longer than the probe', () => {
  const nan = new Int32Array([0x7fc00001, 0xffc12345 | 0, 0x80000000 | 0, 0, -1]);
  for (const words of [new Int32Array(0), new Int32Array(1), nan, noise(3), noise(200_000), new Int32Array(100_000)]) {
    const coded = encodeWords(words);
    assert.deepEqual(decodeWords(coded, words.length, 'f', 'rows'), words);
  }
});

test('the XOR of near-equal floats codes to far less than the floats; zeros to almost nothing', () => {
  const n = 100_000;
  const before = new Float32Array(n);
  const after = new Float32Array(n);
  const r = noise(n);
  for (let i = 0; i < n; i++) {
    before[i] = (r[i] % 1000) / 1e4;
    after[i] = before[i] * (1 + 1e-3 * ((r[i] >> 12) % 7));
  }
  const a = new Int32Array(after.buffer);
  const b = new Int32Array(before.buffer);
  const xor = a.map((v, i) => v ^ b[i]);
  const coded = encodeWords(xor);
  assert.ok(coded.length < 0.75 * n * 4, `coded ${coded.length} bytes of ${n * 4}`);
  assert.deepEqual(decodeWords(coded, n, 'f', 'rows'), xor);
  assert.ok(encodeWords(new Int32Array(n)).length < 2000, 'zeros deflate');
  assert.ok(encodeWords(noise(n)).length <= n * 4 + 20, 'noise is stored, not grown');
});

test('ids round-trip through their differences', () => {
  const ids = Int32Array.from([3, 4, 9, 1000, 1_999_999, 2_000_000, 2_000_001]);
  assert.deepEqual(decodeIds(encodeIds(ids), ids.length, 'f', 'ids'), ids);
  assert.deepEqual(decodeIds(encodeIds(new Int32Array(0)), 0, 'f', 'ids'), new Int32Array(0));
});

test('damaged bytes are refused with an error naming the file', () => {
  const words = Int32Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? 0 : i));
  const coded = encodeWords(words);
  const refused = (pattern: RegExp) => (err: unknown) => err instanceof ModelFileError && err.message.startsWith('patches/x.patch:') && pattern.test(err.message);
  assert.throws(() => decodeWords(coded, words.length + 1, 'patches/x.patch', 'the rows of "input"'), refused(/the rows of "input": byte plane 0 holds 5000 bytes, not 5001/));
  assert.throws(() => decodeWords(coded.subarray(0, coded.length - 1), words.length, 'patches/x.patch', 'rows'), refused(/runs past the end|does not inflate|holds/));
  const bad = coded.slice();
  bad[0] = 9;
  assert.throws(() => decodeWords(bad, words.length, 'patches/x.patch', 'rows'), refused(/unknown coding 9/));
  assert.throws(() => decodeWords(Uint8Array.from([...coded, 0]), words.length, 'patches/x.patch', 'rows'), refused(/1 bytes after the last byte plane/));
});
