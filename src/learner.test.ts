import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readExamples } from './data/read.js';
import { train } from './learn/train.js';
import { Learner } from './learner.js';
import type { TextClassifier } from './model/classifier.js';
import { corpus, jsonl, MAIN, plantTexts } from './serve/testing.js';
import { saveModel } from './store/modelFiles.js';
import { namedTensors } from './store/patch.js';
import { update } from './update/update.js';
import { CRUISE_EXAMPLES, CRUISE_FEEDBACK, CRUISE_OPTIONS } from './testing/freeCruise.js';

const SMALL = { dim: 16, bucket: 20000, epoch: 10, lr: 0.5, wordNgrams: 2, seed: 1, thread: 1 };
const testTexts = jsonl('wordnet3.test.jsonl').map((e) => e.text);
const plants = plantTexts(20).map((text) => ({ text, label: 'noun.plant' }));
/** Texts of another label the tiny model has never seen (noun.food, from wordnet5). */
const foods = readFileSync(corpus('wordnet5.train.txt'), 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('__label__noun.food '))
  .slice(0, 20)
  .map((l) => ({ text: l.slice('__label__noun.food '.length), label: 'noun.food' }));

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'accrete-learner-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every tensor of a model, bit for bit, with its labels and words. */
function weights(model: TextClassifier): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, m] of namedTensors(model)) out[name] = Array.from(new Uint32Array(m.data.buffer, m.data.byteOffset, m.data.length));
  return out;
}

const predictions = (learner: Learner) => learner.predict(testTexts, { k: 3 });

test('Learner.train from an array, a file path and an async iterable gives the same model and memory', async () => {
  const path = corpus('wordnet3.train.jsonl');
  const array = jsonl('wordnet3.train.jsonl').map((e) => ({ text: e.text, label: e.labels[0] }));
  const fromArray = await Learner.train(array, SMALL);
  const fromFile = await Learner.train(path, SMALL);
  const fromStream = await Learner.train(readExamples(path), SMALL);
  assert.equal(fromArray.report?.examples, 300);
  for (const other of [fromFile, fromStream]) {
    assert.deepEqual(other.labels, fromArray.labels);
    assert.deepEqual(weights(other.model), weights(fromArray.model));
    assert.deepEqual(other.memory?.replay.examples(), fromArray.memory?.replay.examples());
    assert.deepEqual(other.memory?.seen, fromArray.memory?.seen);
  }
  // Any async iterable (not only readExamples), and any iterable, give the same too.
  const generated = await Learner.train(
    (async function* () {
      yield* array;
    })(),
    SMALL,
  );
  const iterated = await Learner.train(new Set(array), SMALL);
  for (const other of [generated, iterated]) assert.deepEqual(weights(other.model), weights(fromArray.model));
  assert.ok(fromArray.memory && fromArray.memory.replay.size === 300, 'the memory holds the training data');
  assert.deepEqual(fromFile.model.info.trainedOn, { file: path, examples: 300 });
});

test('Learner.train builds the model and memory that `accrete train` saves (guard held out, replay, seen rows)', async (t) => {
  const dir = tmp(t);
  const path = corpus('wordnet5.train.txt'); // 1,500 examples: the CLI holds 30 out as the guard
  const flags = ['--dim', '16', '--bucket', '20000', '--epoch', '5', '--lr', '0.5', '--wordNgrams', '2', '--seed', '3', '--thread', '1', '--replay', '1000'];
  const r = spawnSync(process.execPath, [MAIN, 'train', '--data', path, '--out', dir, ...flags, '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const cli = await Learner.load(dir);
  const learner = await Learner.train(path, { dim: 16, bucket: 20000, epoch: 5, lr: 0.5, wordNgrams: 2, seed: 3, thread: 1, replay: 1000 });
  assert.equal(learner.memory?.guard?.length, 30);
  assert.equal(learner.report?.examples, 1470);
  assert.deepEqual(weights(learner.model), weights(cli.model));
  assert.deepEqual(learner.memory!.guard, cli.memory!.guard);
  assert.deepEqual(learner.memory!.replay.examples(), cli.memory!.replay.examples());
  assert.deepEqual(learner.memory!.seen, cli.memory!.seen);
  assert.deepEqual(learner.memory!.fisher?.input, cli.memory!.fisher?.input);
  assert.equal(learner.lineage, null);
});

test('predict: a list for a text, a list per text for an array of texts', async () => {
  const learner = await Learner.train(corpus('wordnet3.train.jsonl'), SMALL);
  const one = learner.predict(testTexts[0], { k: 2 });
  assert.equal(one.length, 2);
  assert.deepEqual(one, learner.model.predict(testTexts[0], { k: 2 }));
  const many = learner.predict(testTexts.slice(0, 3), { k: 1 });
  assert.equal(many.length, 3);
  many.forEach((p, i) => assert.deepEqual(p, learner.model.predict(testTexts[i], { k: 1 })));
  assert.deepEqual(learner.predict(testTexts[0], { threshold: 1 }), []);
  assert.deepEqual(learner.predict([], { k: 1 }), []);
  // evaluate and learn take the same sources as train: a path, an array, an async iterable.
  const fromPath = await learner.evaluate(corpus('wordnet3.test.jsonl'));
  assert.deepEqual(await learner.evaluate(readExamples(corpus('wordnet3.test.jsonl'))), fromPath);
  assert.deepEqual(await learner.evaluate(jsonl('wordnet3.test.jsonl')), fromPath);
  await assert.rejects(learner.evaluate([{ text: 'x', label: 'a' }, { text: 3 }] as never), { code: 'BAD_DATA', message: /^evaluate: examples\[1\]: "text" must be a string/ });
});

test('learn keeps what the model knew: update() without memory forgets "free cruise", the learner does not', async () => {
  const [examples, feedback, options] = [CRUISE_EXAMPLES, CRUISE_FEEDBACK, CRUISE_OPTIONS];

  // The finding, as it was: the low-level update without a memory is accepted and forgets.
  const { model } = await train(examples, options);
  assert.equal(model.predict('free cruise')[0].label, 'spam');
  assert.equal(update(model, feedback).accepted, true);
  assert.equal(model.predict('free cruise')[0].label, 'phishing', 'without memory the old label is lost');

  const learner = await Learner.train(examples, options);
  assert.equal(learner.predict('free cruise')[0].label, 'spam');
  const result = await learner.learn(feedback);
  assert.equal(result.accepted, true);
  assert.deepEqual(result.warnings, []);
  assert.equal(learner.predict('track your parcel here')[0].label, 'phishing', 'the new label is learned');
  assert.equal(learner.predict('free cruise')[0].label, 'spam', 'the old text keeps its label');
  assert.ok(learner.memory!.replay.examples().some((e) => e.labels[0] === 'phishing'), 'the memory took the feedback');
});

test('learn refuses another memory: the learner always updates with its own', async () => {
  const learner = await Learner.train(corpus('wordnet3.train.jsonl'), SMALL);
  await assert.rejects(learner.learn(plants, { memory: null } as object), /always updates with its own memory/);
});

test('save in place after learn writes a patch, and load gives the same predictions and memory', async (t) => {
  const dir = tmp(t);
  const modelDir = join(dir, 'model');
  // 200,000 buckets: a base large enough that the updates' rows stay a small share of it (no compaction).
  const learner = await Learner.train(corpus('wordnet3.train.jsonl'), { ...SMALL, bucket: 200_000, valid: jsonl('wordnet3.test.jsonl') });
  assert.equal(learner.dir, null);
  assert.deepEqual(await learner.save(modelDir), { dir: modelDir, as: 'whole', why: 'a new learner' });
  assert.equal(existsSync(join(modelDir, 'manifest.json')), false);

  const loaded = await Learner.load(modelDir);
  assert.deepEqual(predictions(loaded), predictions(learner));
  // Two accepted updates before one save: one patch of the saved version.
  const first = await loaded.learn(plants);
  assert.equal(first.accepted, true, JSON.stringify(first.reasons));
  const second = await loaded.learn(foods);
  assert.equal(second.accepted, true, JSON.stringify(second.reasons));
  assert.ok(loaded.labels.includes('noun.plant') && loaded.labels.includes('noun.food'));
  assert.equal(loaded.lineage?.depth, 2, 'two updates since training');
  const saved = await loaded.save(modelDir);
  assert.deepEqual(saved, { dir: modelDir, as: 'patch' });
  assert.ok(existsSync(join(modelDir, 'manifest.json')));
  assert.equal(readdirSync(join(modelDir, 'patches')).length, 1);

  const again = await Learner.load(modelDir);
  assert.deepEqual(again.lineage, loaded.lineage);
  assert.deepEqual(again.labels, loaded.labels);
  assert.deepEqual(predictions(again), predictions(loaded));
  assert.deepEqual(weights(again.model), weights(loaded.model));
  assert.deepEqual(again.memory!.replay.examples(), loaded.memory!.replay.examples());
  assert.deepEqual(again.memory!.guard, loaded.memory!.guard);
  assert.deepEqual(await again.evaluate(corpus('wordnet3.test.jsonl')), await loaded.evaluate(jsonl('wordnet3.test.jsonl')));
});

test('a trained learner saved, then learning and saving in place, grows patches; a save with nothing learned writes nothing', async (t) => {
  const modelDir = join(tmp(t), 'model');
  const learner = await Learner.train(corpus('wordnet3.train.jsonl'), { ...SMALL, bucket: 200_000, valid: jsonl('wordnet3.test.jsonl') });
  assert.equal((await learner.save(modelDir)).as, 'whole');
  assert.deepEqual(await learner.save(modelDir), { dir: modelDir, as: 'unchanged' });
  for (const batch of [plants, foods]) {
    const r = await learner.learn(batch);
    assert.equal(r.accepted, true, JSON.stringify(r.reasons));
    assert.deepEqual(await learner.save(modelDir), { dir: modelDir, as: 'patch' });
  }
  assert.equal(readdirSync(join(modelDir, 'patches')).length, 2);
  const before = readFileSync(join(modelDir, 'manifest.json'), 'utf8');
  assert.deepEqual(await learner.save(modelDir), { dir: modelDir, as: 'unchanged' });
  assert.equal(readFileSync(join(modelDir, 'manifest.json'), 'utf8'), before);
  const loaded = await Learner.load(modelDir);
  assert.deepEqual(predictions(loaded), predictions(learner));
  assert.deepEqual(weights(loaded.model), weights(learner.model));
  assert.equal(loaded.lineage?.depth, 2);
});

test('successive learns train on the copy the thread kept: the same model as a learner loaded in between, which copies it afresh', async (t) => {
  const dir = join(tmp(t), 'model');
  const kept = await Learner.train(corpus('wordnet3.train.jsonl'), { ...SMALL, bucket: 200_000, valid: jsonl('wordnet3.test.jsonl') });
  assert.equal((await kept.learn(plants)).accepted, true);
  await kept.save(dir);
  const fresh = await Learner.load(dir);
  for (const learner of [kept, fresh]) {
    for (const batch of [foods, plants.slice(0, 10)]) assert.equal((await learner.learn(batch, { gate: false })).accepted, true);
  }
  assert.deepEqual(weights(kept.model), weights(fresh.model));
  assert.deepEqual(predictions(kept), predictions(fresh));
  assert.deepEqual(kept.memory!.replay.examples(), fresh.memory!.replay.examples());
  assert.equal(kept.lineage?.depth, 3);
  assert.equal(kept.lineage?.depth, fresh.lineage?.depth);
  // The second learn's parent is the saved version: the kept copy took the save's source.
  await kept.save(dir);
  await fresh.save(join(tmp(t), 'fresh'));
  assert.deepEqual((await Learner.load(dir)).lineage?.parent, fresh.lineage?.parent);
});

test('save to another directory writes the whole model, and the learner moves there', async (t) => {
  const dir = tmp(t);
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const learner = await Learner.train(corpus('wordnet3.train.jsonl'), SMALL);
  await learner.save(a);
  const result = await learner.learn(plants);
  assert.equal(result.accepted, true, JSON.stringify(result.reasons));
  assert.deepEqual(await learner.save(b), { dir: b, as: 'whole', why: 'a new directory' });
  assert.equal(learner.dir, b);
  assert.equal(existsSync(join(b, 'manifest.json')), false);
  assert.equal(existsSync(join(b, 'patches')), false);
  const loaded = await Learner.load(b);
  assert.deepEqual(predictions(loaded), predictions(learner));
  // The parent stays as it was saved.
  assert.equal((await Learner.load(a)).labels.includes('noun.plant'), false);
});

test('a learner without memory says so when it learns, and starts a memory from what it learned', async (t) => {
  const dir = tmp(t);
  const { model } = await train(jsonl('wordnet3.train.jsonl'), SMALL);
  saveModel(model, dir); // a model saved without its memory
  const learner = await Learner.load(dir);
  assert.equal(learner.memory, null);
  const result = await learner.learn(plants);
  assert.ok(result.warnings.some((w) => w.code === 'no-memory' && /no replay memory/.test(w.message) && /forget/.test(w.message)), JSON.stringify(result.warnings));
  assert.equal(result.accepted, true, JSON.stringify(result.reasons));
  assert.equal((learner as Learner).memory?.replay.size, plants.length, 'an accepted update starts a memory from its examples');
  assert.deepEqual(result.warnings.at(-1), { code: 'memory-started', message: "a memory was started from this update's 20 examples: later updates replay them" });

  const none = await Learner.train(corpus('wordnet3.train.jsonl'), { ...SMALL, replay: 0 });
  assert.equal(none.memory, null);
  const r = await none.learn(plants, { replay: 0 });
  assert.equal(r.warnings[0].code, 'no-memory');
  assert.match(r.warnings[0].message, /no replay memory/);
  assert.equal(none.memory, null, 'replay 0: no memory is started');
});

test('with its memory, learn gives no warning; replay 0 says what it turns off', async () => {
  const learner = await Learner.train(corpus('wordnet3.train.jsonl'), SMALL);
  const r = await learner.learn(plants, { replay: 0 });
  assert.deepEqual(r.warnings.map((w) => w.code), ['replay-off']);
  // (300 examples: no guard was held out, so the gate has none either)
  assert.match(r.warnings[0].message, /^replay: 0 and the model saved no guard and no guard was given: .* the update may forget what the model knew$/);
});

test('Learner.train refuses what it cannot train on, naming it, before training', async () => {
  await assert.rejects(Learner.train(42 as never), { code: 'BAD_DATA', message: /array of examples, a data file's path or an async iterable/ });
  await assert.rejects(Learner.train([{ text: 'x', label: 'a' }, { text: 'y' } as never]), { code: 'BAD_DATA', message: /^Learner\.train: examples\[1\]: no label/ });
  await assert.rejects(Learner.train([]), { code: 'BAD_DATA', message: /no training examples/ });
  await assert.rejects(Learner.train(jsonl('wordnet3.train.jsonl'), { replay: -1 }), { code: 'BAD_CONFIG', message: /replay must be an integer >= 0, got number -1/ });
  await assert.rejects(Learner.train('no/such/file.jsonl', { epoch: 0 }), { code: 'BAD_CONFIG', message: /epoch must be an integer >= 1/ }, 'options are checked before the file is read');
  await assert.rejects(Learner.train(jsonl('wordnet3.train.jsonl'), { guardSize: 1.5 }), { code: 'BAD_CONFIG', message: /guardSize must be an integer >= 0/ });
});
