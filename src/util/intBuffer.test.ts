import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IntBuffer } from './intBuffer.js';

test('pushAll appends like push does, growing past the capacity as often as needed', () => {
  const a = new IntBuffer(16);
  const b = new IntBuffer(16);
  const chunks = [[1, 2, 3], [], Array.from({ length: 40 }, (_, i) => i * 7 - 100), [5], Array.from({ length: 300 }, (_, i) => -i)];
  for (const chunk of chunks) {
    a.pushAll(Int32Array.from(chunk));
    for (const v of chunk) b.push(v);
    assert.deepEqual([...a.view()], [...b.view()]);
  }
  assert.equal(a.length, 344);
});
