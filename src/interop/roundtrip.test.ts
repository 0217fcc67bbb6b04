/**
 * The round trip against the real fastText CLI (issue 6): train with fastText -> import -> the same
 * predictions as `fasttext predict-prob` -> update with data that brings a new label -> export ->
 * `fasttext test` on the exported file gives Accrete's own accuracy. CI installs the Debian
 * `fasttext` package (.ci/run); without it these tests fail and say so.
 */
import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Example } from '../data/example.js';
import { exampleFromFastText } from '../data/fasttext.js';
import { evaluate } from '../eval/evaluate.js';
import { train } from '../learn/train.js';
import type { TextClassifier } from '../model/classifier.js';
import { buildMemory } from '../update/memory.js';
import { update } from '../update/update.js';
import { exportFastText } from './export.js';
import { parsePredictProb, parseTestPrecision, runFastText } from './fasttextCli.js';
import { fasttextSigmoid } from '../model/tableSigmoid.js';
import { importFastText } from './import.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-fasttext-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const corpus = (name: string) => readFileSync(fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url)), 'utf8').split('\n').filter((l) => l !== '');

/** Non-ASCII, mixed-case and punctuated tokens per class, so signed-byte hashing and the raw split matter. */
const EXTRA: Record<string, string[]> = {
  'noun.animal': ['Löwe', '猫', 'ñandú', 'Tiger!', '🐾'],
  'noun.plant': ['árbol', 'Blüte', '花', 'flor🌸', 'Moos,'],
  'noun.food': ['crème', 'Käse', '饭', 'PAN', 'sopa…'],
  'noun.artifact': ['máquina', 'Gerät', '道具', 'Tool?', '⚙'],
  'verb.motion': ['correr', 'laufen', '走る', 'Move!', '🏃'],
};

/** The fixture lines with some extra tokens, a tab and double spaces mixed in (deterministically). */
function augment(lines: string[], salt: number): string[] {
  return lines.map((line, i) => {
    const label = line.slice('__label__'.length, line.indexOf(' '));
    const extra = EXTRA[label];
    if ((i + salt) % 3 !== 0 || !extra) return line;
    const word = extra[(i * 7 + salt) % extra.length];
    return i % 2 === 0 ? `${line} ${word}` : `${line}\t${word}  ${extra[(i + 1) % extra.length]}`;
  });
}

const trainLines = augment(corpus('wordnet5.train.txt'), 0);
const testLines = augment(corpus('wordnet5.test.txt'), 1);
const isNew = (l: string) => l.startsWith('__label__verb.motion ');
const file = (name: string, lines: string[]) => {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
};
const BASE = file('base.txt', trainLines.filter((l) => !isNew(l)));
const TEST = file('test.txt', testLines);
const examplesOf = (lines: string[]) => lines.map((l) => exampleFromFastText(l, true) as Example);

/** A fastText model trained on `input` with tiny settings; returns the .bin path. */
function fastTextModel(name: string, input: string, flags: string[]): string {
  const out = join(dir, name);
  runFastText(['supervised', '-input', input, '-output', out, '-dim', '10', '-epoch', '5', '-lr', '1.0', '-bucket', '20000', '-thread', '1', '-seed', '1', '-verbose', '0', ...flags]);
  return `${out}.bin`;
}

/** Output scores (logits) of `text`, computed from the rows in plain JS. */
function scores(model: TextClassifier, text: string): number[] {
  const rows = model.features(text);
  const { input, output } = model.params;
  const mean = new Float32Array(input.cols);
  for (const r of rows) input.row(r).forEach((v, d) => (mean[d] += v));
  for (let d = 0; d < mean.length; d++) mean[d] = Math.fround(mean[d] / rows.length);
  return model.labels.map((_, j) => output.row(j).reduce((s, w, d) => s + w * mean[d], 0));
}

interface Agreement {
  lines: number;
  top1: number;
  /** Largest |p_fastText - p_Accrete| over every label of every line, and lines with one above 1e-4. */
  maxDiff: number;
  over: number;
}

/**
 * Compares `fasttext predict-prob` (all labels) on the test file with Accrete's probabilities (given
 * by `probs`) line by line. fastText prints exp(log(p + 1e-5)), so 1e-5 is added to Accrete's side.
 * Top-1 agrees when both name the same label, or when fastText gives Accrete's label its top
 * probability (a tie, which fastText's heap breaks arbitrarily).
 */
function agreement(bin: string, model: TextClassifier, probs: (text: string) => ArrayLike<number>): Agreement {
  const k = model.labels.length;
  const out = runFastText(['predict-prob', bin, TEST, String(k)]).split('\n');
  let top1 = 0;
  let maxDiff = 0;
  let over = 0;
  testLines.forEach((line, i) => {
    const theirs = parsePredictProb(out[i]);
    const ours = probs(line);
    let best = 0;
    let lineMax = 0;
    model.labels.forEach((label, j) => {
      if (ours[j] > ours[best]) best = j;
      lineMax = Math.max(lineMax, Math.abs((theirs.get(label) ?? NaN) - (ours[j] + 1e-5)));
    });
    if ([...theirs.keys()][0] === model.labels[best] || theirs.get(model.labels[best]) === Math.max(...theirs.values())) top1++;
    if (!(lineMax <= 1e-4)) over++;
    maxDiff = Math.max(maxDiff, Number.isNaN(lineMax) ? Infinity : lineMax);
  });
  return { lines: testLines.length, top1: top1 / testLines.length, maxDiff, over };
}

function report(t: TestContext, what: string, a: Agreement): void {
  t.diagnostic(`${what}: ${a.lines} lines, top-1 agreement ${(a.top1 * 100).toFixed(2)}%, max |dp| ${a.maxDiff.toExponential(2)}, lines with |dp| > 1e-4: ${a.over}`);
}

test('round trip: fastText softmax model -> import (same predictions) -> update with a new label -> export -> fasttext test', (t) => {
  const bin = fastTextModel('softmax', BASE, ['-wordNgrams', '2', '-minn', '2', '-maxn', '4']);
  const { model, report: imported } = importFastText(bin);
  assert.deepEqual(imported.warnings, []);
  assert.equal(model.labels.length, 4);
  const before = agreement(bin, model, (text) => model.probabilities(text));
  report(t, 'imported', before);
  assert.ok(before.top1 >= 0.999, `top-1 agreement ${before.top1}`);
  assert.ok(before.maxDiff <= 1e-4, `probabilities differ by up to ${before.maxDiff}`);

  // Update: the new label's examples, with the replay memory import-fasttext --data would build; a
  // fifth label costs the old ones a little, so the gate allows a 3-point drop on the guard set.
  const base = examplesOf(trainLines.filter((l) => !isNew(l)));
  const memory = buildMemory(model, base, { seed: 1 });
  const fresh = examplesOf(trainLines.filter(isNew));
  const decision = update(model, fresh, { memory, seed: 1, maxDrop: 0.03 });
  assert.ok(decision.accepted, `gate: ${decision.report.reasons.map((r) => r.message).join('; ')}`);
  assert.deepEqual(decision.report.newLabels, ['verb.motion']);
  assert.ok(decision.report.newWords.count > 0);

  const exported = join(dir, 'updated.bin');
  exportFastText(model, exported);
  const after = agreement(exported, model, (text) => model.probabilities(text));
  report(t, 'updated and exported', after);
  assert.ok(after.top1 >= 0.999 && after.maxDiff <= 1e-4, `exported model disagrees: ${JSON.stringify(after)}`);
  const ours = evaluate(model, examplesOf(testLines)).accuracy;
  const theirs = parseTestPrecision(runFastText(['test', exported, TEST]));
  t.diagnostic(`accuracy after the update: Accrete eval ${(ours * 100).toFixed(2)}%, fasttext test P@1 ${(theirs.precision * 100).toFixed(1)}% (n ${theirs.n})`);
  assert.equal(theirs.n, testLines.length);
  assert.ok(Math.abs(theirs.precision - ours) <= 0.001, `fasttext test ${theirs.precision} vs Accrete ${ours}`);
  // Round trip of the file itself: re-importing the export gives the same model.
  const again = importFastText(exported).model;
  for (const line of testLines.slice(0, 50)) assert.deepEqual(again.probabilities(line), model.probabilities(line));
});

test('one-vs-all and negative-sampling models predict as fastText (its sigmoid is a 512-step table)', (t) => {
  for (const loss of ['ova', 'ns']) {
    const bin = fastTextModel(loss, BASE, ['-loss', loss, '-wordNgrams', '2']);
    const { model, report: imported } = importFastText(bin);
    assert.equal(model.config.loss, 'ova');
    assert.equal(imported.warnings.length, loss === 'ns' ? 1 : 0);
    const table = agreement(bin, model, (text) => scores(model, text).map(fasttextSigmoid));
    report(t, `${loss}, Accrete scores through fastText's sigmoid table`, table);
    assert.ok(table.top1 >= 0.999, `${loss}: top-1 agreement ${table.top1}`);
    assert.ok(table.over <= 2, `${loss}: ${table.over} lines differ by more than 1e-4 (max ${table.maxDiff})`);
    // A model in fastText mode predicts through the same table, so its own probabilities match too.
    const own = agreement(bin, model, (text) => model.probabilities(text));
    report(t, `${loss}, Accrete's own probabilities (fastText mode: table sigmoid)`, own);
    assert.ok(own.top1 >= 0.999 && own.over <= 2, `${loss}: own probabilities ${JSON.stringify(own)}`);
  }
});

test('a model without n-grams (fastText drops the buckets) imports exactly too', (t) => {
  const bin = fastTextModel('plain', BASE, []);
  const { model } = importFastText(bin);
  assert.equal(model.config.bucket, 0);
  assert.equal(model.params.input.rows, model.vocab.wordCount);
  const a = agreement(bin, model, (text) => model.probabilities(text));
  report(t, 'no n-grams', a);
  assert.ok(a.top1 >= 0.999 && a.maxDiff <= 1e-4, JSON.stringify(a));
});

test('hierarchical softmax models are refused with the reason', () => {
  const bin = fastTextModel('hs', BASE, ['-loss', 'hs']);
  assert.throws(() => importFastText(bin), /-loss hs \(hierarchical softmax\).*Huffman tree.*-loss softmax/);
});

test('a model Accrete trains with fastText tokenizer and hashing exports to a .bin fastText predicts with', async (t) => {
  const examples = examplesOf(trainLines);
  const { model } = await train(examples, { tokenizer: 'fasttext', hashing: 'fasttext', dim: 10, epoch: 5, lr: 0.5, wordNgrams: 2, minn: 3, maxn: 5, bucket: 30000, seed: 1 });
  const bin = join(dir, 'accrete.bin');
  exportFastText(model, bin);
  const a = agreement(bin, model, (text) => model.probabilities(text));
  report(t, 'trained by Accrete, predicted by fastText', a);
  assert.ok(a.top1 >= 0.999 && a.maxDiff <= 1e-4, JSON.stringify(a));
  const theirs = parseTestPrecision(runFastText(['test', bin, TEST]));
  assert.ok(Math.abs(theirs.precision - evaluate(model, examplesOf(testLines)).accuracy) <= 0.001);
});
