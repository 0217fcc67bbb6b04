/** writeJsonWithArray writes what JSON.stringify would, in pieces and in ASCII. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asciiJson, writeJsonWithArray } from './jsonFile.js';

test('writeJsonWithArray: the same value as one JSON.stringify, for empty, small and multi-piece arrays', () => {
  const dir = mkdtempSync(join(tmpdir(), 'accrete-json-'));
  try {
    const path = join(dir, 'x.json');
    const long = Array.from({ length: 3000 }, (_, i) => ({ text: `example "${i}" ${'ü'.repeat(i % 50)}\n`, labels: [`l${i % 7}`] }));
    for (const [head, items] of [[{ capacity: 2, seed: 1 }, []], [{}, [1, 'two', null]], [{ a: { b: [1] } }, long]] as const) {
      writeJsonWithArray(path, head, 'examples', items);
      const bytes = readFileSync(path);
      assert.deepEqual(JSON.parse(bytes.toString('utf8')), { ...head, examples: items });
      assert.ok(bytes.every((b) => b < 0x80), 'ASCII only');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('asciiJson: the same value as JSON.stringify, in ASCII, for accents, CJK, emoji (surrogate pairs), lone surrogates and DEL', () => {
  for (const value of ['plain', 'café ü', '中文 text', 'emoji 😀 and 🇫🇷', 'lone \ud800 surrogate', 'del \u007f', { text: 'ß', labels: ['ë'] }, [1, null, 'ñ'], null, 3]) {
    const json = asciiJson(value);
    assert.deepEqual(JSON.parse(json), value);
    assert.ok(/^[\x00-\x7f]*$/.test(json), json);
  }
  assert.equal(asciiJson('é'), '"\\u00e9"');
  assert.equal(asciiJson(undefined), undefined);
});
