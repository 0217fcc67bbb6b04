/**
 * Issue 17: an update teaching a plainly new label from 50 examples is accepted and learned (at
 * least 90% on unseen texts of that label), on a model trained with no flags (defaults fitted to
 * the data, a guard held out, as `accrete train` does) and on one trained with tuned flags.
 * Generated data: topics with their own words and shared filler; the new label has its own words.
 * (bench:incremental --checking measures the same on real corpora.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Config } from '../config.js';
import { DEFAULTS } from '../config.js';
import type { Example } from '../data/example.js';
import { dataStats, fitDefaults } from '../learn/dataDefaults.js';
import { train } from '../learn/train.js';
import type { TextClassifier } from '../model/classifier.js';
import { Rng } from '../util/rng.js';
import { FEW_SHOT_LR, FEW_SHOT_MAX, FEW_SHOT_MIN, FEW_SHOT_REPLAY_RATIO, SUB_BAG_KEEP, fewShotNewLabel, subBagKeep } from './fewShot.js';
import { holdOutGuard } from './guard.js';
import { buildMemory } from './memory.js';
import { update } from './update.js';

const words = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const FILLER = words('f', 300);

/** n texts of `labels` in turn: 6 words of the label's topic and 10 of filler. */
function texts(labels: readonly string[], n: number, seed: number): Example[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const label = labels[i % labels.length];
    const topic = words(`${label}w`, 50);
    const text = [...Array.from({ length: 6 }, () => topic[rng.int(topic.length)]), ...Array.from({ length: 10 }, () => FILLER[rng.int(FILLER.length)])];
    return { text: rng.shuffle(text).join(' '), labels: [label] };
  });
}

const OLD = ['sport', 'music', 'law', 'food'];
const accuracy = (m: TextClassifier, xs: readonly Example[]) => xs.filter((e) => m.predict(e.text)[0].label === e.labels[0]).length / xs.length;

for (const [name, flags] of [
  ['no flags (defaults fitted to the data)', null],
  ["the library's defaults (fastText's: lr 0.1)", {}],
  ['tuned flags', { dim: 32, epoch: 5, lr: 0.5, wordNgrams: 2, bucket: 100_000 }],
] as [string, Partial<Config> | null][]) {
  test(`50 examples of a plainly new label, model trained with ${name}: accepted, >= 90% on unseen texts of it, the old labels kept`, async () => {
    const all = texts(OLD, 2000, 1);
    const cfg = { ...(flags ?? fitDefaults(dataStats(all, DEFAULTS)).settings), seed: 1, thread: 1 };
    const held = holdOutGuard(all, 1);
    const { model, seen } = await train(held.train, cfg);
    const memory = buildMemory(model, held.train, { seed: 1, seen, guard: held.guard });
    const oldTest = texts(OLD, 400, 2);
    const before = accuracy(model, oldTest);
    const d = update(model, texts(['weather'], 50, 3), { memory });
    assert.ok(d.accepted, d.reasons.map((r) => r.message).join('; '));
    assert.deepEqual(d.report.newLabels, ['weather']);
    const learned = accuracy(model, texts(['weather'], 200, 4));
    assert.ok(learned >= 0.9, `unseen "weather" texts: ${learned}`);
    const after = accuracy(model, oldTest);
    assert.ok(after >= before - 0.02, `old labels ${before} -> ${after}`);
  });
}

/** A model of the old labels trained at fastText's rate (0.1), with its memory. */
async function oldModel(): Promise<{ model: TextClassifier; memory: ReturnType<typeof buildMemory> }> {
  const held = holdOutGuard(texts(OLD, 2000, 1), 1);
  const { model, seen } = await train(held.train, { seed: 1, thread: 1 });
  return { model, memory: buildMemory(model, held.train, { seed: 1, seen, guard: held.guard }) };
}

const lineageOptions = (m: TextClassifier) => (m.info.lineage as { options: { lr: number; replayRatio: number } }).options;

test('a new label from 50 examples (the few-shot regime): 5 old examples replayed per new one a round, at a rate of at least FEW_SHOT_LR', async () => {
  const { model, memory } = await oldModel();
  const d = update(model, texts(['weather'], 50, 3), { memory });
  assert.ok(d.accepted, d.reasons.map((r) => r.message).join('; '));
  // 40 trained on (10 validate), 200 replayed: ratio 1 replayed 40, which let "sotu" take 3-4% of SpamAssassin's texts.
  assert.equal(d.report.data.train, 40);
  assert.equal(d.report.rounds[0].replayed, FEW_SHOT_REPLAY_RATIO * 40);
  assert.equal(lineageOptions(model).replayRatio, FEW_SHOT_REPLAY_RATIO);
  assert.equal(lineageOptions(model).lr, FEW_SHOT_LR, "the model's 0.1 raised to the floor");
});

test('outside the few-shot regime the general defaults hold: one piece of feedback, a given rate or ratio, a batch without new labels', async () => {
  const { model, memory } = await oldModel();
  const one = update(model, texts(['weather'], 1, 3), { memory });
  assert.equal(one.report.rounds[0].replayed, 32, 'one piece of feedback replays the 32 it always did');
  assert.ok(one.accepted);
  assert.ok(Math.abs(lineageOptions(model).lr - 0.01) < 1e-12, 'a tenth of the rate for one piece of feedback (defaultLr)');
  const given = update(model, texts(['rain'], 50, 5), { memory, lr: 0.3, replayRatio: 2 });
  assert.equal(given.report.rounds[0].replayed, 80, 'a given ratio is kept');
  if (given.accepted) assert.equal(lineageOptions(model).lr, 0.3, 'a given rate is kept');
  const old = update(model, texts(OLD, 50, 6), { memory });
  assert.equal(old.report.rounds[0].replayed, 40, 'no new label: ratio 1');
});

test('few-shot regime boundaries and sub-bag sizes', () => {
  const m = { vocab: { labelId: (l: string) => (OLD.includes(l) ? 0 : -1) } } as unknown as TextClassifier;
  const of = (n: number, label = 'weather') => Array.from({ length: n }, () => ({ text: 'x', labels: [label] }));
  assert.equal(fewShotNewLabel(m, of(FEW_SHOT_MIN - 1)), false);
  assert.equal(fewShotNewLabel(m, of(FEW_SHOT_MIN)), true);
  assert.equal(fewShotNewLabel(m, of(FEW_SHOT_MAX - 1)), true);
  assert.equal(fewShotNewLabel(m, of(FEW_SHOT_MAX)), false, 'a class-incremental task of hundreds keeps the general defaults');
  assert.equal(fewShotNewLabel(m, [...of(50, 'sport'), ...of(5)]), false, 'counted on the examples that carry a new label');
  // A passage of 300 rows keeps a quarter of them; a gloss of 20 rows keeps 16 in expectation; 16 rows or fewer keep all.
  assert.equal(subBagKeep(300), SUB_BAG_KEEP);
  assert.equal(subBagKeep(20), 16 / 20);
  assert.equal(subBagKeep(16), 1);
  assert.equal(subBagKeep(0), 1);
});
