/**
 * update() as a library call, on the WordNet fixtures with tiny models: the gate's decisions, the
 * exact undo of a rejected or failed update, distillation, and the odd inputs a service meets
 * (no data, one piece of feedback, only new labels, a batch ten times the training set).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { readDataset, type Example } from '../data/read.js';
import { ConfigError, DivergenceError } from '../errors.js';
import { evaluate } from '../eval/evaluate.js';
import { train } from '../learn/train.js';
import type { TextClassifier } from '../model/classifier.js';
import { tensors } from '../model/params.js';
import { ReplayBuffer } from '../forgetting/replay.js';
import { Rng } from '../util/rng.js';
import { buildMemory, featurize, markSeen, type ContinualMemory } from './memory.js';
import { BALANCE, defaultBalance, update, type UpdateOptions } from './update.js';

const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));
const SMALL: Partial<Config> = { dim: 16, bucket: 20000, epoch: 10, lr: 0.5, wordNgrams: 2, seed: 1, thread: 1 };
const VARIANTS: [string, Partial<Config>][] = [
  ['sgd, no hidden layer', {}],
  ['hidden layer', { hidden: 16, lr: 0.2, epoch: 20 }],
  ['adam', { optimizer: 'adam', lr: 0.01 }],
];

let trainSet: Example[];
let testSet: Example[];
/** The first 600 training examples: what the parents learned. */
let old: Example[];
/** The next 600: more data of the same labels. */
let more: Example[];
const parents = new Map<string, { model: TextClassifier; memory: ContinualMemory }>();

before(async () => {
  trainSet = (await readDataset(corpus('wordnet5.train.txt'))).examples;
  testSet = (await readDataset(corpus('wordnet5.test.txt'))).examples;
  old = trainSet.slice(0, 600);
  more = trainSet.slice(600, 1200);
  for (const [name, options] of VARIANTS) parents.set(name, await parent(old, options));
});

async function parent(examples: Example[], options: Partial<Config> = {}): Promise<{ model: TextClassifier; memory: ContinualMemory }> {
  const { model } = await train(examples, { ...SMALL, ...options });
  return { model, memory: buildMemory(model, examples, { capacity: 400, seed: 1, seen: markSeen(null, model.params.input.rows, featurize(model, examples)) }) };
}

/** A fresh copy of a parent and of its memory. */
function copyOf(name: string): { model: TextClassifier; memory: ContinualMemory } {
  const p = parents.get(name)!;
  return { model: p.model.clone(), memory: { replay: ReplayBuffer.fromState(structuredClone(p.memory.replay.toState())), fisher: p.memory.fisher, seen: p.memory.seen?.slice() ?? null } };
}

/** Everything an update may change, copied: tensors (bytes), optimizer state, vocabulary. */
function state(m: TextClassifier) {
  const bytes = (a: Float32Array) => Buffer.from(a.slice().buffer);
  return {
    tensors: tensors(m.params).map(([name, t]) => ({ name, rows: t.rows, cols: t.cols, data: bytes(t.data) })),
    optimizer: m.optimizerState
      ? { step: m.optimizerState.step, moments: [...m.optimizerState.first, ...m.optimizerState.second].map((t) => (t ? { rows: t.rows, data: bytes(t.data) } : null)) }
      : null,
    vocab: structuredClone(m.vocab.toJSON()),
    labels: [...m.labels],
    info: structuredClone(m.info),
  };
}

function assertSameState(a: ReturnType<typeof state>, b: ReturnType<typeof state>, what: string): void {
  assert.deepEqual(b.vocab, a.vocab, `${what}: vocabulary`);
  assert.deepEqual(b.labels, a.labels, `${what}: labels`);
  assert.deepEqual(b.info, a.info, `${what}: info`);
  assert.equal(b.tensors.length, a.tensors.length);
  a.tensors.forEach((t, i) => {
    assert.deepEqual([b.tensors[i].name, b.tensors[i].rows, b.tensors[i].cols], [t.name, t.rows, t.cols], `${what}: ${t.name} shape`);
    assert.ok(b.tensors[i].data.equals(t.data), `${what}: ${t.name} values differ`);
  });
  assert.equal(b.optimizer?.step, a.optimizer?.step, `${what}: optimizer step`);
  a.optimizer?.moments.forEach((m, i) => {
    const n = b.optimizer!.moments[i];
    assert.ok(m === null ? n === null : n !== null && n.rows === m.rows && n.data.equals(m.data), `${what}: optimizer moment ${i} differs`);
  });
}

/** The same texts, with their labels shuffled among them. */
function poison(examples: Example[], seed = 3): Example[] {
  const labels = new Rng(seed).shuffle(examples.map((e) => e.labels));
  return examples.map((e, i) => ({ text: e.text, labels: labels[i] }));
}

const agreement = (a: string[], b: string[]) => a.filter((x, i) => x === b[i]).length / a.length;
const top1 = (m: TextClassifier, examples: Example[]) => examples.map((e) => m.predict(e.text)[0]?.label ?? '');

test('the gate accepts more data of known labels (explicit guard set): better on held-out data', () => {
  const { model, memory } = copyOf('sgd, no hidden layer');
  const guard = testSet.slice(0, 250);
  const heldOut = testSet.slice(250);
  const before = evaluate(model, heldOut).accuracy;
  const d = update(model, more, { memory, guard });
  assert.ok(d.accepted, d.accepted ? '' : d.reasons.map((r) => r.message).join('; '));
  assert.deepEqual(d.report.reasons, []);
  assert.deepEqual(d.reasons, [], 'an accepted decision has reasons too: an empty array');
  assert.ok(d.report.after.fresh.accuracy > d.report.before.fresh.accuracy, 'new-data accuracy rose');
  assert.ok(d.report.after.guard!.accuracy >= d.report.before.guard!.accuracy - 0.01);
  const after = evaluate(model, heldOut).accuracy;
  assert.ok(after > before, `held-out accuracy ${before} -> ${after}`);
  assert.equal(d.report.data.new, 600);
  assert.ok(d.report.examplesProcessed > 0 && d.report.wallMs > 0);
  assert.equal((model.info.lineage as { depth: number }).depth, 1);
  // Where the time went: every phase timed, the rounds (which train) a share of it, the sum no more than the wall time.
  const phases = d.phaseMs!;
  assert.deepEqual(Object.keys(phases), ['plan', 'measure', 'rounds', 'judge', 'commit']);
  assert.ok(Object.values(phases).every((ms) => ms >= 0) && phases.rounds > 0, JSON.stringify(phases));
  const sum = Object.values(phases).reduce((a, b) => a + b, 0);
  assert.ok(sum <= d.report.wallMs + 1 && sum >= d.report.wallMs * 0.9, `${sum} vs wallMs ${d.report.wallMs}`);
});

for (const [name] of VARIANTS) {
  test(`a poisoned update (${name}) is rejected with reasons, and the model is exactly as before`, () => {
    const { model, memory } = copyOf(name);
    const before = state(model);
    const replayBefore = structuredClone(memory.replay.toState());
    const d = update(model, poison(more), { memory });
    assert.equal(d.accepted, false);
    assert.ok(!d.accepted && d.reasons.length > 0);
    for (const r of d.report.reasons) assert.ok(r.code && r.message, JSON.stringify(r));
    assertSameState(before, state(model), name);
    assert.deepEqual(memory.replay.toState(), replayBefore, 'the memory is untouched');
  });
}

test('empty new data: rejected with reason no-data, nothing changed', () => {
  const { model, memory } = copyOf('sgd, no hidden layer');
  const before = state(model);
  const d = update(model, [], { memory });
  assert.equal(d.accepted, false);
  assert.deepEqual(d.report.reasons.map((r) => r.code), ['no-data']);
  assertSameState(before, state(model), 'empty update');
});

test('{ text, label } examples, guard and validation sets (design.md) update exactly as their { text, labels } form', () => {
  const single = (examples: Example[]) => examples.map(({ text, labels }) => ({ text, label: labels[0] }));
  const batch = more.slice(0, 100);
  const guard = testSet.slice(0, 100);
  const valid = testSet.slice(100, 150);
  assert.ok([...batch, ...guard, ...valid].every((e) => e.labels.length === 1));
  const a = copyOf('sgd, no hidden layer');
  const b = copyOf('sgd, no hidden layer');
  // (gate off: both are kept, so the trained values are compared, not the parent's)
  const da = update(a.model, batch, { memory: a.memory, guard, valid, gate: false });
  const db = update(b.model, single(batch), { memory: b.memory, guard: single(guard), valid: single(valid), gate: false });
  assert.ok(da.accepted && db.accepted);
  assert.deepEqual(db.report.after, da.report.after);
  assert.deepEqual(db.report.data, da.report.data);
  const [sa, sb] = [state(a.model), state(b.model)];
  sa.info = sb.info = {}; // (the lineage holds the time of the update)
  assertSameState(sa, sb, 'label form');
  assert.deepEqual(b.memory.replay.toState(), a.memory.replay.toState(), 'the memory keeps the labels form');
});

test('a malformed example, guard or validation example is refused before anything changes (BAD_DATA, naming its index)', () => {
  const { model, memory } = copyOf('sgd, no hidden layer');
  const before = state(model);
  const replayBefore = structuredClone(memory.replay.toState());
  const bad = { text: 'x', label: ' ' };
  assert.throws(() => update(model, [...more.slice(0, 5), bad], { memory }), { name: 'AccreteError', code: 'BAD_DATA', message: /^update: examples\[5\]: "label" is empty$/ });
  assert.throws(() => update(model, more.slice(0, 5), { memory, guard: [bad] }), { code: 'BAD_DATA', message: /^update: options\.guard\[0\]: "label" is empty$/ });
  assert.throws(() => update(model, more.slice(0, 5), { memory, valid: [testSet[0], { text: 'y', labels: ['a', 3] } as never] }), { code: 'BAD_DATA', message: /^update: options\.valid\[1\]: "labels"\[1\] must be a string, got number 3$/ });
  assert.throws(() => update(model, [{ text: 'z' } as never], { memory }), { code: 'BAD_DATA', message: /^update: examples\[0\]: no label/ });
  assertSameState(before, state(model), 'refused update');
  assert.deepEqual(memory.replay.toState(), replayBefore, 'the memory is untouched');
});

test('a time budget spent before the first round: no round runs, and every value the parent had is kept', () => {
  const { model, memory } = copyOf('adam');
  const before = state(model);
  const d = update(model, more, { memory, budgetMs: 1e-6, gate: false });
  assert.equal(d.report.rounds.length, 0);
  // (gate off: accepted, with what the gate reported in reasons)
  assert.ok(d.accepted);
  assert.deepEqual(d.reasons.map((r) => r.code), ['budget-exhausted']);
  assert.equal(d.report.bestRound, 0);
  const after = state(model);
  // Growth may append rows (new words); the rows the parent had are untouched.
  before.tensors.forEach((t, i) => assert.ok(after.tensors[i].data.subarray(0, t.data.length).equals(t.data), `${t.name} changed`));
});

test('lr 1e30: DivergenceError, and the model exactly as before (batch and single example, every variant)', () => {
  for (const [name] of VARIANTS) {
    for (const data of [more.slice(0, 100), [{ text: 'a hot drink brewed from roasted coffee beans', labels: ['noun.beverage'] }]]) {
      const { model, memory } = copyOf(name);
      const before = state(model);
      assert.throws(() => update(model, data, { memory, lr: 1e30 }), DivergenceError, `${name}, ${data.length} example(s)`);
      assertSameState(before, state(model), `${name} after divergence`);
    }
  }
});

test('a model with a hidden layer takes a good update too, and stays finite', () => {
  const { model, memory } = copyOf('hidden layer');
  const d = update(model, more, { memory, guard: testSet.slice(0, 250) });
  assert.ok(d.accepted, d.accepted ? '' : d.reasons.map((r) => r.message).join('; '));
  for (const [n, t] of tensors(model.params)) assert.ok(t.data.every(Number.isFinite), n);
});

test('a batch where every label is new: accepted, the new labels are learned, the old ones still predicted', async () => {
  const oldLabels = ['noun.animal', 'noun.artifact', 'verb.motion'];
  const isOld = (e: Example) => oldLabels.includes(e.labels[0]);
  const { model, memory } = await parent(trainSet.filter(isOld).slice(0, 450));
  const fresh = trainSet.filter((e) => !isOld(e)).slice(0, 200);
  const d = update(model, fresh, { memory });
  assert.ok(d.accepted, d.accepted ? '' : d.reasons.map((r) => r.message).join('; '));
  assert.deepEqual([...d.report.newLabels].sort(), ['noun.food', 'noun.plant']);
  const newAcc = evaluate(model, testSet.filter((e) => !isOld(e))).accuracy;
  const oldAcc = evaluate(model, testSet.filter(isOld)).accuracy;
  assert.ok(newAcc > 0.3, `accuracy on the new labels ${newAcc}`);
  assert.ok(oldAcc > 0.5, `accuracy on the old labels ${oldAcc}`);
});

test('a batch 10x the training set (duplicated and perturbed): accepted, much better, in reasonable time', async () => {
  const { model, memory } = await parent(trainSet.slice(0, 150));
  const big = [...trainSet, ...trainSet.map((e) => ({ text: `${e.text} indeed`, labels: e.labels }))];
  assert.equal(big.length, 20 * 150);
  const before = evaluate(model, testSet).accuracy;
  const d = update(model, big, { memory });
  assert.ok(d.accepted, d.accepted ? '' : d.reasons.map((r) => r.message).join('; '));
  const after = evaluate(model, testSet).accuracy;
  assert.ok(after > before + 0.15, `test accuracy ${before} -> ${after}`);
  assert.ok(d.report.wallMs < 5000, `${d.report.wallMs} ms`);
});

test('distillation with a huge weight keeps the parent\'s predictions on old test data; a plain update moves them more', () => {
  const heldOut = testSet.slice(0, 250);
  const parentTop = top1(parents.get('sgd, no hidden layer')!.model, heldOut);
  /** Agreement with the parent after the first round (the candidate, whatever the gate then decides). */
  const agreementAfterRound = (options: UpdateOptions) => {
    const { model, memory } = copyOf('sgd, no hidden layer');
    let agree = -1;
    update(model, poison(more, 5), { ...options, memory, rounds: 1, patience: 1, onRound: () => (agree = agreement(top1(model, heldOut), parentTop)) });
    return agree;
  };
  const plain = agreementAfterRound({});
  const distilled = agreementAfterRound({ distill: 1, distillWeight: 1e6 });
  assert.ok(distilled >= 0.95, `distilled agreement ${distilled}`);
  assert.ok(plain < distilled - 0.05, `plain ${plain} vs distilled ${distilled}`);
});

test('one piece of feedback with a new label: accepted; the text and a close paraphrase get the new label', () => {
  const { model, memory } = copyOf('sgd, no hidden layer');
  const text = 'a hot drink brewed from roasted and ground coffee beans';
  const d = update(model, [{ text, labels: ['noun.beverage'] }], { memory });
  assert.ok(d.accepted, d.accepted ? '' : d.reasons.map((r) => r.message).join('; '));
  assert.equal(model.predict(text)[0].label, 'noun.beverage');
  assert.equal(model.predict('a hot drink made from roasted coffee beans')[0].label, 'noun.beverage');
});

// The guard held out of the replay memory is training data the parent fits at ~100%, so an honest
// update can lose a point there; a guard of held-out examples saved at training time (train --valid)
// is the remedy, and the default whenever the memory has one.
test('the default guard saved with the memory (held-out examples) accepts a good update', () => {
  for (const seed of [1, 3]) {
    const { model } = copyOf('sgd, no hidden layer');
    const memory = buildMemory(model, old, { capacity: 400, seed, guard: testSet.slice(0, 200) });
    const d = update(model, more, { memory, seed });
    assert.ok(d.accepted, `seed ${seed}: ${d.accepted ? '' : d.reasons.map((r) => r.message).join('; ')}`);
  }
});

test('a poisoned update of an Adam model at its own lr is rejected (a noise gain on shuffled labels is not an improvement)', () => {
  const { model, memory } = copyOf('adam');
  const d = update(model, poison(more), { memory });
  assert.equal(d.accepted, false, `accepted: new-data accuracy ${d.report.before.fresh.accuracy} -> ${d.report.after.fresh.accuracy}`);
});

test('new labels\' output rows are aligned to the old rows\' mean norm (default), not with align: false', async () => {
  const oldLabels = ['noun.animal', 'noun.artifact', 'verb.motion'];
  const isOld = (e: Example) => oldLabels.includes(e.labels[0]);
  const { model, memory } = await parent(trainSet.filter(isOld).slice(0, 450));
  const fresh = trainSet.filter((e) => !isOld(e)).slice(0, 200);
  // (160 trained on: the few-shot regime, whose replay ratio of 5 leaves the new rows no longer than
  // the old ones; the general defaults' ratio and rate show the lean that aligning corrects)
  const general = { replayRatio: 1, lr: model.config.lr };
  const meanNorm = (m: TextClassifier, from: number, to: number) => {
    let s = 0;
    for (let r = from; r < to; r++) s += Math.hypot(...m.params.output.row(r));
    return s / (to - from);
  };
  const off = model.clone();
  const plain = update(off, fresh, { memory: { ...memory, replay: ReplayBuffer.fromState(structuredClone(memory.replay.toState())) }, align: false, gate: false, ...general });
  assert.equal(plain.report.alignment, 1);
  const oldNorm = meanNorm(off, 0, 3);
  assert.ok(meanNorm(off, 3, 5) > oldNorm, `unaligned: new rows (${meanNorm(off, 3, 5)}) longer than old (${oldNorm}), as the lean to new labels has it`);
  const d = update(model, fresh, { memory, gate: false, ...general });
  assert.ok(d.report.alignment < 1, `alignment ${d.report.alignment}`);
  assert.ok(Math.abs(meanNorm(model, 3, 5) - meanNorm(model, 0, 3)) < 1e-3 * meanNorm(model, 0, 3), 'aligned: same mean norm');
  // The same training, then the scaling: old labels get back texts the new rows took.
  const oldTest = testSet.filter(isOld);
  assert.ok(evaluate(model, oldTest).accuracy >= evaluate(off, oldTest).accuracy, 'old labels do no worse aligned');
});

test('a saved guard takes a share of the examples an accepted update held out, which are then never replayed', async () => {
  const oldLabels = ['noun.animal', 'noun.artifact', 'verb.motion'];
  const isOld = (e: Example) => oldLabels.includes(e.labels[0]);
  const { model } = await train(trainSet.filter(isOld).slice(0, 450), SMALL);
  const oldGuard = trainSet.filter(isOld).slice(450, 510);
  const memory = buildMemory(model, trainSet.filter(isOld).slice(0, 450), { capacity: 2000, seed: 1, guard: oldGuard });
  const fresh = trainSet.filter((e) => !isOld(e)).slice(0, 200);
  const d = update(model, fresh, { memory });
  assert.ok(d.accepted, d.accepted ? '' : d.reasons.map((r) => r.message).join('; '));
  const guard = memory.guard!;
  const newInGuard = guard.filter((e) => !isOld(e));
  assert.ok(newInGuard.length > 0 && newInGuard.every((e) => fresh.includes(e)), `${newInGuard.length} of the new examples in the guard`);
  assert.ok(oldGuard.every((e) => guard.includes(e)), 'below the cap, the old guard stays whole');
  const replayed = new Set(memory.replay.examples().map((e) => e.text));
  assert.ok(guard.every((e) => !replayed.has(e.text)), 'no guard example is in the replay memory');
  assert.ok(fresh.filter((e) => !guard.includes(e)).every((e) => replayed.has(e.text)), 'the other new examples are');
});

test('an earlier round kept is trained again from the parent: the same values a snapshot of it would give (every variant)', () => {
  for (const [name] of VARIANTS) {
    let earlier = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const a = copyOf(name);
      const b = copyOf(name);
      // A batch of a few examples validates on itself, where ties keep the earlier round (held-out
      // validation forgives a later round its noise: 200 examples would keep the last).
      const options: UpdateOptions = { seed, gate: false, rounds: 6, patience: 3 };
      const data = more.slice(seed * 8, seed * 8 + 8);
      const rerun = update(a.model, data, { ...options, memory: a.memory });
      // A time budget makes the rounds take snapshots instead (a second run could overshoot it).
      const snapshot = update(b.model, data, { ...options, memory: b.memory, budgetMs: 1e9 });
      assert.equal(rerun.report.bestRound, snapshot.report.bestRound, `${name}, seed ${seed}: kept round`);
      if (rerun.report.bestRound < rerun.report.rounds.length) earlier++;
      // (the lineage differs in its time stamp only)
      assertSameState({ ...state(b.model), info: {} }, { ...state(a.model), info: {} }, `${name}, seed ${seed}`);
    }
    assert.ok(earlier > 0, `${name}: some seed keeps a round before the last (else this test checks nothing)`);
  }
});

test('Adam: an accepted update moves the saved step count on by the examples of the rounds it kept; a rejected one leaves it', () => {
  const { model, memory } = copyOf('adam');
  const before = model.optimizerState!.step;
  const d = update(model, more, { memory, gate: false });
  const trained = d.report.rounds.slice(0, d.report.bestRound).reduce((s, r) => s + r.examples, 0);
  assert.ok(trained > 0);
  assert.equal(model.optimizerState!.step, before + trained);
  const poisoned = copyOf('adam');
  const rejected = update(poisoned.model, poison(more), { memory: poisoned.memory });
  assert.equal(rejected.accepted, false);
  assert.equal(poisoned.model.optimizerState!.step, before);
});

test('updates one after another take no more arena memory once the model has its buffers (a long-running service)', () => {
  for (const [name] of VARIANTS) {
    const { model, memory } = copyOf(name);
    const arena = model.params.arena;
    const feedback = (i: number) => [{ text: more[i].text, labels: more[i].labels }];
    update(model, feedback(0), { memory, gate: false });
    update(model, more.slice(1, 61), { memory, gate: false, ewc: 1 });
    const used = arena.used;
    for (let i = 61; i < 71; i++) update(model, feedback(i), { memory, gate: false });
    update(model, more.slice(71, 131), { memory, gate: false, ewc: 1 });
    assert.equal(arena.used, used, `${name}: arena grew by ${arena.used - used} bytes over 11 updates`);
  }
});

test('the default logit adjustment rises from the exact correction for one piece of feedback to BALANCE from 50 examples on', () => {
  assert.equal(defaultBalance(0), 1);
  assert.ok(Math.abs(defaultBalance(1) - 1.01) < 1e-12);
  assert.equal(defaultBalance(25), 1 + (BALANCE - 1) / 2);
  assert.equal(defaultBalance(50), BALANCE);
  assert.equal(defaultBalance(5000), BALANCE);
  assert.ok(BALANCE > 1);
});

test('bad options: ConfigError listing every problem by option name, before anything changes', () => {
  const { model, memory } = copyOf('sgd, no hidden layer');
  const was = state(model);
  const bad = { rounds: -1, lr: 'abc', budgetMs: -5, maxDrop: 5, labelTolerance: -1, patience: 0, balance: -2, ewc: -1, distill: -1, round: 3 } as unknown as UpdateOptions;
  assert.throws(
    () => update(model, more.slice(0, 50), { ...bad, memory }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.code, 'BAD_CONFIG');
      for (const key of ['rounds', 'lr', 'budgetMs', 'maxDrop', 'labelTolerance', 'patience', 'balance', 'ewc', 'distill']) assert.ok(err.issues.some((i) => i.startsWith(`${key} must be `)), key);
      assert.ok(err.issues.some((i) => i.includes('unknown option "round"')));
      assert.equal(err.issues.length, 10);
      return true;
    },
  );
  assert.throws(() => update(model, more.slice(0, 50), { lr: -1, memory }), ConfigError);
  assertSameState(was, state(model), 'after refused options');
});

test('a time budget spent before round 1 is the rejection\'s reason (budget-exhausted, with the budget and the time spent), not no-improvement', () => {
  const { model, memory } = copyOf('sgd, no hidden layer');
  const before = state(model);
  const d = update(model, more, { memory, budgetMs: 1e-6 });
  assert.equal(d.accepted, false);
  assert.deepEqual(d.report.reasons.map((r) => r.code), ['budget-exhausted']);
  const [r] = d.report.reasons;
  assert.equal(r.threshold, 1e-6);
  assert.ok(r.after > 0);
  assert.match(r.message, /time budget \(0\.000001 ms\) ran out before round 1: [\d.e-]+ ms went on preparing/);
  assert.doesNotMatch(r.message, /improv/);
  assertSameState(before, state(model), 'budget spent');
});

test('the lineage records every option in effect, defaults resolved: balance, gate thresholds, seed, replay ratio, the guard\'s source', () => {
  const recorded = (options: UpdateOptions) => {
    const { model, memory } = copyOf('sgd, no hidden layer');
    const d = update(model, more.slice(0, 100), { memory, rounds: 1, gate: false, ...options });
    assert.ok(d.accepted);
    return (model.info.lineage as { options: Record<string, unknown> }).options;
  };
  const defaults = recorded({});
  assert.deepEqual(
    { balance: defaults.balance, maxDrop: defaults.maxDrop, labelTolerance: defaults.labelTolerance, minLabelSupport: defaults.minLabelSupport, seed: defaults.seed, replay: defaults.replay, replayRatio: defaults.replayRatio, guard: defaults.guard, valid: defaults.valid },
    { balance: defaultBalance(80), maxDrop: 0.01, labelTolerance: 0.1, minLabelSupport: 10, seed: 1, replay: 400, replayRatio: 1, guard: 'held out of the replay memory', valid: 'held out of the examples' },
  );
  assert.notDeepEqual(recorded({ balance: 0.5 }), defaults, 'a different balance is recorded');
  const other = recorded({ balance: 0.5, maxDrop: 0.2, labelTolerance: 0.3, seed: 7, guard: testSet.slice(0, 50) });
  assert.deepEqual([other.balance, other.maxDrop, other.labelTolerance, other.seed, other.guard], [0.5, 0.2, 0.3, 7, 'given']);
});

test('data.replayTrained counts the replayed examples the kept rounds trained on; data.replayed the old examples they could draw from', () => {
  const { model, memory } = copyOf('sgd, no hidden layer');
  const d = update(model, more.slice(0, 100), { memory, rounds: 3, patience: 3, gate: false });
  const train = d.report.data.train;
  for (const r of d.report.rounds) assert.equal(r.replayed, r.examples - train, `round ${r.round}: every step beyond the new examples replays one`);
  assert.ok(d.report.bestRound > 0);
  assert.equal(d.report.data.replayTrained, d.report.rounds.slice(0, d.report.bestRound).reduce((n, r) => n + r.replayed, 0));
  assert.equal(d.report.data.replayTrained, train * d.report.bestRound, 'replay ratio 1: as many replayed as new in each kept round');
  assert.equal(d.report.data.replayed, 3 * train, 'the pool: rounds x replay per round, sampled from a larger memory');
  const off = copyOf('sgd, no hidden layer');
  const none = update(off.model, more.slice(0, 100), { memory: off.memory, replay: 0, rounds: 1, gate: false });
  assert.deepEqual([none.report.data.replayed, none.report.data.replayTrained, none.report.rounds[0].replayed], [0, 0, 0]);
});
