/** RoundPicker: which round an update keeps, and when patience ends the loop. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundPicker } from './rounds.js';

function run(scores: number[], patience: number, tolerance?: number): { kept: number; ran: number } {
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

test('a later round within half a point of the best is kept instead of the earlier best (a tie is noise)', () => {
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
