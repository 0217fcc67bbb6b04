/**
 * EWC (Kirkpatrick et al. 2017): zero penalty and no step at the anchor; away from it, a pull back
 * that is proportional to lambda * F * (theta - anchor), never overshoots, and leaves rows with no
 * Fisher information or no anchor alone. Then in an update: a large lambda keeps the parameters
 * closer to the parent than no EWC does, where old examples need them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../data/read.js';
import { train } from '../learn/train.js';
import { Matrix } from '../model/matrix.js';
import { buildMemory } from '../update/memory.js';
import { update } from '../update/update.js';
import { ewcPenalty, ewcStep, type AnchorLookup } from './ewc.js';

/** A 3x4 matrix with the given rows. */
function matrix(rows: number[][]): Matrix {
  const m = Matrix.zeros(rows.length, rows[0].length);
  rows.forEach((r, i) => m.row(i).set(r));
  return m;
}

/** Anchors: a copy of `m`'s rows now (the values before an update), for the rows listed. */
function anchorsOf(m: Matrix, rows: number[]): AnchorLookup {
  const saved = new Map(rows.map((r) => [r, m.row(r).slice()]));
  return (target, row) => (target === m ? saved.get(row) : undefined);
}

const FISHER = Float32Array.from([0.5, 2, 0]);

test('at the anchor: penalty 0, and a step changes nothing', () => {
  const m = matrix([
    [1, -2, 3, 0.5],
    [0.25, 0, -1, 4],
    [7, 7, 7, 7],
  ]);
  const anchors = anchorsOf(m, [0, 1, 2]);
  const before = m.data.slice();
  assert.equal(ewcPenalty(m, FISHER, anchors, 10), 0);
  for (let r = 0; r < 3; r++) assert.equal(ewcStep(m, r, FISHER, anchors, 10, 0.1), 0);
  assert.deepEqual(m.data, before);
});

test('away from the anchor: the penalty is lambda/2 * F * |theta - anchor|^2 and a step pulls back by lr * lambda * F', () => {
  const m = matrix([
    [1, 1, 1, 1],
    [0, 0, 0, 0],
    [5, 5, 5, 5],
  ]);
  const anchors = anchorsOf(m, [0, 1, 2]);
  m.row(0).set([2, 1, 1, 1]); // diff (1, 0, 0, 0)
  m.row(1).set([0, 3, 0, -4]); // diff (0, 3, 0, -4), |diff|^2 = 25
  m.row(2).set([6, 6, 6, 6]); // Fisher 0: free to move
  const lambda = 4;
  assert.ok(Math.abs(ewcPenalty(m, FISHER, anchors, lambda) - (0.5 * lambda * 0.5 * 1 + 0.5 * lambda * 2 * 25)) < 1e-9);
  const lr = 0.05;
  ewcStep(m, 0, FISHER, anchors, lambda, lr); // rate 0.05 * 4 * 0.5 = 0.1
  assert.ok(Math.abs(m.row(0)[0] - (2 - 0.1 * 1)) < 1e-6, `row 0: ${m.row(0)[0]}`);
  ewcStep(m, 1, FISHER, anchors, lambda, lr); // rate 0.05 * 4 * 2 = 0.4
  assert.deepEqual(Array.from(m.row(1)).map((v) => +v.toFixed(6)), [0, 1.8, 0, -2.4]);
  ewcStep(m, 2, FISHER, anchors, lambda, lr);
  assert.deepEqual(Array.from(m.row(2)), [6, 6, 6, 6], 'no Fisher information: no pull');
  const after = ewcPenalty(m, FISHER, anchors, lambda);
  assert.ok(after < 0.5 * lambda * 0.5 + 0.5 * lambda * 2 * 25, 'the penalty went down');
});

test('a huge lambda lands exactly on the anchor and never overshoots; rows without an anchor are left alone', () => {
  const m = matrix([
    [3, -3, 3, -3],
    [1, 2, 3, 4],
    [0, 0, 0, 0],
  ]);
  const anchors = anchorsOf(m, [0]);
  m.row(0).set([4, -5, 3.5, 0]);
  m.row(1).set([9, 9, 9, 9]);
  ewcStep(m, 0, FISHER, anchors, 1e12, 1);
  assert.deepEqual(Array.from(m.row(0)), [3, -3, 3, -3]);
  assert.equal(ewcStep(m, 1, FISHER, anchors, 1e12, 1), 0);
  assert.deepEqual(Array.from(m.row(1)), [9, 9, 9, 9], 'no anchor: not journaled, not pulled');
  assert.equal(ewcPenalty(m, FISHER, anchors, 1e12), 0);
});

test('in an update, EWC keeps the rows that matter to old examples closer to the parent (Fisher-weighted distance)', async () => {
  const corpus = fileURLToPath(new URL('../../test/fixtures/corpus/wordnet5.train.txt', import.meta.url));
  const all = (await readDataset(corpus)).examples;
  const old = all.slice(0, 600);
  const { model: parent } = await train(old, { dim: 16, bucket: 20000, epoch: 10, lr: 0.5, wordNgrams: 2, seed: 1 });
  /** sum over old rows of F_r * |theta_r - parent_r|^2: the EWC penalty without lambda. */
  const weightedDistance = (ewc: number) => {
    const model = parent.clone();
    const memory = buildMemory(model, old, { capacity: 300, seed: 1 });
    const fisher = memory.fisher!;
    let d = -1;
    const measure = () => {
      d = 0;
      for (const name of ['input', 'output'] as const) {
        const [t, p, f] = [model.params[name], parent.params[name], fisher[name]];
        for (let r = 0; r < p.rows; r++) for (let c = 0; c < p.cols; c++) d += f[r] * (t.data[r * p.cols + c] - p.data[r * p.cols + c]) ** 2;
      }
    };
    // Measured after the first round, before the gate: EWC acts on training, whatever the gate decides.
    update(model, all.slice(600, 1200), { memory, ewc, rounds: 1, patience: 1, onRound: measure });
    return d;
  };
  // Row Fisher values are mean squared gradients per value (1e-7 to 1e-4 here), so lambda must be large.
  const free = weightedDistance(0);
  const held = weightedDistance(1e5);
  assert.ok(free > 0);
  assert.ok(held < free / 4, `Fisher-weighted distance to the parent: EWC ${held}, none ${free}`);
});
