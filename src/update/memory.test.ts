/**
 * A model's memory across updates and on disk: the replay buffer stays within its capacity and
 * class-balanced, saveLearner/loadLearner round-trips it exactly, and a damaged memory file is a
 * ModelFileError that names it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { readDataset, type Example } from '../data/read.js';
import { ModelFileError } from '../errors.js';
import { train } from '../learn/train.js';
import type { TextClassifier } from '../model/classifier.js';
import type { ModelJson } from '../store/modelFiles.js';
import { xxh64Hex } from '../store/xxh64.js';
import { buildMemory, estimateFisher, featurize, loadLearner, markSeen, memoryAfterUpdate, memoryBefore, saveLearner, saveLearnerPatch, type ContinualMemory } from './memory.js';
import { PATCH_DIR } from '../store/manifest.js';
import { applyPatch, isExtraTensor, modelChange, readPatch } from '../store/patch.js';
import { serialize } from 'node:v8';
import { update } from './update.js';

const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));
const SMALL: Partial<Config> = { dim: 16, bucket: 20000, epoch: 10, lr: 0.5, wordNgrams: 2, seed: 1, thread: 1 };
const root = mkdtempSync(join(tmpdir(), 'accrete-memory-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `m${++dirs}`);

let trainSet: Example[];
let testSet: Example[];
before(async () => {
  trainSet = (await readDataset(corpus('wordnet5.train.txt'))).examples;
  testSet = (await readDataset(corpus('wordnet5.test.txt'))).examples;
});

async function learner(examples: Example[], capacity: number): Promise<{ model: TextClassifier; memory: ContinualMemory }> {
  const { model } = await train(examples, SMALL);
  const seen = markSeen(null, model.params.input.rows, featurize(model, examples));
  return { model, memory: buildMemory(model, examples, { capacity, seed: 1, seen }) };
}

/** Each class keeps at most its share; a class offered at least its share keeps exactly that. */
function assertBalanced(memory: ContinualMemory): void {
  const stats = memory.replay.stats();
  const cap = memory.replay.capacity;
  assert.ok(memory.replay.size <= cap, `size ${memory.replay.size} > capacity ${cap}`);
  stats.forEach((s, k) => {
    const share = Math.floor(cap / stats.length) + (k < cap % stats.length ? 1 : 0);
    assert.ok(s.kept <= share, `${s.label} keeps ${s.kept} > share ${share}`);
    if (s.seen >= share) assert.equal(s.kept, share, `${s.label} (seen ${s.seen}) should fill its share ${share}`);
  });
}

test('replay: within capacity and class-balanced after every accepted update, also when an update shrinks it', async () => {
  // The parent sees four labels; the updates bring more of them and then a fifth.
  const first = trainSet.slice(0, 600).filter((e) => e.labels[0] !== 'noun.food');
  const { model, memory } = await learner(first, 120);
  assertBalanced(memory);
  const guard = testSet.slice(0, 200);
  const batches = [trainSet.slice(600, 900), trainSet.slice(900, 1200), trainSet.slice(1200, 1500)];
  for (const [i, batch] of batches.entries()) {
    // gate: false: this is about what an accepted update does to the memory, not about the gate.
    const d = update(model, batch, { memory, guard, gate: false, replay: i === 2 ? 60 : undefined });
    assert.ok(d.accepted, `batch ${i}: ${d.accepted ? '' : d.reasons.map((r) => r.message).join('; ')}`);
    assertBalanced(memory);
  }
  assert.equal(memory.replay.capacity, 60);
  assert.equal(memory.replay.size, 60);
  const stats = memory.replay.stats();
  assert.deepEqual(stats.map((s) => s.label).sort(), ['noun.animal', 'noun.artifact', 'noun.food', 'noun.plant', 'verb.motion']);
  assert.equal(stats.reduce((n, s) => n + s.seen, 0), first.length + 900, 'every example was offered once');
  assert.ok(stats.every((s) => s.kept === 12), JSON.stringify(stats));
});

test('saveLearner -> loadLearner: replay state, Fisher, seen rows and predictions identical', async () => {
  const { model, memory } = await learner(trainSet.slice(0, 400), 100);
  const dir = freshDir();
  saveLearner(model, memory, dir);
  const loaded = loadLearner(dir);
  assert.ok(loaded.memory);
  assert.deepEqual(loaded.memory.replay.toState(), memory.replay.toState());
  const f = memory.fisher!;
  const g = loaded.memory.fisher!;
  for (const key of ['input', 'output'] as const) assert.ok(Buffer.from(g[key].buffer, g[key].byteOffset, g[key].byteLength).equals(Buffer.from(f[key].buffer, f[key].byteOffset, f[key].byteLength)), `fisher.${key}`);
  assert.equal(g.hiddenWeight, null);
  assert.deepEqual(loaded.memory.seen, memory.seen);
  for (const e of testSet.slice(0, 50)) assert.deepEqual(loaded.model.predict(e.text, { k: 3 }), model.predict(e.text, { k: 3 }));
  // The loaded buffer goes on exactly as the original would (same rng position).
  const more = trainSet.slice(400, 700);
  loaded.memory.replay.addAll(more);
  memory.replay.addAll(more);
  assert.deepEqual(loaded.memory.replay.toState(), memory.replay.toState());
});

test('a hidden-layer learner round-trips its hidden-layer Fisher too; a bare model loads with memory null', async () => {
  const { model } = await train(trainSet.slice(0, 300), { ...SMALL, hidden: 8, epoch: 5 });
  const memory = buildMemory(model, trainSet.slice(0, 300), { capacity: 50, seed: 2 });
  const dir = freshDir();
  saveLearner(model, memory, dir);
  const g = loadLearner(dir).memory!.fisher!;
  assert.deepEqual(Array.from(g.hiddenWeight!), Array.from(memory.fisher!.hiddenWeight!));
  assert.deepEqual(Array.from(g.hiddenBias!), Array.from(memory.fisher!.hiddenBias!));
  assert.equal(loadLearner(dir).memory!.seen, null);
  const bare = freshDir();
  saveLearner(model, null, bare);
  assert.equal(loadLearner(bare).memory, null);
});

/** A saved learner to damage. */
async function saved(): Promise<string> {
  const { model, memory } = await learner(trainSet.slice(0, 200), 40);
  const dir = freshDir();
  saveLearner(model, memory, dir);
  return dir;
}

test('a corrupted or missing replay.json is a ModelFileError naming the file', async () => {
  const dir = await saved();
  const path = join(dir, 'replay.json');
  const original = readFileSync(path);
  writeFileSync(path, original.subarray(0, original.length - 10));
  assert.throws(() => loadLearner(dir), (e: unknown) => e instanceof ModelFileError && /replay\.json: checksum mismatch/.test(e.message));
  unlinkSync(path);
  assert.throws(() => loadLearner(dir), (e: unknown) => e instanceof ModelFileError && /replay\.json: file is missing/.test(e.message));
});

test('a replay.json with a valid checksum but an impossible state is a ModelFileError too', async () => {
  const dir = await saved();
  const state = JSON.parse(readFileSync(join(dir, 'replay.json'), 'utf8')) as { capacity: number };
  state.capacity = -1;
  const text = JSON.stringify(state);
  writeFileSync(join(dir, 'replay.json'), text);
  // Re-sign it in model.json, as a hand edit or an older writer with other rules would leave it.
  const jsonPath = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJson;
  const ref = json.extraFiles!.find((f) => f.name === 'replay.json')!;
  ref.xxh64 = xxh64Hex(Buffer.from(text));
  ref.bytes = Buffer.byteLength(text);
  writeFileSync(jsonPath, JSON.stringify(json));
  assert.throws(() => loadLearner(dir), (e: unknown) => e instanceof ModelFileError && /replay\.json/.test(e.message));
});

test('after an accepted update, a memory whose seen rows were unknown does not forget the rows the parent was trained on', async () => {
  const first = trainSet.slice(0, 600);
  const { model } = await train(first, SMALL);
  const memory = buildMemory(model, first, { capacity: 200, seed: 1, seen: null });
  const parentRows = new Set(featurize(model, first).rows);
  const d = update(model, trainSet.slice(600, 900), { memory, guard: testSet.slice(0, 200), gate: false });
  assert.ok(d.accepted);
  // Unknown must stay unknown (null), or at least every row the parent trained must count as seen.
  if (memory.seen !== null) {
    const forgotten = [...parentRows].filter((r) => memory.seen![r] !== 1);
    assert.deepEqual(forgotten.length, 0, `${forgotten.length} of ${parentRows.size} rows the parent was trained on now count as never seen`);
  }
});

test('an accepted update leaves the Fisher stale: a patch marks it so (rows unchanged), and an EWC update then estimates it, as from a fresh estimate', async () => {
  const dir = freshDir();
  const first = trainSet.filter((e) => e.labels[0] !== 'noun.plant');
  const { model, memory } = await learner(first, 500);
  saveLearner(model, memory, dir);
  const a = loadLearner(dir);
  const was = memoryBefore(a.memory!);
  const plants = trainSet.filter((e) => e.labels[0] === 'noun.plant').slice(0, 40);
  const decision = update(a.model, plants, { memory: a.memory, gate: false, seed: 2 });
  assert.ok(decision.accepted);
  const kept = memoryAfterUpdate(a.model, a.memory, plants, {});
  assert.equal(kept!.fisher, null, 'not estimated again at the update');
  const ref = saveLearnerPatch(a.model, kept, decision.parent, was, dir);
  assert.ok(ref, 'saved as a patch');
  const patch = readPatch(join(dir, PATCH_DIR, ref.name), ref.xxh64);
  assert.deepEqual(patch.rows.filter((r) => r.name.includes(':fisher')).map((r) => [r.name, r.rowsBefore, r.rowsAfter]), [['memory.safetensors:fisher.stale', 0, 1]], 'no Fisher row is rewritten: only the stale mark is added');

  const b = loadLearner(dir);
  assert.equal(b.memory!.fisher, null, 'loaded stale: no Fisher');
  assert.deepEqual(b.memory!.staleFisher!.input, memory.fisher!.input, 'the stale values are kept in the files');
  // An EWC update on it estimates the Fisher of this very model at its start: the same as handing it a fresh estimate.
  const c = loadLearner(dir);
  c.memory!.fisher = estimateFisher(c.model, c.memory!.replay.examples());
  const more = testSet.filter((e) => e.labels[0] === 'noun.plant').slice(0, 20);
  update(b.model, more, { memory: b.memory, gate: false, seed: 3, ewc: 100 });
  update(c.model, more, { memory: c.memory, gate: false, seed: 3, ewc: 100 });
  assert.deepEqual(b.model.params.input.data, c.model.params.input.data);
  assert.deepEqual(b.model.params.output.data, c.model.params.output.data);
});

test("modelChange keeps of a learner's patch what the model needs: applied to the parent it gives the child's weights, without the memory's part", async () => {
  const dir = freshDir();
  const { model, memory } = await learner(trainSet.slice(0, 400), 300);
  saveLearner(model, memory, dir);
  const a = loadLearner(dir);
  const serving = loadLearner(dir).model;
  const was = memoryBefore(a.memory!);
  const more = trainSet.slice(400, 700);
  const decision = update(a.model, more, { memory: a.memory, gate: false, seed: 4 });
  assert.ok(decision.accepted);
  const ref = saveLearnerPatch(a.model, memoryAfterUpdate(a.model, a.memory, more, {}), decision.parent, was, dir);
  assert.ok(ref, 'saved as a patch');
  const patch = readPatch(join(dir, PATCH_DIR, ref.name), ref.xxh64);
  assert.ok((patch.head.json ?? []).length > 0 && patch.rows.some((r) => isExtraTensor(r.name)), 'the whole patch changes the memory too');
  const part = modelChange(patch);
  assert.equal(part.head.json, undefined);
  assert.deepEqual(part.rows.map((r) => r.name), patch.rows.filter((r) => !isExtraTensor(r.name)).map((r) => r.name));
  assert.ok(serialize(part).length < serialize(patch).length);
  applyPatch(serving, part, dir);
  const child = loadLearner(dir).model;
  assert.deepEqual(serving.params.input.data, child.params.input.data);
  assert.deepEqual(serving.params.output.data, child.params.output.data);
  assert.deepEqual(serving.vocab.labels, child.vocab.labels);
  assert.deepEqual(serving.info, child.info);
});
