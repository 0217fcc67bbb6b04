/** writeJsonWithArray writes what JSON.stringify would, in pieces. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeJsonWithArray } from './jsonFile.js';

test('writeJsonWithArray: the same value as one JSON.stringify, for empty, small and multi-piece arrays', () => {
  const dir = mkdtempSync(join(tmpdir(), 'accrete-json-'));
  try {
    const path = join(dir, 'x.json');
    const long = Array.from({ length: 3000 }, (_, i) => ({ text: `example "${i}" ${'ü'.repeat(i % 50)}\n`, labels: [`l${i % 7}`] }));
    for (const [head, items] of [[{ capacity: 2, seed: 1 }, []], [{}, [1, 'two', null]], [{ a: { b: [1] } }, long]] as const) {
      writeJsonWithArray(path, head, 'examples', items);
      assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { ...head, examples: items });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
