/** The diagnosis of a failed job, driven with known faults: environment, single bad events, events that fail only together, the budget. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from './diagnose.js';

const ids = Array.from({ length: 40 }, (_, i) => i + 1);
/** A trial that fails when any of `bad` is in the part. */
const failsWith = (bad: number[]) => (part: readonly number[]) => (part.some((id) => bad.includes(id)) ? `diverged on ${part.filter((id) => bad.includes(id)).join(',')}` : null);

test('a control run that fails too: an environment fault, nothing quarantined, no trial on the events', () => {
  let trials = 0;
  const d = diagnose(ids, () => 'checksum mismatch', () => (trials++, 'x'));
  assert.deepEqual([d.fault, d.control, d.quarantine, trials], ['environment', 'checksum mismatch', [], 0]);
});

test('one bad event among 40: found and quarantined with the error it causes alone, in about 2 log2(40) runs', () => {
  const d = diagnose(ids, () => null, failsWith([27]));
  assert.equal(d.fault, 'data');
  assert.deepEqual(d.quarantine, [{ id: 27, reason: 'diverged on 27' }]);
  assert.ok(d.trials <= 1 + 2 * Math.ceil(Math.log2(40)), `${d.trials} runs`);
  assert.equal(d.incomplete, false);
});

test('several bad events: every one found, none of the good ones', () => {
  const d = diagnose(ids, () => null, failsWith([1, 2, 40]));
  assert.deepEqual(d.quarantine.map((q) => q.id).sort((a, b) => a - b), [1, 2, 40]);
});

test('events that fail only together: nothing is quarantined, and the diagnosis says it is incomplete', () => {
  const together = (part: readonly number[]) => (part.includes(5) && part.includes(35) ? 'diverged' : null);
  const d = diagnose(ids, () => null, together);
  assert.deepEqual([d.fault, d.quarantine, d.incomplete], ['data', [], true]);
});

test('the budget bounds the runs; a job of one event needs a single trial', () => {
  const d = diagnose(ids, () => null, failsWith(ids), 6);
  assert.ok(d.trials <= 6, `${d.trials} runs`);
  assert.equal(d.incomplete, true);
  const one = diagnose([9], () => null, failsWith([9]));
  assert.deepEqual([one.quarantine, one.trials], [[{ id: 9, reason: 'diverged on 9' }], 2]);
});
