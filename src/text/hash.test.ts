import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fnv1a32, fnv1a32Range } from './hash.js';

/** Reference FNV-1a over the bytes Node's own UTF-8 encoder writes. */
function referenceFnv(s: string): number {
  let h = 2166136261;
  for (const b of Buffer.from(s, 'utf8')) h = Math.imul(h ^ b, 16777619);
  return h >>> 0;
}

test('example: fnv1a32("a")', () => {
  assert.equal(fnv1a32('a'), 0xe40c292c);
});

test('published FNV-1a 32 vectors', () => {
  assert.equal(fnv1a32(''), 2166136261);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
});

test('non-ASCII is hashed by its UTF-8 bytes, not its UTF-16 code units', () => {
  // "é" is C3 A9 in UTF-8; hashing the code unit 0xE9 as one byte would give 0x6c0b6c44.
  assert.equal(fnv1a32('é'), 0x1e9de8c1);
  assert.notEqual(fnv1a32('é'), 0x6c0b6c44);
});

test('matches a byte-level reference on 1-, 2-, 3- and 4-byte characters', () => {
  for (const s of ['hello', 'café', 'naïve', '東京', 'ภาษาไทย', '😂', '👨‍👩‍👧', '<wh', 'a😂b€ß']) {
    assert.equal(fnv1a32(s), referenceFnv(s), s);
  }
});

test('a lone surrogate hashes as U+FFFD, as the UTF-8 encoder writes it', () => {
  assert.equal(fnv1a32('a\ud800b'), referenceFnv('a\ufffdb'));
  assert.equal(fnv1a32('\udc00'), referenceFnv('\ufffd'));
  assert.equal(fnv1a32('x\ud83d'), referenceFnv('x\ud83d'));
});

test('results are unsigned 32-bit integers', () => {
  for (const s of ['', 'a', 'foobar', '😂', 'the quick brown fox']) {
    const h = fnv1a32(s);
    assert.ok(Number.isInteger(h) && h >= 0 && h <= 0xffffffff, `${s}: ${h}`);
  }
});

test('fnv1a32Range hashes exactly the slice, without reading past its ends', () => {
  const s = 'ab😂c\ud800é€x';
  for (let start = 0; start <= s.length; start++) {
    for (let end = start; end <= s.length; end++) {
      assert.equal(fnv1a32Range(s, start, end), fnv1a32(s.slice(start, end)), `[${start}, ${end})`);
      assert.equal(fnv1a32Range(s, start, end), referenceFnv(s.slice(start, end)), `[${start}, ${end}) reference`);
    }
  }
});
