import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arena } from '../model/arena.js';
import { Xxh64, xxh64Hex } from './xxh64.js';

// ---- a straightforward reference implementation (BigInt), written from the spec ---------------

const M = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;
const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M;
const mul = (a: bigint, b: bigint) => (a * b) & M;
const add = (a: bigint, b: bigint) => (a + b) & M;
const round = (acc: bigint, lane: bigint) => mul(rotl(add(acc, mul(lane, P2)), 31n), P1);
const merge = (acc: bigint, v: bigint) => add(mul(acc ^ round(0n, v), P1), P4);

function reference(b: Uint8Array, seed = 0n): string {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u64 = (i: number) => view.getBigUint64(i, true);
  let i = 0;
  let acc: bigint;
  if (b.length >= 32) {
    let v1 = add(add(seed, P1), P2);
    let v2 = add(seed, P2);
    let v3 = seed;
    let v4 = (seed - P1) & M;
    for (; i + 32 <= b.length; i += 32) {
      v1 = round(v1, u64(i));
      v2 = round(v2, u64(i + 8));
      v3 = round(v3, u64(i + 16));
      v4 = round(v4, u64(i + 24));
    }
    acc = add(add(add(rotl(v1, 1n), rotl(v2, 7n)), rotl(v3, 12n)), rotl(v4, 18n));
    for (const v of [v1, v2, v3, v4]) acc = merge(acc, v);
  } else {
    acc = add(seed, P5);
  }
  acc = add(acc, BigInt(b.length));
  for (; i + 8 <= b.length; i += 8) acc = add(mul(rotl(acc ^ round(0n, u64(i)), 27n), P1), P4);
  if (i + 4 <= b.length) {
    acc = add(mul(rotl(acc ^ mul(BigInt(view.getUint32(i, true)), P1), 23n), P2), P3);
    i += 4;
  }
  for (; i < b.length; i++) acc = mul(rotl(acc ^ mul(BigInt(b[i]), P5), 11n), P1);
  acc ^= acc >> 33n;
  acc = mul(acc, P2);
  acc ^= acc >> 29n;
  acc = mul(acc, P3);
  acc ^= acc >> 32n;
  return acc.toString(16).padStart(16, '0');
}

/** The sanity buffer of xxHash's own self-test (cli/xsum_sanity_check.c). */
function sanityBuffer(length: number): Uint8Array {
  const out = new Uint8Array(length);
  let gen = 2654435761n;
  for (let i = 0; i < length; i++) {
    out[i] = Number(gen >> 56n);
    gen = mul(gen, 11400714785074694797n);
  }
  return out;
}

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

const text = (s: string) => new TextEncoder().encode(s);

/** Hashes `b` in place in `arena`, fed in chunks of the sizes `sizes` gives. */
function streamed(arena: Arena, b: Uint8Array, sizes: () => number, seed = 0n): string {
  const ptr = arena.alloc(b.length);
  new Uint8Array(arena.memory.buffer, ptr, b.length).set(b);
  const h = new Xxh64(arena, seed);
  for (let at = 0; at < b.length; ) {
    const n = Math.min(b.length - at, sizes());
    h.update(ptr + at, n);
    at += n;
  }
  const d = h.digest();
  h.dispose();
  return d;
}

// ---- the tests ---------------------------------------------------------------------------------

const KNOWN: Array<[string, string]> = [
  ['', 'ef46db3751d8e999'],
  ['a', 'd24ec4f1a98c6e5b'],
  ['abc', '44bc2cf5ad770999'],
  ['Nobody inspects the spammish repetition', 'fbcea83c8a378bf1'],
];

test('XXH64 of known strings (the reference and the wasm kernel agree with published values)', () => {
  for (const [s, want] of KNOWN) {
    assert.equal(reference(text(s)), want, `reference of ${JSON.stringify(s)}`);
    assert.equal(xxh64Hex(text(s)), want, `kernel of ${JSON.stringify(s)}`);
  }
});

test("XXH64 of xxHash's own sanity vectors (lengths 0, 1, 4, 14, 222; seeds 0 and 2654435761)", () => {
  const prime = 2654435761n;
  const vectors: Array<[number, bigint, string]> = [
    [0, 0n, 'ef46db3751d8e999'],
    [0, prime, 'ac75fda2929b17ef'],
    [1, 0n, 'e934a84adb052768'],
    [1, prime, '5014607643a9b4c3'],
    [4, 0n, '9136a0dca57457ee'],
    [14, 0n, '8282dcc4994e35c8'],
    [14, prime, 'c3bd6bf63deb6df0'],
    [222, 0n, 'b641ae8cb691c174'],
    [222, prime, '20cb8ab7ae10c14a'],
  ];
  const buffer = sanityBuffer(222);
  const arena = Arena.create(1024);
  for (const [length, seed, want] of vectors) {
    const b = buffer.subarray(0, length);
    assert.equal(reference(b, seed), want, `reference, length ${length} seed ${seed}`);
    assert.equal(streamed(arena, b, () => length || 1, seed), want, `kernel, length ${length} seed ${seed}`);
    assert.equal(streamed(arena, b, () => 1, seed), want, `kernel a byte at a time, length ${length} seed ${seed}`);
  }
});

test('XXH64 of random buffers of every length 0..200, one call, byte by byte and in random chunks', () => {
  const arena = Arena.create(4096);
  let r = 12345;
  const rand = (k: number) => {
    r = (Math.imul(r, 1103515245) + 12345) >>> 0;
    return 1 + (r % k);
  };
  for (let n = 0; n <= 200; n++) {
    const b = randomBytes(n, n + 1);
    const want = reference(b);
    assert.equal(streamed(arena, b, () => n || 1), want, `length ${n}, one call`);
    assert.equal(streamed(arena, b, () => 1), want, `length ${n}, byte by byte`);
    for (const k of [7, 33, 70]) assert.equal(streamed(arena, b, () => rand(k)), want, `length ${n}, chunks of 1..${k}`);
    assert.equal(xxh64Hex(b), want, `length ${n}, updateBytes`);
  }
});

test('XXH64 of 1 MB streamed in random chunk sizes, in place and through updateBytes', () => {
  const b = randomBytes(1 << 20, 99);
  const want = reference(b);
  const arena = Arena.create(2 << 20);
  let r = 7;
  const rand = (k: number) => {
    r = (Math.imul(r, 1103515245) + 12345) >>> 0;
    return 1 + (r % k);
  };
  assert.equal(streamed(arena, b, () => b.length), want);
  assert.equal(streamed(arena, b, () => rand(100)), want, 'chunks of 1..100');
  assert.equal(streamed(arena, b, () => rand(100_000)), want, 'chunks of 1..100000');
  const h = new Xxh64();
  for (let at = 0; at < b.length; ) {
    const n = Math.min(b.length - at, rand(80_000));
    h.updateBytes(b.subarray(at, at + n));
    at += n;
  }
  assert.equal(h.digest(), want, 'updateBytes in chunks larger and smaller than the scratch buffer');
  h.dispose();
  // One flipped bit anywhere changes the hash.
  const c = b.slice();
  c[123_457] ^= 0x10;
  assert.notEqual(xxh64Hex(c), want);
});

test('digest() does not end the stream; dispose() gives the memory back, zeroed, when it is the last block', () => {
  const arena = Arena.create(1 << 16);
  const used = arena.used;
  const h = new Xxh64(arena);
  h.updateBytes(text('ab'));
  assert.equal(h.digest(), reference(text('ab')));
  h.updateBytes(text('c'));
  assert.equal(h.digest(), '44bc2cf5ad770999');
  assert.ok(arena.used > used);
  h.dispose();
  assert.equal(arena.used, used, 'the state and scratch were released');
  const after = arena.alloc(200_000);
  assert.ok(new Uint8Array(arena.memory.buffer, after, 200_000).every((x) => x === 0), 'memory handed back is zero-filled');
  assert.throws(() => h.digest(), /after dispose/);
  // Something allocated after the hasher: dispose leaves the arena as it is.
  const g = new Xxh64(arena);
  const later = arena.alloc(16);
  const top = arena.used;
  g.dispose();
  assert.equal(arena.used, top);
  assert.ok(later > 0);
});

test('update() refuses addresses outside the arena', () => {
  const arena = Arena.create(0);
  const h = new Xxh64(arena);
  assert.throws(() => h.update(arena.memory.buffer.byteLength - 4, 8), RangeError);
  assert.throws(() => h.update(-1, 1), RangeError);
  h.dispose();
});
