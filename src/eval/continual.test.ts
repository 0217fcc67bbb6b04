import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  averageAccuracy,
  backwardTransfer,
  checkMatrix,
  forgetting,
  forwardTransfer,
  learningAccuracy,
  progressiveAccuracy,
  type AccuracyMatrix,
} from './continual.js';

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} is not ${expected}`);
}

function closeAll(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => close(a, expected[i], `${what}[${i}]`));
}

// Rows: after learning task 0, 1, 2. Columns: tasks 0, 1, 2.
const R3: AccuracyMatrix = [
  [0.8, 0.3, 0.2],
  [0.6, 0.9, 0.4],
  [0.5, 0.7, 0.95],
];
const B3 = [0.1, 0.25, 0.15];

test('3x3 by hand', () => {
  // ACC = (0.5 + 0.7 + 0.95) / 3 = 2.15 / 3 = 0.71666...
  close(averageAccuracy(R3), 2.15 / 3, 'ACC');
  // BWT = ((0.5 - 0.8) + (0.7 - 0.9)) / 2 = (-0.3 - 0.2) / 2 = -0.25
  close(backwardTransfer(R3), -0.25, 'BWT');
  // F_0 = max(R00 0.8, R10 0.6) - R20 0.5 = 0.3;  F_1 = max(R11 0.9) - R21 0.7 = 0.2;  mean = 0.25
  const f = forgetting(R3);
  closeAll(f.perTask, [0.3, 0.2], 'F');
  close(f.mean, 0.25, 'mean F');
  // FWT = ((R01 0.3 - b1 0.25) + (R12 0.4 - b2 0.15)) / 2 = (0.05 + 0.25) / 2 = 0.15
  close(forwardTransfer(R3, B3), 0.15, 'FWT');
  // LA = (0.8 + 0.9 + 0.95) / 3 = 2.65 / 3 = 0.88333...
  close(learningAccuracy(R3), 2.65 / 3, 'LA');
});

test('T = 1: BWT, forgetting and FWT are 0', () => {
  const R = [[0.7]];
  close(averageAccuracy(R), 0.7, 'ACC');
  assert.equal(backwardTransfer(R), 0);
  assert.deepEqual(forgetting(R), { perTask: [], mean: 0 });
  assert.equal(forwardTransfer(R, [0.1]), 0);
  close(learningAccuracy(R), 0.7, 'LA');
});

test('forgetting: a tie in the max counts once', () => {
  // F_0 = max(0.7, 0.7) - 0.4 = 0.3;  F_1 = max(0.6) - 0.6 = 0
  const f = forgetting([
    [0.7, 0.0, 0.0],
    [0.7, 0.6, 0.0],
    [0.4, 0.6, 0.9],
  ]);
  closeAll(f.perTask, [0.3, 0], 'F');
  close(f.mean, 0.15, 'mean F');
});

test('forgetting: accuracy measured before a task was learned is not in the max', () => {
  // R01 = 1 was measured before task 1 was learned; F_1 = max over i in [1, 1] = R11 0.6 - R21 0.5 = 0.1, not 0.5.
  const f = forgetting([
    [0.5, 1.0, 0.0],
    [0.5, 0.6, 0.0],
    [0.5, 0.5, 0.5],
  ]);
  closeAll(f.perTask, [0, 0.1], 'F');
});

test('positive backward transfer: BWT > 0 and forgetting is negative, not clipped', () => {
  // BWT = ((0.75 - 0.5) + (0.625 - 0.5)) / 2 = 0.1875
  // F_0 = max(0.5, 0.5) - 0.75 = -0.25;  F_1 = 0.5 - 0.625 = -0.125;  mean = -0.1875
  const R = [
    [0.5, 0.0, 0.0],
    [0.5, 0.5, 0.0],
    [0.75, 0.625, 1.0],
  ];
  close(backwardTransfer(R), 0.1875, 'BWT');
  const f = forgetting(R);
  closeAll(f.perTask, [-0.25, -0.125], 'F');
  close(f.mean, -0.1875, 'mean F');
});

test('progressiveAccuracy: running accuracy, empty stream', () => {
  assert.deepEqual(progressiveAccuracy([]), []);
  assert.deepEqual(progressiveAccuracy([false, true]), [0, 0.5]);
});

const invalid: Array<[string, unknown, RegExp]> = [
  ['empty', [], /empty/],
  ['not an array', 'x', /empty/],
  ['wide row', [[0.5, 0.5]], /square: row 0 has 2 entries, expected 1/],
  ['tall', [[0.5], [0.5]], /square: row 0 has 1 entries, expected 2/],
  ['ragged', [[0.5, 0.5], [0.5]], /square: row 1 has 1 entries, expected 2/],
  ['row not an array', [[0.5, 0.5], 3], /row 1 has no entries/],
  ['NaN', [[NaN]], /R\[0\]\[0\] = NaN is not an accuracy in \[0, 1\]/],
  ['above 1', [[1, 0], [0, 1.5]], /R\[1\]\[1\] = 1.5/],
  ['below 0', [[-0.1]], /R\[0\]\[0\] = -0.1/],
  ['Infinity', [[Infinity]], /Infinity/],
  ['string', [['0.5']], /R\[0\]\[0\] = 0.5 is not/],
];
for (const [name, R, message] of invalid) {
  test(`invalid matrix: ${name}`, () => {
    const m = R as AccuracyMatrix;
    for (const f of [checkMatrix, averageAccuracy, backwardTransfer, forgetting, learningAccuracy]) {
      assert.throws(() => f(m), (e: unknown) => e instanceof RangeError && message.test(e.message));
    }
    assert.throws(() => forwardTransfer(m, [0]), RangeError);
  });
}

test('invalid baseline for forwardTransfer', () => {
  assert.throws(() => forwardTransfer(R3, [0.1, 0.2]), /baseline must have one accuracy per task \(3\), got 2/);
  assert.throws(() => forwardTransfer(R3, [0.1, NaN, 0.2]), /baseline\[1\] = NaN is not an accuracy/);
});

// Mirrors of the TSDoc @example lines.
const R2 = [
  [1, 0.25],
  [0.75, 0.5],
];
test('example: checkMatrix', () => {
  assert.throws(() => checkMatrix([[0.9, 0.1]]), {
    name: 'RangeError',
    message: 'accuracy matrix must be square: row 0 has 2 entries, expected 1',
  });
});
test('example: averageAccuracy', () => assert.equal(averageAccuracy(R2), 0.625));
test('example: backwardTransfer', () => assert.equal(backwardTransfer(R2), -0.25));
test('example: forgetting', () => assert.deepEqual(forgetting(R2), { perTask: [0.25], mean: 0.25 }));
test('example: forwardTransfer', () => assert.equal(forwardTransfer(R2, [0.5, 0.125]), 0.125));
test('example: learningAccuracy', () => assert.equal(learningAccuracy(R2), 0.75));
test('example: progressiveAccuracy', () => {
  assert.deepEqual(progressiveAccuracy([true, false, true, true]), [1, 0.5, 0.6666666666666666, 0.75]);
});
