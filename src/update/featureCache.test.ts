import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Example } from '../data/example.js';
import { DivergenceError } from '../errors.js';
import { featurizeTexts, type FeaturizedData } from '../features/dataset.js';
import { train } from '../learn/train.js';
import type { TextClassifier } from '../model/classifier.js';
import { featureCacheOf, PRUNE_AT } from './featureCache.js';
import { buildMemory } from './memory.js';
import { update } from './update.js';

const examples = (label: string, words: string[], n: number): Example[] => Array.from({ length: n }, (_, i) => ({ text: `${words[i % words.length]} ${words[(i + 1) % words.length]} shared`, labels: [label] }));

const plain = (model: TextClassifier, list: readonly Example[]): FeaturizedData => featurizeTexts(list, model.featurizer, model.config);
const same = (a: FeaturizedData, b: FeaturizedData) => {
  assert.deepEqual([...a.rows], [...b.rows]);
  assert.deepEqual([...a.offsets], [...b.offsets]);
  assert.deepEqual([...a.labels], [...b.labels]);
  assert.deepEqual([...a.labelOffsets], [...b.labelOffsets]);
};

test('a cached example is featurised again once one of its unknown tokens has become a word, and only then; its rows always equal a fresh featurisation', async () => {
  const old = [...examples('a', ['red', 'green', 'blue'], 30), ...examples('b', ['cat', 'dog', 'cow'], 30)];
  const { model } = await train(old, { dim: 8, bucket: 2000, epoch: 2, wordNgrams: 2, seed: 1, thread: 1 });
  const memory = buildMemory(model, old, { capacity: 100, seed: 1 });
  // The cache keeps entries of the memory's examples only (an accepted update forgets the rest);
  // the memory keeps copies of what it is given.
  memory.replay.addAll([{ text: 'red cat shared', labels: ['a'] }, { text: 'red zebra shared', labels: ['b'] }]);
  const held = (text: string) => memory.replay.examples().find((e) => e.text === text)!;
  const known = held('red cat shared');
  const unknown = held('red zebra shared');
  // Examples outside the memory (more than it holds), drawn twice: kept.
  const strays: Example[] = Array.from({ length: 150 }, (_, i) => ({ text: `blue cow shared ${i}`, labels: ['a'] }));
  const stray = strays[0];
  const cache = featureCacheOf(model);
  cache.data(strays, true);
  cache.data(strays, true);
  assert.equal(cache.featurised, 300);
  cache.featurised = 0;
  // Drawn once: featurised, not kept; drawn again: kept; then found.
  same(cache.data([known, unknown], true), plain(model, [known, unknown]));
  assert.equal(cache.featurised, 2);
  same(cache.data([known, unknown], true), plain(model, [known, unknown]));
  assert.equal(cache.featurised, 4);
  same(cache.data([known, unknown, stray], false), plain(model, [known, unknown, stray]));
  assert.equal(cache.featurised, 4);
  const before = plain(model, [unknown]);

  // A failed update grows the vocabulary with "zebra", then takes it back: the entries stand.
  const zebras = examples('c', ['zebra', 'zebra'], 12);
  assert.throws(() => update(model, zebras, { memory, seed: 1, lr: 100 }), DivergenceError);
  assert.equal(model.vocab.idOf('zebra'), -1);
  let n = cache.featurised;
  same(cache.data([known, unknown], true), plain(model, [known, unknown]));
  assert.equal(cache.featurised, n, 'nothing featurised again after a failed update');

  // An accepted one keeps "zebra": the example that holds it is featurised again, the other is not.
  const accepted = update(model, zebras, { memory, seed: 1, gate: false });
  assert.ok(accepted.accepted && accepted.report.newWords.first.includes('zebra'));
  n = cache.featurised;
  const after = cache.data([known, unknown], true);
  same(after, plain(model, [known, unknown]));
  assert.equal(cache.featurised, n + 1);
  assert.notDeepEqual([...after.rows.subarray(after.offsets[1])], [...before.rows], 'the new word has a row of its own');
  same(cache.data([known, unknown], true), plain(model, [known, unknown]));
  assert.equal(cache.featurised, n + 1, 'kept again');
  // The examples outside the memory were forgotten at the accepted update (they were more than
  // PRUNE_AT x the memory's): a stray is featurised again (and not kept: drawn once since).
  const inMemory = memory.replay.examples().length;
  assert.ok(inMemory < strays.length && cache.size <= inMemory * PRUNE_AT, `${cache.size} cached, the memory holds ${inMemory}`);
  same(cache.data([stray], true), plain(model, [stray]));
  assert.equal(cache.featurised, n + 2, 'forgotten at the accepted update');
});

test("an accepted update's new examples join the memory with the rows it made: replaying them featurises nothing, and the rows equal a fresh featurisation", async () => {
  const old = [...examples('a', ['red', 'green', 'blue'], 30), ...examples('b', ['cat', 'dog', 'cow'], 30)];
  const { model } = await train(old, { dim: 8, bucket: 2000, epoch: 2, wordNgrams: 2, seed: 1, thread: 1 });
  const memory = buildMemory(model, old, { capacity: 1000, seed: 1 });
  const fresh = [...examples('c', ['zebra', 'lion', 'tiger'], 20), ...examples('a', ['red', 'lion', 'grey'], 20)];
  const decision = update(model, fresh, { memory, seed: 1, gate: false });
  assert.ok(decision.accepted);
  // The memory keeps copies of the new examples: found by their texts.
  const texts = new Set(fresh.map((e) => e.text));
  const joined = memory.replay.examples().filter((e) => texts.has(e.text));
  assert.ok(joined.length >= 30 && !joined.some((e) => fresh.includes(e)), `${joined.length} copies joined`);
  const cache = featureCacheOf(model);
  const n = cache.featurised;
  same(cache.data(joined, true), plain(model, joined));
  assert.equal(cache.featurised, n, 'none featurised again');
});
