/**
 * Patches (patch.ts, manifest.ts): a base plus patches loads bit for bit as the model saved whole,
 * with and without a hidden layer, softmax and one-vs-all, Adam's state, grown words and labels;
 * reverting gives the parent back; a damaged, missing or misordered patch, and a second writer, are
 * refused with an error naming the file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Example } from '../data/example.js';
import { readDataset } from '../data/read.js';
import { AccreteError, ModelFileError } from '../errors.js';
import { train, type TrainOptions } from '../learn/train.js';
import type { TextClassifier } from '../model/classifier.js';
import { corpus, plantTexts } from '../serve/testing.js';
import { update } from '../update/update.js';
import { appendPatch, MANIFEST_FILE, PATCH_DIR, readManifest } from './manifest.js';
import { loadModel, loadModelAsync, saveModel, savePatch } from './modelFiles.js';
import { applyRowChain, applyRows, changedBelow, diffModel, diffRows, namedTensors, readPatch, revertPatch, revertRows, type ModelBefore } from './patch.js';
import { SafetensorsReader, writeSafetensors, type TensorLike } from './safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-patch-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let examples: Example[];
before(async () => {
  examples = (await readDataset(corpus('wordnet3.train.jsonl'))).examples;
});

/** Everything a model is, as bytes and lists, to compare two models exactly. */
function fingerprint(m: TextClassifier) {
  return {
    tensors: [...namedTensors(m)].map(([name, t]) => [name, t.rows, t.cols, Buffer.from(t.data.buffer, t.data.byteOffset, t.rows * t.cols * 4).toString('base64')]),
    words: [...m.vocab.words],
    wordCounts: [...m.vocab.wordCounts],
    labels: [...m.labels],
    labelCounts: [...m.vocab.labelCounts],
    info: JSON.stringify(m.info),
    step: m.optimizerState?.step ?? null,
  };
}

/** The whole model as the "before" of a patch: every row of every tensor. */
function everything(m: TextClassifier): ModelBefore {
  return {
    state: m.source!.weightsChecksum,
    words: m.vocab.wordCount,
    labelCounts: [...m.vocab.labelCounts],
    info: structuredClone(m.info),
    optimizerStep: m.optimizerState?.step ?? null,
    tensors: new Map([...namedTensors(m)].map(([name, t]) => [name, { rows: t.rows, ids: Int32Array.from({ length: t.rows }, (_, i) => i), values: t.data.slice(0, t.rows * t.cols) }])),
  };
}

const probes = ['a young wolf', 'a tall plant with woody stems and leaves', 'move quickly across the floor', 'zyzzyva quux'];
const predictions = (m: TextClassifier) => probes.map((t) => m.predict(t, { k: 3 }));

/** A new label with new words: rows grown in input and output, and Adam's moments with them. */
const newData = (n: number, from = 0) => plantTexts(from + n).slice(from).map((text) => ({ text: `${text} zyzzyva${from}`, labels: ['noun.plant'] }));

for (const variant of [
  { name: 'softmax', options: {} },
  { name: 'hidden layer + Adam', options: { hidden: 8, optimizer: 'adam', lr: 0.01 } },
  { name: 'one-vs-all', options: { loss: 'ova' } },
] as { name: string; options: TrainOptions }[]) {
  test(`base + patches loads bit for bit as the model saved whole; reverting gives the parent (${variant.name})`, async () => {
    const base = join(dir, `base-${variant.name.replace(/\W+/g, '-')}`);
    const { model } = await train(examples, { dim: 16, bucket: 5000, epoch: 3, lr: 0.5, wordNgrams: 2, seed: 1, thread: 1, ...variant.options });
    saveModel(model, base);
    const parent = fingerprint(loadModel(base));

    // Two updates in a row, each saved as a patch.
    const live = loadModel(base);
    const states: string[] = [live.source!.weightsChecksum];
    const patches = [];
    for (const round of [0, 1]) {
      const b = everything(live);
      const decision = update(live, newData(3, round * 3), { gate: false, seed: round });
      assert.ok(decision.accepted);
      // The update's own record of the parent (the journal: only rows it could touch) gives the same patch as the whole model.
      const patch = diffModel(live, decision.parent);
      const full = diffModel(live, b);
      assert.deepEqual(patch.head, full.head);
      assert.deepEqual(patch.rows.map((r) => [r.name, [...r.ids], Buffer.from(r.delta.buffer).toString('base64')]), full.rows.map((r) => [r.name, [...r.ids], Buffer.from(r.delta.buffer).toString('base64')]));
      assert.ok(patch.rows.find((r) => r.name === 'input')!.ids.length < live.params.input.rows / 4, 'a patch holds the rows that changed, not the model');
      assert.ok(patch.rows.some((r) => r.rowsAfter > r.rowsBefore), 'the patch grows rows');
      assert.ok(patch.head.words.added.length > 0, 'and adds words');
      const ref = appendPatch(base, states[0], patch);
      live.source = { dir: base, weightsChecksum: ref.xxh64 };
      states.push(ref.xxh64);
      patches.push(patch);
    }
    assert.deepEqual(readManifest(base)!.patches.map((p) => p.parent), states.slice(0, 2));

    const patched = loadModel(base);
    assert.equal(patched.source!.weightsChecksum, states[2], 'the state is the last patch');
    assert.deepEqual(fingerprint(patched), fingerprint(live), 'base + patches = the model in memory');
    const whole = join(dir, `whole-${variant.name.replace(/\W+/g, '-')}`);
    saveModel(live, whole);
    assert.deepEqual(predictions(patched), predictions(loadModel(whole)), 'the same predictions as the model saved whole');
    assert.deepEqual(fingerprint(await loadModelAsync(base)), fingerprint(live), 'the async loader (accrete predict) applies them too');

    // Going back is applying the patches backwards.
    revertPatch(patched, patches[1], 'test');
    revertPatch(patched, patches[0], 'test');
    assert.deepEqual(fingerprint(patched), parent);
  });
}

test('a damaged, missing or misordered patch, or a replaced base, is refused with an error naming the file; a stale writer gets CONFLICT', async () => {
  const base = join(dir, 'damaged');
  const { model } = await train(examples, { dim: 8, bucket: 2000, epoch: 1, seed: 1, thread: 1 });
  saveModel(model, base);
  const live = loadModel(base);
  const baseState = live.source!.weightsChecksum;
  const refs = [];
  for (const round of [0, 1]) {
    const b = everything(live);
    update(live, newData(2, round * 2), { gate: false });
    refs.push(savePatch(live, b));
  }
  const manifestPath = join(base, MANIFEST_FILE);
  const manifest = readFileSync(manifestPath, 'utf8');
  const patchPath = join(base, PATCH_DIR, refs[1].name);
  const patchBytes = readFileSync(patchPath);
  const refused = (pattern: RegExp) => (err: unknown) => err instanceof ModelFileError && pattern.test(err.message);

  const flipped = Buffer.from(patchBytes);
  flipped[flipped.length - 5] ^= 0x10;
  writeFileSync(patchPath, flipped);
  assert.throws(() => loadModel(base), refused(new RegExp(`${refs[1].name}: checksum mismatch`)));
  unlinkSync(patchPath);
  assert.throws(() => loadModel(base), refused(new RegExp(`${refs[1].name}: patch file is missing`)));
  writeFileSync(patchPath, patchBytes);

  const m = JSON.parse(manifest);
  writeFileSync(manifestPath, JSON.stringify({ ...m, patches: [m.patches[1], m.patches[0]] }));
  assert.throws(() => loadModel(base), refused(/out of order/));
  writeFileSync(manifestPath, manifest);

  // A writer that loaded the model before the second patch cannot add its own on top of the first.
  const stale = loadModel(base);
  revertPatch(stale, diffModel(stale, everything(stale)), 'noop'); // (an empty patch changes nothing)
  stale.source = { dir: base, weightsChecksum: refs[0].xxh64 };
  const b = everything(stale);
  update(stale, newData(2, 10), { gate: false });
  assert.throws(() => savePatch(stale, b), (err: unknown) => err instanceof AccreteError && err.code === 'CONFLICT');
  assert.equal(readFileSync(manifestPath, 'utf8'), manifest, 'the manifest is unchanged');

  // A base replaced under its patches.
  copyFileSync(join(base, 'weights.safetensors'), join(dir, 'weights.bak'));
  saveModel(model, join(dir, 'other'));
  const json = JSON.parse(readFileSync(join(base, 'model.json'), 'utf8'));
  json.weights.xxh64 = '0123456789abcdef';
  writeFileSync(join(base, 'model.json'), JSON.stringify(json));
  assert.throws(() => loadModel(base), refused(/the base was replaced under its patches/));
});

test('a patch of format version 1 (rows before and after, F32) still loads and reverts; the next update adds a version 2 patch after it', async () => {
  const base = join(dir, 'v1');
  const { model } = await train(examples, { dim: 8, bucket: 2000, epoch: 1, seed: 1, thread: 1 });
  saveModel(model, base);
  const parent = loadModel(base);
  const live = loadModel(base);
  const b = everything(live);
  update(live, newData(2), { gate: false });
  const patch = diffModel(live, b);
  // The same patch as version 1 wrote it.
  const now = namedTensors(live);
  const was = namedTensors(parent);
  const list = patch.rows.flatMap((r): [string, TensorLike][] => {
    const below = changedBelow(r);
    const rowOf = (m: Map<string, { data: Float32Array }>, id: number) => m.get(r.name)!.data.subarray(id * r.cols, (id + 1) * r.cols);
    const before = new Float32Array(below * r.cols);
    const after = new Float32Array(r.ids.length * r.cols);
    r.ids.forEach((id, k) => {
      after.set(rowOf(now, id), k * r.cols);
      if (k < below) before.set(rowOf(was, id), k * r.cols);
    });
    return [[`${r.name}/ids`, { rows: r.ids.length, cols: 1, data: r.ids }], [`${r.name}/before`, { rows: below, cols: r.cols, data: before }], [`${r.name}/after`, { rows: r.ids.length, cols: r.cols, data: after }]];
  });
  mkdirSync(join(base, PATCH_DIR));
  const tmp = join(base, PATCH_DIR, 'v1.tmp');
  const { xxh64, bytes } = writeSafetensors(tmp, list, { patch: JSON.stringify({ ...patch.head, formatVersion: 1 }) });
  renameSync(tmp, join(base, PATCH_DIR, `${xxh64}.patch`));
  writeFileSync(join(base, MANIFEST_FILE), JSON.stringify({ format: 'accrete-manifest', formatVersion: 1, base: b.state, patches: [{ name: `${xxh64}.patch`, xxh64, bytes, parent: b.state }] }));

  const loaded = loadModel(base);
  assert.deepEqual(fingerprint(loaded), fingerprint(live), 'base + a version 1 patch = the model in memory');
  revertPatch(loaded, readPatch(join(base, PATCH_DIR, `${xxh64}.patch`), xxh64), 'test');
  assert.deepEqual(fingerprint(loaded), fingerprint(parent), 'and reverting it gives the parent');

  const next = loadModel(base);
  const b2 = everything(next);
  update(next, newData(2, 7), { gate: false });
  const ref = savePatch(next, b2);
  const reader = new SafetensorsReader(join(base, PATCH_DIR, ref.name));
  assert.equal((JSON.parse(reader.header.__metadata__!.patch) as { formatVersion: number }).formatVersion, 2, 'new patches are version 2');
  reader.close();
  assert.deepEqual(fingerprint(loadModel(base)), fingerprint(next));
});

test('diffRows: changed rows ascending, grown rows after; applyRows gives after and revertRows gives before, bit for bit', () => {
  for (const cols of [1, 3]) {
    const before = Float32Array.from({ length: 50 * cols }, (_, i) => Math.sin(i));
    const after = new Float32Array(53 * cols);
    after.set(before);
    for (const row of [0, 7, 49]) after[row * cols + cols - 1] += 0.5;
    // A sign-only change (bit patterns, not values, decide).
    after[11 * cols] = -after[11 * cols];
    for (let k = 50 * cols; k < after.length; k++) after[k] = k;
    const r = diffRows('t', cols, before, after)!;
    assert.deepEqual([...r.ids], [0, 7, 11, 49, 50, 51, 52]);
    assert.deepEqual(new Uint8Array(applyRows(before, r, 'test').buffer), new Uint8Array(after.buffer));
    assert.deepEqual(new Uint8Array(revertRows(after, r, 'test').buffer), new Uint8Array(before.buffer));
    assert.equal(diffRows('t', cols, before, before.slice()), null);
  }
});

test('diffRows keeps exactly the rows whose bits changed (-0 against 0 included) and the grown ones; a chain of them applies to the last', () => {
  const cols = 2;
  const v0 = Float32Array.from([1, 2, 3, 4, 0, 6]);
  const v1 = Float32Array.from([1, 2, 3, 5, -0, 6, 7, 8]);
  const v2 = Float32Array.from([9, 2, 3, 5, -0, 6, 7, 8, 10, 11]);
  const a = diffRows('t', cols, v0, v1)!;
  assert.deepEqual([...a.ids], [1, 2, 3], 'rows 1 (4 -> 5) and 2 (0 -> -0) changed, row 3 grown');
  assert.equal(changedBelow(a), 2);
  assert.equal(diffRows('t', cols, v1, v1.slice()), null, 'nothing changed: no RowChanges');
  const b = diffRows('t', cols, v1, v2)!;
  const bits = (x: Float32Array) => [...new Int32Array(x.buffer, x.byteOffset, x.length)];
  assert.deepEqual(bits(applyRowChain(v0.slice(), [{ rows: a, where: 'a' }, { rows: b, where: 'b' }])), bits(v2));
  assert.throws(() => applyRowChain(v0.slice(), [{ rows: b, where: 'b' }]), /the patch changes t of 4 rows, but it has 3/);
});

test('diffRows finds every changed row across its native block compares: at block edges, in the last partial block, a single bit, many columns', () => {
  for (const cols of [1, 3, 100]) {
    const rows = 5_000;
    const before = new Float32Array(rows * cols).map((_, i) => (i % 97) / 7);
    const after = before.slice();
    const bits = new Int32Array(after.buffer);
    // Rows at and around the edges of the 1,024-value blocks, the first and the last row.
    const block = Math.floor(1024 / cols);
    const want = [...new Set([0, block - 1, block, 2 * block + 1, rows - 1].filter((r) => r < rows))].sort((a, b) => a - b);
    for (const r of want) bits[r * cols + (r % cols)] ^= 1;
    const d = diffRows('t', cols, before, after)!;
    assert.deepEqual([...d.ids], want, `cols ${cols}`);
    assert.deepEqual(applyRows(before, d, 't'), after);
    // The same array twice is no change, without a scan.
    assert.equal(diffRows('t', cols, after, after), null);
  }
});
