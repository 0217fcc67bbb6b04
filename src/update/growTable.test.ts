/**
 * Growing the hashed n-gram table (growTable.ts): predictions bit for bit the same right after
 * growth (char and word n-grams, both hashing modes, a hidden layer, one-vs-all, Adam), the parent
 * back byte for byte after undo and after a rejected update, a grown version saved whole and
 * patched after, and no growth when the table is large enough or growth is off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Example } from '../data/example.js';
import { dataStats, fitDefaults, fittedBucket, ngramRowsWanted } from '../learn/dataDefaults.js';
import { DEFAULTS } from '../config.js';
import { train } from '../learn/train.js';
import type { TextClassifier } from '../model/classifier.js';
import { tensors } from '../model/params.js';
import { Rng } from '../util/rng.js';
import { growTable, planTable } from './growTable.js';
import { ReplayBuffer } from '../forgetting/replay.js';
import { buildMemory, featurize, loadLearner, markSeen, memoryBefore, saveLearner, type ContinualMemory } from './memory.js';
import { saveUpdated } from './saveVersion.js';
import { update } from './update.js';
import { Learner } from '../learner.js';

/** Name-like words; the label says whether the word ends in a vowel (char n-grams carry it). */
function names(n: number, seed: number): Example[] {
  const rng = new Rng(seed);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  return Array.from({ length: n }, () => {
    const len = 4 + rng.int(6);
    let w = '';
    for (let i = 0; i < len; i++) w += letters[rng.int(26)];
    return { text: w, labels: ['aeiou'.includes(w[w.length - 1]) ? 'vowel' : 'consonant'] };
  });
}

/** Sentences of random words from a small lexicon (word pairs carry the label). */
function sentences(n: number, seed: number): Example[] {
  const rng = new Rng(seed);
  const lexicon = Array.from({ length: 300 }, (_, i) => `w${i.toString(36)}`);
  return Array.from({ length: n }, () => {
    const words = Array.from({ length: 3 + rng.int(6) }, () => lexicon[rng.int(lexicon.length)]);
    return { text: words.join(' '), labels: [words.length % 2 ? 'odd' : 'even'] };
  });
}

const CHARS: Partial<Config> = { dim: 8, bucket: 1000, epoch: 5, lr: 0.5, minn: 2, maxn: 4, wordNgrams: 1, seed: 1, thread: 1 };
const WORDS: Partial<Config> = { dim: 8, bucket: 1000, epoch: 5, lr: 0.5, minn: 0, maxn: 0, wordNgrams: 2, seed: 1, thread: 1 };

async function learner(examples: Example[], cfg: Partial<Config>): Promise<{ model: TextClassifier; memory: ContinualMemory }> {
  const { model } = await train(examples, cfg);
  return { model, memory: buildMemory(model, examples, { seed: 1, seen: markSeen(null, model.params.input.rows, featurize(model, examples)) }) };
}

/** Every parameter and moment of `model`, its bucket and its memory's records, as bytes. */
function bytesOf(model: TextClassifier, memory: ContinualMemory | null) {
  const s = model.optimizerState;
  return {
    bucket: model.config.bucket,
    tensors: tensors(model.params).map(([name, m]) => [name, m.rows, Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).toString('base64')]),
    moments: s ? [...s.first, ...s.second].map((m) => (m ? Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).toString('base64') : null)) : null,
    words: model.vocab.wordCount,
    labels: [...model.labels],
    seen: memory?.seen ? Buffer.from(memory.seen).toString('base64') : null,
    fisher: memory?.fisher ? Buffer.from(memory.fisher.input.buffer).toString('base64') : null,
  };
}

/** Probabilities of every text, through the JavaScript featurizer and (with `many`) the wasm kernel where it covers the config. */
function probs(model: TextClassifier, texts: readonly string[], many = false): number[][] {
  if (many) model.featurizer.expectMany();
  return texts.map((t) => [...model.probabilities(t)]);
}

const CASES: [string, Partial<Config>, () => Example[]][] = [
  ['char n-grams', CHARS, () => names(400, 1)],
  ['word n-grams', WORDS, () => sentences(400, 1)],
  ['word n-grams, fastText hashing', { ...WORDS, hashing: 'fasttext' }, () => sentences(400, 1)],
  ['char n-grams, fastText hashing', { ...CHARS, hashing: 'fasttext' }, () => names(400, 1)],
  ['a hidden layer', { ...CHARS, hidden: 6, lr: 0.1 }, () => names(400, 1)],
  ['one-vs-all', { ...WORDS, loss: 'ova' }, () => sentences(400, 1)],
  ['Adam', { ...WORDS, optimizer: 'adam', lr: 0.01 }, () => sentences(400, 1)],
];

for (const [name, cfg, data] of CASES) {
  test(`growth keeps every prediction bit for bit, and undo puts every byte back: ${name}`, async () => {
    const examples = data();
    const { model, memory } = await learner(examples, cfg);
    const parent = model.clone();
    const was = bytesOf(model, memory);
    const texts = [...examples.slice(0, 100).map((e) => e.text), ...(cfg.maxn ? names(100, 9) : sentences(100, 9)).map((e) => e.text), 'zzzqx unseen', ''];
    const before = probs(parent, texts);
    const g = growTable(model, memory, 3000);
    assert.equal(model.config.bucket, 3000);
    assert.equal(model.params.input.rows, 3000 + model.vocab.wordCount);
    assert.equal(memory.seen!.length, model.params.input.rows);
    // Not the same rows: every hashed row is renumbered, yet every probability is the same bits.
    assert.notDeepEqual([...model.features(texts[0])], [...parent.features(texts[0])]);
    assert.deepEqual(probs(model, texts), before);
    assert.deepEqual(probs(model, texts, true), probs(parent, texts, true));
    if (model.optimizerState) assert.equal(model.optimizerState.first[0]!.rows, model.params.input.rows);
    g.undo();
    assert.deepEqual(bytesOf(model, memory), was);
    assert.deepEqual(probs(model, texts), before);
  });
}

test('an update grows a table the data has outgrown, and predicts as the grown model did before training', async () => {
  const { model, memory } = await learner(names(300, 1), CHARS);
  const more = names(1500, 2);
  const plan = planTable(model, memory, more, true)!;
  assert.ok(plan.to > plan.from && plan.to % plan.from === 0, plan.why);
  assert.match(plan.why, /^grown: /);
  // The rows planned are what a model trained on the data seen would get, or the next multiple.
  const all = [...names(300, 1), ...more];
  const stats = dataStats(all, { ...DEFAULTS, ...CHARS });
  const target = fittedBucket(ngramRowsWanted(stats.words, 0, model.config), stats.bytes, stats.words, 8);
  assert.equal(plan.to, Math.ceil(target / plan.from) * plan.from);
  const d = update(model, more, { memory, seed: 1, gate: false });
  assert.ok(d.accepted);
  assert.deepEqual(d.report.table, plan);
  assert.equal(model.config.bucket, plan.to);
  assert.equal(memory.seen!.length, model.params.input.rows);
  assert.deepEqual(d.report.table && (model.info.lineage as { options: Record<string, unknown> }).options.table, `${plan.from} -> ${plan.to}`);
});

test('fittedBucket gives the table fitDefaults gives', () => {
  for (const n of [200, 1500, 6000]) {
    const stats = dataStats(names(n, 3), DEFAULTS);
    for (const dim of [8, 16, 50]) {
      const fitted = fitDefaults(stats, { dim, minn: 2, maxn: 5, wordNgrams: 1 }).settings.bucket;
      assert.equal(fittedBucket(ngramRowsWanted(stats.words, stats.bigrams, { wordNgrams: 1, minn: 2, maxn: 5 }), stats.bytes, stats.words, dim), fitted, `${n} examples, dim ${dim}`);
    }
  }
});

test('a rejected update that grew the table leaves the model and its memory exactly as before', async () => {
  const { model, memory } = await learner(names(300, 1), CHARS);
  const was = bytesOf(model, memory);
  const featurizer = model.featurizer;
  // Every label flipped: the guard collapses and the gate rejects.
  const flipped = names(1500, 2).map((e) => ({ text: e.text, labels: [e.labels[0] === 'vowel' ? 'consonant' : 'vowel'] }));
  const d = update(model, flipped, { memory, seed: 1 });
  assert.equal(d.accepted, false);
  assert.ok(d.report.table!.to > d.report.table!.from, d.report.table!.why);
  assert.deepEqual(bytesOf(model, memory), was);
  assert.equal(model.featurizer, featurizer);
});

test('no growth when the table is large enough, when growth is off, or without a memory', async () => {
  const big = await learner(names(300, 1), { ...CHARS, bucket: 50_000 });
  const more = names(1500, 2);
  assert.match(planTable(big.model, big.memory, more, true)!.why, /^kept: /);
  const d = update(big.model, more, { memory: big.memory, seed: 1, gate: false });
  assert.equal(d.report.table!.to, 50_000);
  assert.equal(big.model.config.bucket, 50_000);
  const small = await learner(names(300, 1), CHARS);
  const off = update(small.model, more, { memory: small.memory, seed: 1, gate: false, growTable: false });
  assert.deepEqual(off.report.table, { from: 1000, to: 1000, why: 'kept: growTable is off' });
  assert.equal(small.model.config.bucket, 1000);
  assert.equal((small.model.info.lineage as { options: Record<string, unknown> }).options.growTable, false);
  assert.match(planTable(small.model, null, more, true)!.why, /without a replay memory/);
  // 1,000 rows given where the fit of the data is larger: a choice, kept while the data stays as it was.
  const given = await learner(names(1000, 1), CHARS);
  assert.match(planTable(given.model, given.memory, names(5, 2), true)!.why, /^kept: the table was made smaller than the \d+ rows fitted/);
  assert.ok(planTable(given.model, given.memory, names(3000, 2), true)!.to > 1000);
  // The grid's largest table (bench:versions' SpamAssassin model) never grows.
  const huge = await learner(names(300, 1), { ...CHARS, dim: 2, bucket: 2_000_000 });
  assert.deepEqual(planTable(huge.model, huge.memory, names(100_000, 2), true), { from: 2_000_000, to: 2_000_000, why: 'kept: 2000000 rows, the largest table train fits' });
  // A model without hashed rows has no table to grow.
  const plain = await learner(sentences(200, 1), { ...WORDS, wordNgrams: 1 });
  assert.equal(planTable(plain.model, plain.memory, sentences(2000, 2), true), null);
});

test('a grown version is saved whole, loads as it predicts, and later updates are patches of it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'accrete-growtable-'));
  try {
    const first = await learner(names(300, 1), CHARS);
    saveLearner(first.model, first.memory, join(dir, 'm'));
    // A patch first (a small update that does not grow), then the growth on top of the chain.
    let { model, memory } = loadLearner(join(dir, 'm'));
    const texts = names(200, 7).map((e) => e.text);
    const step = (examples: Example[]) => {
      const was = memoryBefore(memory!);
      const d = update(model, examples, { memory, seed: 1, gate: false });
      assert.ok(d.accepted);
      return { d, saved: d.accepted ? saveUpdated(model, memory, d.parent, was, join(dir, 'm')) : null };
    };
    const small = step(names(3, 3));
    assert.equal(small.d.report.table!.to, 1000);
    assert.equal(small.saved!.as, 'patch');
    const grown = step(names(1500, 2));
    assert.ok(grown.d.report.table!.to > 1000);
    assert.equal(grown.saved!.as, 'whole');
    assert.match((grown.saved as { why: string }).why, /grew the n-gram table from 1000 to \d+ rows/);
    const loaded = loadLearner(join(dir, 'm'));
    assert.equal(loaded.model.config.bucket, model.config.bucket);
    assert.deepEqual(probs(loaded.model, texts), probs(model, texts));
    assert.deepEqual(loaded.memory!.seen, memory!.seen);
    ({ model, memory } = loaded);
    const after = step(names(3, 4));
    assert.equal(after.saved!.as, 'patch');
    const again = loadLearner(join(dir, 'm'));
    assert.deepEqual(probs(again.model, texts), probs(model, texts));
    assert.deepEqual(bytesOf(again.model, again.memory), bytesOf(model, memory));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Learner.learn (on its thread) grows the table as update() does: the model, then save and load, predict alike', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'accrete-growtable-learner-'));
  try {
    const first = names(300, 1);
    const learner = await Learner.train(first, CHARS);
    const more = names(1500, 2);
    const r = await learner.learn(more, { seed: 1, gate: false });
    assert.ok(r.accepted);
    assert.ok(r.report.table!.to > 1000, r.report.table!.why);
    assert.equal(learner.model.config.bucket, r.report.table!.to);
    assert.equal(learner.model.params.input.rows, r.report.table!.to + learner.model.vocab.wordCount);
    assert.equal(learner.memory!.seen!.length, learner.model.params.input.rows);
    const texts = names(100, 8).map((e) => e.text);
    await learner.save(join(dir, 'm'));
    const loaded = loadLearner(join(dir, 'm'));
    assert.equal(loaded.model.config.bucket, r.report.table!.to);
    assert.deepEqual(probs(loaded.model, texts), probs(learner.model, texts));
    assert.deepEqual(bytesOf(loaded.model, loaded.memory), bytesOf(learner.model, learner.memory));
    // And a small learn after it, saved as a patch of the grown base.
    assert.ok((await learner.learn(names(3, 5), { seed: 1, gate: false })).accepted);
    await learner.save(join(dir, 'm'));
    const again = loadLearner(join(dir, 'm'));
    assert.deepEqual(probs(again.model, texts), probs(learner.model, texts));
    assert.deepEqual(bytesOf(again.model, again.memory), bytesOf(learner.model, learner.memory));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an update that grows a table of char n-grams re-fits the copied rows: what the small table summed is gone; a table of word pairs keeps its copies', async () => {
  /** Two learners alike but for the hashed rows (offset in the second), updated alike for one round. */
  const twins = async (cfg: Partial<Config>, first: Example[], more: Example[], guard: Example[]) => {
    const { model } = await train(first, cfg);
    const other = model.clone();
    const d = other.params.input.data;
    for (let i = 0; i < other.config.bucket * other.params.input.cols; i++) d[i] += 0.01 * ((i % 7) - 3);
    const memoryOf = (m: TextClassifier) => buildMemory(m, first, { seed: 1, seen: markSeen(null, m.params.input.rows, featurize(m, first)), guard });
    const outputs = [model, other].map((m) => {
      const r = update(m, more, { memory: memoryOf(m), seed: 1, gate: false, rounds: 1 });
      assert.ok(r.accepted && r.report.table!.to > r.report.table!.from, r.report.table!.why);
      return Buffer.from(m.params.output.data.buffer, m.params.output.data.byteOffset, m.params.output.data.byteLength).toString('base64');
    });
    return outputs[0] === outputs[1];
  };
  // Names: the rows the update trains are drawn afresh and fitted to the same examples, so the twins end alike.
  assert.equal(await twins(CHARS, names(300, 1), names(1500, 2), names(60, 3)), true);
  // Sentences: half their rows are words, and the copies keep what the hashed rows held.
  assert.equal(await twins(WORDS, sentences(300, 1), sentences(1500, 2), sentences(60, 3)), false);
});

test('Learner.learn on its thread ends where update() ends on a copy, re-fitted rows included', async () => {
  const learner = await Learner.train(names(300, 1), CHARS);
  const model = learner.model.clone();
  const mem = learner.memory!;
  const memory: ContinualMemory = { ...mem, replay: ReplayBuffer.fromState(structuredClone(mem.replay.toState())), seen: mem.seen?.slice() ?? null };
  const more = names(1500, 2);
  const r = await learner.learn(more, { seed: 1, gate: false });
  const d = update(model, more, { memory, seed: 1, gate: false });
  assert.ok(r.accepted && d.accepted);
  assert.ok(d.report.table!.to > d.report.table!.from);
  const texts = names(200, 8).map((e) => e.text);
  assert.deepEqual(probs(learner.model, texts), probs(model, texts));
});
