import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsAccumulator, NONE, type Metrics } from './metrics.js';

function metricsOf(cases: Array<[string[], string[]]>, labels: string[] = []): Metrics {
  const acc = new MetricsAccumulator(labels);
  for (const [gold, predicted] of cases) acc.update(gold, predicted);
  return acc.get();
}

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} != ${expected}`);

test('single label, one prediction: the usual confusion matrix, abstentions in column (none)', () => {
  const m = metricsOf([
    [['a'], ['a']],
    [['a'], ['b']],
    [['b'], ['b']],
    [['b'], []],
  ], ['a', 'b']);
  assert.equal(m.accuracy, 0.5);
  assert.deepEqual(m.confusion, { labels: ['a', 'b', NONE], matrix: [[1, 1, 0], [0, 1, 1], [0, 0, 0]] });
});

test('multi-label, worked by hand: the matrix is the per-label TP/FP/FN, accuracy is precision at 1', () => {
  // gold -> predicted (best first); what each example puts where:
  const m = metricsOf([
    [['a', 'b'], ['a', 'b']], // 1: a-a, b-b
    [['a', 'b'], ['b']], //      2: b-b; a missed -> a-(none)
    [['a'], ['b', 'a']], //      3: a-a; b in excess -> (none)-b; top b is wrong
    [['c'], ['a']], //           4: c-a
    [['b', 'c'], ['a', 'c']], // 5: c-c; b missed, a wrong -> b-a
    [['a', 'c'], []], //         6: a-(none), c-(none)
    [['b', 'a'], ['c']], //      7: missed b, a in gold order, wrong c: b-c, a-(none)
  ]);
  // TP a 2 (1, 3), b 2 (1, 2), c 1 (5); FP a 2 (4, 5), b 1 (3), c 1 (7); FN a 3 (2, 6, 7), b 2 (5, 7), c 2 (4, 6).
  assert.deepEqual(m.confusion, {
    labels: ['a', 'b', 'c', NONE],
    matrix: [
      [2, 0, 0, 3],
      [1, 2, 1, 0],
      [1, 0, 1, 1],
      [0, 1, 0, 0],
    ],
  });
  const expected = {
    a: { precision: 2 / 4, recall: 2 / 5, f1: 4 / 9, support: 5 },
    b: { precision: 2 / 3, recall: 2 / 4, f1: 4 / 7, support: 4 },
    c: { precision: 1 / 2, recall: 1 / 3, f1: 2 / 5, support: 3 },
  };
  assert.deepEqual(m.perLabel.map((l) => l.label), ['a', 'b', 'c']);
  for (const l of m.perLabel) {
    const e = expected[l.label as keyof typeof expected];
    assert.equal(l.support, e.support, `${l.label} support`);
    for (const key of ['precision', 'recall', 'f1'] as const) close(l[key], e[key], `${l.label} ${key}`);
  }
  close(m.macroF1, (4 / 9 + 4 / 7 + 2 / 5) / 3, 'macro-F1');
  close(m.accuracy, 2 / 7, 'accuracy (top prediction gold in 1 and 2 only)');
  assert.equal(m.n, 7);
});

test('multi-label predictions all right, in any order: precision, recall and F1 1, and nothing off the diagonal', () => {
  // The reported case: two gold labels, both predicted, the second gold label first.
  const m = metricsOf([
    [['fruit', 'color'], ['color', 'fruit']],
    [['fruit', 'color'], ['fruit', 'color']],
    [['fruit'], ['fruit']],
  ], ['fruit', 'color']);
  assert.deepEqual(m.confusion, { labels: ['fruit', 'color'], matrix: [[3, 0], [0, 2]] });
  for (const l of m.perLabel) assert.deepEqual([l.precision, l.recall, l.f1], [1, 1, 1], l.label);
  assert.equal(m.accuracy, 1);
});
