import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOSSES, type Loss } from '../../config.js';
import { createLoss } from './loss.js';

test('createLoss makes every loss Config allows, named as asked, and refuses any other name naming the valid ones', () => {
  for (const name of LOSSES) assert.equal(createLoss(name).name, name);
  assert.throws(() => createLoss('hs' as Loss), /unknown loss "hs": one of softmax, ova/);
});

test('softmax probabilities sum to 1 and its labels exclude one another; ova scores each label alone', () => {
  const scores = () => Float32Array.from([2, -1, 0.5]);
  const soft = scores();
  createLoss('softmax').probabilities(soft, 3, false);
  assert.ok(Math.abs(soft.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  const ova = scores();
  createLoss('ova').probabilities(ova, 3, false);
  assert.deepEqual([...ova].map((p) => Number(p.toFixed(4))), [0.8808, 0.2689, 0.6225]);
  assert.equal(createLoss('softmax').exclusive, true);
  assert.equal(createLoss('ova').exclusive, false);
});

test('the gradient is probability minus target: softmax shares the target among gold labels, ova gives each 1', () => {
  const probs = Float32Array.from([0.5, 0.25, 0.25]);
  const labels = Int32Array.from([0, 2]);
  const coef = new Float32Array(3);
  const softLoss = createLoss('softmax').gradient(probs, coef, 3, labels, 0, 2);
  assert.deepEqual([...coef], [0, 0.25, -0.25]);
  assert.ok(Math.abs(softLoss - -(0.5 * Math.log(0.5) + 0.5 * Math.log(0.25))) < 1e-6);
  createLoss('ova').gradient(probs, coef, 3, labels, 0, 2);
  assert.deepEqual([...coef], [-0.5, 0.25, -0.75]);
});

test('hinge: a label past its margin (gold scored over 1, other under -1) gets no gradient; the rest get -1 (gold) or +1', () => {
  const hinge = createLoss('hinge');
  assert.equal(hinge.exclusive, false);
  // Scores 2 (gold, past the margin), 0.5 (gold, inside), -0.5 (other, inside), -3 (other, past).
  const probs = Float32Array.from([2, 0.5, -0.5, -3]);
  hinge.probabilities(probs, 4, false);
  const coef = new Float32Array(4);
  const value = hinge.gradient(probs, coef, 4, Int32Array.from([0, 1]), 0, 2);
  assert.deepEqual([...coef], [0, -1, 1, 0]);
  assert.ok(Math.abs(value - (0.5 + 0.5)) < 1e-5, `loss ${value}`);
});
