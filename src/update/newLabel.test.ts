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
