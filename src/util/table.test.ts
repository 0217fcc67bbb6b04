import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMetrics } from '../cli/eval.js';
import { printable } from './printable.js';
import { table } from './table.js';

test('printable: control characters, line separators and lone surrogates become \\uXXXX; the rest stays', () => {
  assert.equal(printable('a\nb\u001b[31mc\u0000\u0085\u2028\ud800'), 'a\\u000Ab\\u001B[31mc\\u0000\\u0085\\u2028\\uD800');
  assert.equal(printable('noun.animal é 😀 \\n'), 'noun.animal é 😀 \\n');
});

test('eval table: a label with a newline or an ANSI escape (from an old model file) is printed escaped, one row a line', () => {
  const evil = 'pos\n\u001b[2Jneg';
  const out = table(['label', 'n'], [[evil, 1], ['ok', 2]]);
  assert.equal(out.split('\n').length, 4);
  assert.ok(!/[\u0000-\u001f]/.test(out.replace(/\n/g, '')), out);
  assert.match(out, /pos\\u000A\\u001B\[2Jneg/);
  const metrics = { n: 1, accuracy: 1, macroF1: 1, perLabel: [{ label: evil, precision: 1, recall: 1, f1: 1, support: 1 }], confusion: { labels: [evil], matrix: [[1]] } };
  const text = formatMetrics(metrics as unknown as Parameters<typeof formatMetrics>[0]);
  assert.ok(!text.includes('\u001b') && !text.includes('pos\n'), text);
});
