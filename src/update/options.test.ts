/** update()'s option checks: the ranges `accrete update` enforces, types, and unknown keys. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkUpdateOptions, inRange, UPDATE_RANGES } from './options.js';

test('valid options (and options set to undefined) have no issues', () => {
  assert.deepEqual(checkUpdateOptions(undefined), []);
  assert.deepEqual(checkUpdateOptions({}), []);
  const ok = { select: 'topk-grad:0.1', rounds: 3, patience: 1, budgetMs: 0.5, lr: 0.1, replay: 0, replayRatio: 0.5, ewc: 0, distill: 2, distillWeight: 1, oldRowRate: 0, balance: 0, seed: 0, maxDrop: 1, labelTolerance: 0, minLabelSupport: 0, align: false, gate: true, guard: [], valid: null, memory: null, onRound: () => {}, lr2: undefined };
  assert.deepEqual(checkUpdateOptions(ok), []);
  assert.deepEqual(checkUpdateOptions({ select: { kind: 'low-fisher', fraction: 0.5 } }), []);
});

test('every bad value the review met is an issue naming its option', () => {
  const bad = { rounds: -1, lr: 'abc', budgetMs: -5, maxDrop: 5, labelTolerance: -1, patience: 0, balance: -2, ewc: -1, distill: -1 };
  const issues = checkUpdateOptions(bad);
  assert.equal(issues.length, Object.keys(bad).length, issues.join('\n'));
  for (const key of Object.keys(bad)) assert.ok(issues.some((i) => i.startsWith(`${key} must be `)), key);
  assert.deepEqual(checkUpdateOptions({ lr: -1 }), ['lr must be a positive number, got -1']);
  assert.deepEqual(checkUpdateOptions({ lr: 'abc' }), ['lr must be a positive number, got "abc"']);
});

test('non-integers, NaN, Infinity and null are refused; wrong types of the other options too', () => {
  for (const v of [2.5, NaN, Infinity, null, '3']) assert.equal(checkUpdateOptions({ rounds: v }).length, 1, String(v));
  assert.equal(checkUpdateOptions({ budgetMs: Infinity }).length, 1);
  for (const o of [{ select: 'most' }, { select: 'topk-grad:2' }, { select: { kind: 'all', fraction: 0.1 } }, { select: 3 }, { align: 'no' }, { gate: 0 }, { guard: 'x' }, { valid: {} }, { memory: [] }, { onRound: true }]) {
    const issues = checkUpdateOptions(o);
    assert.equal(issues.length, 1, JSON.stringify(o));
    assert.ok(issues[0].startsWith(`${Object.keys(o)[0]} must be `), issues[0]);
  }
  assert.deepEqual(checkUpdateOptions(5), ['options must be an object, got 5']);
});

test('an unknown option is an issue, with the option it probably meant', () => {
  const [issue] = checkUpdateOptions({ round: 3 });
  assert.match(issue, /^unknown option "round" \(did you mean "rounds"\?\)/);
  assert.match(checkUpdateOptions({ maxdrop: 0.1 })[0], /did you mean "maxDrop"/);
  assert.doesNotMatch(checkUpdateOptions({ verbose: true })[0], /did you mean/);
});

test('the ranges: the bounds the CLI has always enforced', () => {
  assert.ok(inRange(UPDATE_RANGES.rounds, 1) && !inRange(UPDATE_RANGES.rounds, 0));
  assert.ok(!inRange(UPDATE_RANGES.budgetMs, 0) && inRange(UPDATE_RANGES.budgetMs, 1e-3));
  assert.ok(inRange(UPDATE_RANGES.maxDrop, 0) && inRange(UPDATE_RANGES.maxDrop, 1) && !inRange(UPDATE_RANGES.maxDrop, 1.01));
  assert.ok(inRange(UPDATE_RANGES.replay, 0) && !inRange(UPDATE_RANGES.replay, -1) && !inRange(UPDATE_RANGES.seed, 0.5));
});
