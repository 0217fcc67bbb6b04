import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULTS, type BagNorm, type Loss } from '../config.js';
import type { Matrix } from '../model/matrix.js';
import { cloneParams, initParams, tensors, type Params } from '../model/params.js';
import type { Optimizer, Slot } from '../optim/optimizer.js';
import { Sgd } from '../optim/sgd.js';
import { Rng } from '../util/rng.js';
import { stepContext } from './context.js';
import { learnExample } from './step.js';

/** Records the gradient c * v handed to the optimizer, per tensor element, without changing anything. */
class GradientCapture implements Optimizer {
  readonly name = 'sgd' as const;
  readonly grads = new Map<Matrix, Float64Array>();
  stepRow(_slot: Slot, m: Matrix, row: number, c: number, v: Float32Array): void {
    let g = this.grads.get(m);
    if (!g) this.grads.set(m, (g = new Float64Array(m.size)));
    for (let d = 0; d < m.cols; d++) g[row * m.cols + d] += c * v[d];
  }
  tick(): void {}
  fit(): void {}
  state(): null {
    return null;
  }
}

/** A plain per-row SGD that goes through the generic path (not the fused kernels). */
class SlowSgd extends GradientCapture {
  override stepRow(slot: Slot, m: Matrix, row: number, c: number, v: Float32Array, lr = 0): void {
    for (let d = 0; d < m.cols; d++) m.data[row * m.cols + d] -= lr * c * v[d];
    void slot;
  }
}

const rows = Int32Array.from([0, 3, 3, 5, 7]);

function setup(hidden: number, seed = 3): Params {
  const p = initParams({ inputRows: 8, dim: 6, hidden, labels: 4 }, new Rng(seed));
  // A non-zero output layer, so every path carries gradient.
  const rng = new Rng(seed + 1);
  for (const [, m] of tensors(p)) for (let i = 0; i < m.data.length; i++) m.data[i] = rng.uniform(-0.8, 0.8);
  return p;
}

function lossAt(p: Params, loss: Loss, labels: Int32Array, bagNorm: BagNorm = 'mean'): number {
  const ctx = stepContext(p, { ...DEFAULTS, loss, bagNorm }, new GradientCapture(), 1);
  return learnExample(ctx, rows, 0, rows.length, labels, 0, labels.length, 1, 0);
}

// (the rows repeat row 3, so the l2 bag's count norm differs from sqrt(n))
const cases: { loss: Loss; hidden: number; labels: number[]; bagNorm?: BagNorm }[] = [
  { loss: 'softmax', hidden: 0, labels: [2] },
  { loss: 'softmax', hidden: 0, labels: [1, 3] },
  { loss: 'softmax', hidden: 5, labels: [0] },
  { loss: 'ova', hidden: 0, labels: [1, 2] },
  { loss: 'ova', hidden: 5, labels: [3] },
  { loss: 'softmax', hidden: 0, labels: [2], bagNorm: 'sqrt' },
  { loss: 'ova', hidden: 5, labels: [1], bagNorm: 'l2' },
];

for (const { loss, hidden, labels: labelList, bagNorm = 'mean' } of cases) {
  test(`gradient matches finite differences: ${loss}, hidden ${hidden}, labels ${labelList.join('+')}, bag ${bagNorm}`, () => {
    const p = setup(hidden);
    const labels = Int32Array.from(labelList);
    const capture = new GradientCapture();
    learnExample(stepContext(p, { ...DEFAULTS, loss, bagNorm }, capture, 1), rows, 0, rows.length, labels, 0, labels.length, 1, 0);
    const eps = 1e-2;
    let checked = 0;
    for (const [name, m] of tensors(p)) {
      const analytic = capture.grads.get(m) ?? new Float64Array(m.size);
      for (let i = 0; i < m.size; i++) {
        const saved = m.data[i];
        m.data[i] = saved + eps;
        const up = lossAt(p, loss, labels, bagNorm);
        m.data[i] = saved - eps;
        const down = lossAt(p, loss, labels, bagNorm);
        m.data[i] = saved;
        const numeric = (up - down) / (2 * eps);
        const tolerance = 2e-3 + 2e-2 * Math.abs(numeric);
        assert.ok(Math.abs(numeric - analytic[i]) <= tolerance, `${name}[${i}]: numeric ${numeric} vs analytic ${analytic[i]}`);
        checked++;
      }
    }
    assert.ok(checked > 40);
  });
}

test('the fused SGD kernels step exactly like the generic per-row path', () => {
  for (const hidden of [0, 5]) {
    const a = setup(hidden);
    const b = cloneParams(a);
    const labels = Int32Array.from([1]);
    const cfg = { ...DEFAULTS };
    for (let r = 0; r < 3; r++) {
      learnExample(stepContext(a, cfg, new Sgd(), 1), rows, 0, rows.length, labels, 0, 1, 1, 0.1);
      learnExample(stepContext(b, cfg, new SlowSgd(), 1), rows, 0, rows.length, labels, 0, 1, 1, 0.1);
    }
    tensors(a).forEach(([name, m], t) => {
      const other = tensors(b)[t][1];
      for (let i = 0; i < m.size; i++) assert.ok(Math.abs(m.data[i] - other.data[i]) < 1e-5, `${name}[${i}] differs`);
    });
  }
});

test('a training step lowers the loss on its example', () => {
  const p = setup(5);
  const labels = Int32Array.from([2]);
  const before = lossAt(p, 'softmax', labels);
  learnExample(stepContext(p, DEFAULTS, new Sgd(), 1), rows, 0, rows.length, labels, 0, 1, 1, 0.1);
  assert.ok(lossAt(p, 'softmax', labels) < before);
});

test('frozen tensors do not change and masked rows stay put', () => {
  const p = setup(5);
  const before = cloneParams(p);
  const mask = new Uint8Array(8);
  mask[3] = 1;
  const ctx = { ...stepContext(p, DEFAULTS, new Sgd(), 1), selection: { input: mask, hidden: false, output: false } };
  learnExample(ctx, rows, 0, rows.length, Int32Array.from([1]), 0, 1, 1, 0.5);
  assert.deepEqual(p.output.data, before.output.data);
  assert.deepEqual(p.hidden!.weight.data, before.hidden!.weight.data);
  assert.deepEqual(p.hidden!.bias.data, before.hidden!.bias.data);
  for (let r = 0; r < 8; r++) {
    const changed = p.input.row(r).some((v, d) => v !== before.input.row(r)[d]);
    assert.equal(changed, r === 3, `input row ${r}`);
  }
});

test('weightDecay shrinks only the rows a step touches (lazy L2): untouched input rows stay bit for bit', () => {
  const plain = setup(0);
  const decayed = cloneParams(plain);
  const labels = Int32Array.from([2]);
  learnExample(stepContext(plain, DEFAULTS, new Sgd(), 1), rows, 0, rows.length, labels, 0, 1, 1, 0.1);
  learnExample(stepContext(decayed, { ...DEFAULTS, weightDecay: 0.5 }, new Sgd(), 1), rows, 0, rows.length, labels, 0, 1, 1, 0.1);
  const cols = plain.input.cols;
  for (let r = 0; r < plain.input.rows; r++) {
    const a = plain.input.data.subarray(r * cols, (r + 1) * cols);
    const b = decayed.input.data.subarray(r * cols, (r + 1) * cols);
    if (rows.includes(r)) {
      // Row 3 occurs twice: it shrinks twice, by (1 - 0.1 x 0.5) each time.
      const keep = (1 - 0.05) ** rows.filter((x) => x === r).length;
      for (let d = 0; d < cols; d++) assert.ok(Math.abs(b[d] - a[d] * keep) < 1e-5, `row ${r}`);
    } else assert.deepEqual(b, a, `untouched row ${r}`);
  }
  for (let i = 0; i < plain.output.data.length; i++) assert.ok(Math.abs(decayed.output.data[i] - plain.output.data[i] * 0.95) < 1e-5);
});
