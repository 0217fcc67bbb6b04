/**
 * Selections decide which parameters an update may change: for each one, a single round on
 * WordNet data (with a label the parent never saw), then a diff of every tensor against the parent.
 * Each case checks both sides: the selected parameters did change, and nothing else did.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { readDataset, type Example } from '../data/read.js';
import { train } from '../learn/train.js';
import type { TextClassifier } from '../model/classifier.js';
import type { Matrix } from '../model/matrix.js';
import { tensors } from '../model/params.js';
import { ReplayBuffer } from '../forgetting/replay.js';
import { buildMemory, featurize, markSeen, type ContinualMemory } from './memory.js';
import { parseSelection, formatSelection, type ReplayInput } from './selection.js';
import { REPLAY_INPUT, update } from './update.js';

const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));
const SMALL: Partial<Config> = { dim: 16, bucket: 20000, epoch: 10, lr: 0.5, wordNgrams: 2, seed: 1, thread: 1 };
const NEW_LABEL = 'noun.food';

let parents: { name: string; model: TextClassifier; memory: ContinualMemory }[];
let newData: Example[];
let valid: Example[];

before(async () => {
  const all = (await readDataset(corpus('wordnet5.train.txt'))).examples;
  const old = all.slice(0, 1000).filter((e) => e.labels[0] !== NEW_LABEL);
  newData = all.slice(1000, 1300);
  valid = (await readDataset(corpus('wordnet5.test.txt'))).examples.slice(0, 150);
  parents = [];
  for (const [name, options] of [['no hidden layer', {}], ['hidden layer', { hidden: 16, lr: 0.2, epoch: 20 }]] as const) {
    const { model } = await train(old, { ...SMALL, ...options });
    const seen = markSeen(null, model.params.input.rows, featurize(model, old));
    parents.push({ name, model, memory: buildMemory(model, old, { capacity: 300, seed: 1, seen }) });
  }
});

/** A copy of a memory, so that each update starts from the same one. */
function copyMemory(m: ContinualMemory): ContinualMemory {
  return { replay: ReplayBuffer.fromState(structuredClone(m.replay.toState())), fisher: m.fisher, seen: m.seen ? m.seen.slice() : null };
}

/** Old rows (below the parent's row count) whose bytes differ from the parent's. */
function changedRows(before: Matrix, after: Matrix): number[] {
  const out: number[] = [];
  for (let r = 0; r < before.rows; r++) {
    const a = before.row(r);
    const b = after.row(r);
    for (let d = 0; d < a.length; d++) {
      if (!Object.is(a[d], b[d])) {
        out.push(r);
        break;
      }
    }
  }
  return out;
}

interface Diff {
  input: number[];
  hidden: number;
  output: number[];
  /** Grown output rows (new labels) that are not zero: imprinted at growth, and possibly trained since. */
  trainedNewOutputRows: number;
  inputRowsBefore: number;
  /** Distinct input rows of the new data, with the grown vocabulary. */
  touched: Set<number>;
}

/**
 * What one round of `select` changes on a copy of parent `which`. The diff is taken when the round
 * reports (onRound), before the update keeps or undoes it: selections are about what a round may
 * touch, whatever the gate then decides.
 */
function oneRound(which: number, select: string, replayInput: ReplayInput = REPLAY_INPUT): Diff {
  const { model: parent, memory } = parents[which];
  const model = parent.clone();
  let diff: Diff | null = null;
  const decision = update(model, newData, {
    select,
    rounds: 1,
    patience: 1,
    maxDrop: 1,
    labelTolerance: 1,
    memory: copyMemory(memory),
    valid,
    seed: 1,
    replayInput,
    onRound: () => (diff = diffOf(parent, model)),
  });
  assert.equal(decision.report.rounds.length, 1);
  assert.equal(decision.report.selection, formatSelection(parseSelection(select)));
  assert.ok(diff, 'onRound was called');
  return diff;
}

function diffOf(parent: TextClassifier, model: TextClassifier): Diff {
  const p = parent.params;
  const q = model.params;
  const out = q.output;
  let trainedNewOutputRows = 0;
  for (let r = p.output.rows; r < out.rows; r++) if (out.row(r).some((v) => v !== 0)) trainedNewOutputRows++;
  const hidden = p.hidden && q.hidden ? changedRows(p.hidden.weight, q.hidden.weight).length + changedRows(p.hidden.bias, q.hidden.bias).length : 0;
  const data = featurize(model, newData);
  return { input: changedRows(p.input, q.input), hidden, output: changedRows(p.output, out), trainedNewOutputRows, inputRowsBefore: p.input.rows, touched: new Set(data.rows) };
}

const subsetOf = (rows: number[], set: Set<number>) => rows.filter((r) => !set.has(r));

test('setup: the parents do not know the new label, and the new data has it', () => {
  for (const { model } of parents) assert.equal(model.vocab.labelId(NEW_LABEL), -1);
  assert.ok(newData.some((e) => e.labels[0] === NEW_LABEL));
});

for (const which of [0, 1]) {
  const name = () => parents[which].name;

  test(`all (${which ? 'hidden layer' : 'no hidden layer'}): input, hidden and output rows change, the new label's row is trained`, () => {
    const d = oneRound(which, 'all');
    assert.ok(d.input.length > 0 && d.output.length > 0, name());
    assert.equal(d.trainedNewOutputRows, 1);
    if (which === 1) assert.ok(d.hidden > 0, 'hidden layer changed');
  });

  test(`replayInput (${which ? 'hidden layer' : 'no hidden layer'}): 'shared' (the default) changes only input rows the new data touches; 'all' also replayed examples' own rows`, () => {
    assert.equal(REPLAY_INPUT, 'shared');
    const shared = oneRound(which, 'all');
    assert.ok(shared.input.length > 0, 'input rows changed');
    assert.deepEqual(subsetOf(shared.input, shared.touched), [], 'no input row outside the new data changed');
    const all = oneRound(which, 'all', 'all');
    // (else this test checks nothing: replay must touch rows of its own for 'shared' to matter)
    assert.ok(subsetOf(all.input, all.touched).length > 0, "with 'all', replayed examples change rows of their own");
  });

  test(`head (${which ? 'hidden layer' : 'no hidden layer'}): only the output layer changes`, () => {
    const d = oneRound(which, 'head');
    assert.deepEqual(d.input, [], 'no input row changed');
    assert.equal(d.hidden, 0, 'hidden layer unchanged');
    assert.ok(d.output.length > 0, 'old output rows changed');
    assert.equal(d.trainedNewOutputRows, 1);
  });

  test(`new-rows (${which ? 'hidden layer' : 'no hidden layer'}): only rows of the new label and never-seen input rows change`, () => {
    const d = oneRound(which, 'new-rows');
    const seen = parents[which].memory.seen!;
    assert.deepEqual(d.output, [], 'old label rows unchanged');
    assert.equal(d.trainedNewOutputRows, 1, 'the new label row is trained');
    assert.equal(d.hidden, 0, 'hidden layer unchanged');
    assert.ok(d.input.length > 0, 'some never-seen hashed rows were trained');
    assert.deepEqual(d.input.filter((r) => seen[r] === 1), [], 'no row the parent was trained on changed');
    assert.deepEqual(subsetOf(d.input, d.touched), [], 'only rows of the new data');
  });

  test(`layerwise round 1 (${which ? 'hidden layer' : 'no hidden layer'}): the output layer only`, () => {
    const d = oneRound(which, 'layerwise');
    assert.deepEqual(d.input, []);
    assert.equal(d.hidden, 0);
    assert.ok(d.output.length > 0);
    assert.equal(d.trainedNewOutputRows, 1);
  });

  test(`topk-grad:0.2 (${which ? 'hidden layer' : 'no hidden layer'}): at most 20% of the new data's rows, and of the output rows`, () => {
    const d = oneRound(which, 'topk-grad:0.2');
    assert.ok(d.input.length > 0);
    assert.deepEqual(subsetOf(d.input, d.touched), [], 'only rows of the new data');
    assert.ok(d.input.length <= Math.ceil(0.2 * d.touched.size), `${d.input.length} input rows changed of ${d.touched.size} touched`);
    const outputRows = parents[which].model.params.output.rows + 1;
    // The new label's row is imprinted at growth whatever the selection, so only old rows are counted.
    assert.ok(d.output.length <= Math.ceil(0.2 * outputRows), `${d.output.length} old output rows changed`);
    const all = oneRound(which, 'all');
    assert.ok(d.input.length < all.input.length / 3, `topk-grad changed ${d.input.length} rows, all ${all.input.length}`);
  });

  test(`low-fisher:0.5 (${which ? 'hidden layer' : 'no hidden layer'}): only the half of the new data's rows least important to old examples`, () => {
    const d = oneRound(which, 'low-fisher:0.5');
    const fisher = parents[which].memory.fisher!;
    const f = (r: number) => (r < fisher.input.length ? fisher.input[r] : 0);
    // The documented rule: lowest Fisher first, ties broken by the lower row.
    const ranked = [...d.touched].sort((a, b) => f(a) - f(b) || a - b);
    const allowed = new Set(ranked.slice(0, Math.ceil(0.5 * ranked.length)));
    assert.ok(d.input.length > 0);
    assert.deepEqual(subsetOf(d.input, allowed), [], 'a row outside the low-Fisher half changed');
    assert.equal(d.hidden, 0, 'hidden layer unchanged');
    const outputRows = parents[which].model.params.output.rows + 1;
    assert.ok(d.output.length + d.trainedNewOutputRows <= Math.ceil(0.5 * outputRows));
    assert.equal(d.trainedNewOutputRows, 1, 'the new label (Fisher 0) is among the selected output rows');
  });
}

test('every tensor of the model is covered by the diffs above', () => {
  assert.deepEqual(tensors(parents[1].model.params).map(([n]) => n), ['input', 'hidden.weight', 'hidden.bias', 'output']);
});
