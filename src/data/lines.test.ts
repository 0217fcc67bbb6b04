import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, type RawLine } from './lines.js';

/** Feeds `input` in chunks of `size` bytes and returns the lines as text (null when dropped). */
function split(input: Buffer | string, size = 3, max = 100): RawLine[] {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  const s = new LineSplitter(max);
  const lines: RawLine[] = [];
  for (let i = 0; i < bytes.length; i += size) lines.push(...s.push(bytes.subarray(i, i + size)));
  lines.push(...s.end());
  return lines;
}
const texts = (lines: RawLine[]) => lines.map((l) => l.bytes?.toString() ?? null);

test('LF, CRLF and a final line without newline', () => {
  for (const size of [1, 2, 3, 1000]) {
    assert.deepEqual(texts(split('a\r\nbb\n\nccc', size)), ['a', 'bb', '', 'ccc'], `chunk size ${size}`);
  }
  assert.deepEqual(texts(split('a\n')), ['a']);
  assert.deepEqual(texts(split('')), []);
  assert.deepEqual(texts(split('\n')), ['']);
});

test('line numbers are 1-based physical lines', () => {
  assert.deepEqual(split('a\n\nb\r\nc').map((l) => l.no), [1, 2, 3, 4]);
});

test('a BOM is dropped at the start only, even when split across chunks', () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  for (const size of [1, 2, 4]) {
    const lines = split(Buffer.concat([bom, Buffer.from('x\n'), bom, Buffer.from('y')]), size);
    assert.deepEqual(lines.map((l) => l.bytes && Buffer.from(l.bytes).toString('hex')), ['78', 'efbbbf79']);
  }
  assert.deepEqual(texts(split(bom)), []);
  assert.deepEqual(texts(split('ab')), ['ab']);
});

test('a line over the limit is measured, not kept', () => {
  const s = new LineSplitter(1000);
  let peak = 0;
  const lines: RawLine[] = [];
  for (let i = 0; i < 50; i++) {
    lines.push(...s.push(Buffer.from('"'.repeat(10) + 'x'.repeat(90))));
    peak = Math.max(peak, s.pendingBytes);
  }
  lines.push(...s.push(Buffer.from('\r\nok\n')), ...s.end());
  assert.ok(peak <= 1001, `held ${peak} bytes`);
  assert.equal(lines.length, 2);
  assert.deepEqual({ ...lines[0] }, { no: 1, bytes: null, size: 5000, quotes: 500 });
  assert.equal(lines[1].bytes?.toString(), 'ok');
});

test('a CRLF line exactly at the limit is kept', () => {
  const line = 'x'.repeat(10);
  assert.deepEqual(texts(split(`${line}\r\n${line}x\r\n`, 4, 10)), [line, null]);
});
