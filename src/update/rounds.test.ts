/** RoundPicker: which round an update keeps, and when patience ends the loop. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundPicker, scoreNoise } from './rounds.js';

function run(scores: number[], patience: number, tolerance = 0.005): { kept: number; ran: number } {
  const picker = new RoundPicker(patience, tolerance);
  let ran = 0;
  for (const [i, score] of scores.entries()) {
    ran++;
    if (picker.offer(i + 1, score).stop) break;
  }
  return { kept: picker.kept, ran };
}

test('the best round is kept; a clearly worse later round is not', () => {
  assert.deepEqual(run([0.6, 0.7, 0.8, 0.7, 0.6], 5), { kept: 3, ran: 5 });
});

test('a later round within the tolerance (here half a point) of the best is kept instead of the earlier best (a tie is noise)', () => {
  assert.deepEqual(run([0.689, 0.75, 0.737, 0.75], 2), { kept: 4, ran: 4 });
  assert.deepEqual(run([0.7, 0.8, 0.796], 5), { kept: 3, ran: 3 });
  assert.deepEqual(run([0.7, 0.8, 0.79], 5), { kept: 2, ran: 3 });
});

test('patience counts rounds since the best score last rose, ties included', () => {
  assert.deepEqual(run([0.5, 0.5, 0.5, 0.5], 2), { kept: 3, ran: 3 });
  assert.deepEqual(run([0.5, 0.6, 0.4, 0.4, 0.9], 2), { kept: 2, ran: 4 });
  assert.deepEqual(run([0.5, 0.6, 0.7], 1), { kept: 3, ran: 3 });
});

test('without a tolerance (validation on the training examples) ties go to the earlier round', () => {
  assert.deepEqual(run([0.9, 0.9, 0.9], 2, 0), { kept: 1, ran: 3 });
  assert.deepEqual(run([0.689, 0.75, 0.737, 0.75], 2, 0), { kept: 2, ran: 4 });
  assert.deepEqual(run([0.5, 0.6, 0.7], 1, 0), { kept: 3, ran: 3 });
});

test('the tolerance is the standard error of the score at worst: 2.6 points on 1,000 new and 100 guard examples', () => {
  assert.ok(Math.abs(scoreNoise(1000, 100) - 0.5 * Math.sqrt(0.25 / 1000 + 0.25 / 100)) < 1e-12);
  assert.ok(Math.abs(scoreNoise(1000, 100) - 0.0262) < 1e-4);
  // Without a guard the score is the new data's accuracy alone.
  assert.ok(Math.abs(scoreNoise(400, 0) - 0.025) < 1e-12);
  // More examples, less noise; none at all, none.
  assert.ok(scoreNoise(10_000, 1000) < scoreNoise(1000, 100));
  assert.equal(scoreNoise(0, 0), 0);
  // At that tolerance a later round 2 points below the best is still kept; 3 points below is not.
  assert.deepEqual(run([0.6, 0.65, 0.63], 5, scoreNoise(1000, 100)), { kept: 3, ran: 3 });
  assert.deepEqual(run([0.6, 0.65, 0.62], 5, scoreNoise(1000, 100)), { kept: 2, ran: 3 });
});
