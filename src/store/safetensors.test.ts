/** f32TensorsOf: the tensors of a file read whole, as SafetensorsReader reads them, with its checks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { f32TensorsOf, SafetensorsReader, writeSafetensors, type TensorLike } from './safetensors.js';

test('f32TensorsOf reads what SafetensorsReader reads, and refuses what it refuses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'accrete-st-'));
  try {
    const path = join(dir, 'm.safetensors');
    const a = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    const b = Float32Array.of(1, -0, NaN, 3.5);
    const empty = new Float32Array(0);
    const tensors: [string, TensorLike][] = [['a', { rows: 1000, cols: 1, data: a }], ['b', { rows: 2, cols: 2, data: b }], ['empty', { rows: 0, cols: 1, data: empty }]];
    writeSafetensors(path, tensors, { x: 'y' });
    const bytes = readFileSync(path);
    const got = f32TensorsOf(path, bytes);
    const reader = new SafetensorsReader(path);
    const shapes = new Map(['a', 'b', 'empty'].map((name) => [name, reader.entry(name).shape]));
    const want = new Map([...shapes].map(([name, [rows, cols]]) => [name, new Float32Array(rows * cols)]));
    reader.readAll([...want].map(([name, data]): [string, TensorLike] => [name, { rows: shapes.get(name)![0], cols: shapes.get(name)![1], data }]));
    reader.close();
    assert.deepEqual([...got.keys()].sort(), ['a', 'b', 'empty']);
    for (const [name, data] of want) assert.deepEqual(new Uint8Array(got.get(name)!.buffer), new Uint8Array(data.buffer), name);
    // A copy: the file's bytes can go.
    assert.notEqual(got.get('a')!.buffer, bytes.buffer);
    assert.throws(() => f32TensorsOf(path, bytes.subarray(0, bytes.length - 4)), /extends past the end|unexpected bytes/);
    assert.throws(() => f32TensorsOf(path, Buffer.concat([bytes, Buffer.alloc(4)])), /4 unexpected bytes after the last tensor/);
    assert.throws(() => f32TensorsOf(path, bytes.subarray(0, 5)), /too short/);
    const i32 = join(dir, 'i.safetensors');
    writeSafetensors(i32, [['ids', { rows: 3, cols: 1, data: Int32Array.of(1, 2, 3) }]]);
    assert.throws(() => f32TensorsOf(i32, readFileSync(i32)), /tensor "ids" has dtype I32, expected F32/);
    const garbled = Buffer.from(bytes);
    garbled[9] = 0x7b; // '{' inside the header JSON
    assert.throws(() => f32TensorsOf(path, garbled), /not valid JSON|no shape/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
