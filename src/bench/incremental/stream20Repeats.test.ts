import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ParadigmRun, StepCost } from '../../compare/paradigms.js';
import { mediansOf, RepeatsDivergedError } from './stream20Repeats.js';

const step = (task: number, ms: number, cpuMs: number, accepted = true): StepCost => ({ task, ms, cpuMs, examples: 1, paramsChanged: 1, accepted, bytes: 0 });
const run = (ms: number[], cpu: number[], accepted = ms.map(() => true), R = [[0.5, 0.25], [0.5, 0.75]]): ParadigmRun => ({ paradigm: 'p', R, costs: ms.map((m, i) => step(i, m, cpu[i], accepted[i])), modelBytes: 4 });

test('mediansOf: the median per task of wall and CPU time, and every run kept', () => {
  const c = mediansOf([run([10, 30], [11, 33]), run([20, 10], [22, 11]), run([30, 20], [33, 22])]);
  assert.deepEqual(c.ms, [20, 20]);
  assert.deepEqual(c.cpuMs, [22, 22]);
  assert.deepEqual(c.msRuns, [[10, 30], [20, 10], [30, 20]]);
  assert.deepEqual(mediansOf([run([4, 8], [5, 9])]).ms, [4, 8]);
});

test('mediansOf: refuses repeats that decided or scored differently', () => {
  assert.throws(() => mediansOf([run([1, 2], [1, 2]), run([1, 2], [1, 2], [true, false])]), (e: unknown) => e instanceof RepeatsDivergedError && /which updates the gate accepted/.test(e.message));
  assert.throws(() => mediansOf([run([1, 2], [1, 2]), run([1, 2], [1, 2], undefined, [[0.5, 0.25], [0.5, 0.5]])]), /accuracy matrices/);
  assert.throws(() => mediansOf([]), RangeError);
});
