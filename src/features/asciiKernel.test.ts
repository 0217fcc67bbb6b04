import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TextConfig } from '../config.js';
import { fixtureTexts, variedTexts } from '../text/testing.js';
import { tokenize } from '../text/tokenize.js';
import { IntBuffer } from '../util/intBuffer.js';
import { Vocab } from '../vocab/vocab.js';
import { kernelCovers } from './asciiKernel.js';
import { EOS, Featurizer, type FeatureSpec } from './featurizer.js';

const SPEC: FeatureSpec = { bucket: 10_007, wordNgrams: 2, minn: 0, maxn: 0, hashing: 'fnv1a' };
const ALL_ON: TextConfig = { lowercase: true, punctuation: true, maskUrls: true };

function rows(f: Featurizer, text: string, cfg: TextConfig): number[] {
  const out = new IntBuffer(16);
  f.featurizeText(text, cfg, out);
  return [...out.view()];
}

/** A featurizer with the wasm kernel and one without, on the same vocabulary. */
function pair(vocab: Vocab, spec: FeatureSpec = SPEC) {
  return { kernel: new Featurizer(vocab, spec, { asciiKernel: true }), js: new Featurizer(vocab, spec, { asciiKernel: false }) };
}

/** A vocabulary of every other token of `texts` (so lookups both hit and miss), with the special tokens. */
function vocabOf(texts: string[]): Vocab {
  const v = new Vocab();
  for (const w of [EOS, '<url>', '<email>']) v.addWord(w);
  let k = 0;
  for (const text of texts) {
    for (const cfg of [ALL_ON, { lowercase: false, punctuation: true, maskUrls: false }]) {
      for (const t of tokenize(text, cfg)) if (k++ % 2 === 0) v.addWord(t);
    }
  }
  return v;
}

function assertSame(f: { kernel: Featurizer; js: Featurizer }, texts: string[], cfg: TextConfig, what: string): void {
  for (const text of texts) assert.deepEqual(rows(f.kernel, text, cfg), rows(f.js, text, cfg), `${what} ${JSON.stringify(cfg)}: ${JSON.stringify(text)}`);
}

const texts = [...fixtureTexts(), ...variedTexts(2000), '', ' ', 'A', '#', '*#', 'x\u0001y', 'HTTP://X.ORG)', 'Ab\u0000Cd efG'];

test('the wasm kernel gives the rows of the JavaScript featurizer, under every text config and n-gram length', () => {
  const vocab = vocabOf(texts);
  for (const wordNgrams of [1, 2, 3]) {
    const f = pair(vocab, { ...SPEC, wordNgrams });
    for (const lowercase of [true, false]) {
      for (const punctuation of [true, false]) {
        for (const maskUrls of [true, false]) assertSame(f, texts, { lowercase, punctuation, maskUrls }, `wordNgrams ${wordNgrams}`);
      }
    }
  }
});

test('the kernel finds the words the vocabulary had and nothing else (rows are not all misses)', () => {
  const vocab = new Vocab(['sat', 'the', 'cat', EOS, '<url>'], [1, 1, 1, 1, 1]);
  const { kernel } = pair(vocab, { ...SPEC, wordNgrams: 1 });
  const words = rows(kernel, 'The dog SAT on www.x.org theme', ALL_ON).map((r) => vocab.words[r - kernel.bucket]);
  assert.deepEqual(words, ['the', 'sat', '<url>', EOS]);
});

test('words added to the vocabulary after the first text are found; a restore() drops them again', () => {
  const vocab = vocabOf(['alpha beta']);
  const f = pair(vocab);
  const text = 'alpha gamma delta http://x.org';
  assertSame(f, [text], ALL_ON, 'before');
  const snapshot = vocab.snapshot();
  vocab.addWord('gamma');
  vocab.addWord('delta');
  assertSame(f, [text], ALL_ON, 'after adding');
  assert.ok(rows(f.kernel, text, ALL_ON).includes(SPEC.bucket + vocab.idOf('gamma')));
  vocab.restore(snapshot);
  vocab.addWord('zeta');
  // zeta takes gamma's old id: a stale index would still find gamma there.
  assertSame(f, [text, 'zeta gamma'], ALL_ON, 'after a restore');
});

test('restores one after another: the kernel drops the removed words and indexes what comes after', () => {
  const vocab = vocabOf(texts.slice(0, 300));
  const f = pair(vocab);
  const sample = texts.slice(0, 300).filter((_, i) => i % 10 === 0);
  assertSame(f, sample, ALL_ON, 'before');
  const words = (tag: string, n: number) => Array.from({ length: n }, (_, k) => `${tag}w${k}`);
  for (let cycle = 0; cycle < 30; cycle++) {
    const [a, b, c] = [words(`a${cycle}`, 1 + (cycle % 4)), words(`b${cycle}`, 2), words(`c${cycle}`, 3)];
    const probe = [...a, ...b, ...c, sample[cycle % sample.length]].join(' ');
    const first = vocab.snapshot();
    a.forEach((w) => vocab.addWord(w));
    assertSame(f, [probe], ALL_ON, `cycle ${cycle}, a added`);
    const second = vocab.snapshot();
    b.forEach((w) => vocab.addWord(w));
    assertSame(f, [probe], ALL_ON, `cycle ${cycle}, b added`);
    vocab.restore(second);
    // Every other cycle a second, deeper restore before the kernel sees another text; in the
    // others, a deep restore, growth and a shallow restore: the kernel must go back to the deepest.
    if (cycle % 2 === 0) vocab.restore(first);
    else {
      vocab.restore(first);
      vocab.addWord(`d${cycle}`);
      const third = vocab.snapshot();
      vocab.addWord(`e${cycle}`);
      vocab.restore(third);
    }
    // New words take the ids of dropped ones: a stale index would still find the old words there.
    c.forEach((w) => vocab.addWord(w));
    assertSame(f, [probe], ALL_ON, `cycle ${cycle}, restored, c added`);
  }
});

test('a vocabulary that outgrows the kernel tables is laid out again, and long texts grow the memory', () => {
  const vocab = vocabOf(['seed']);
  const f = pair(vocab);
  assertSame(f, ['seed w1'], ALL_ON, 'small');
  for (let i = 0; i < 5000; i++) vocab.addWord(`w${i}`);
  const long = Array.from({ length: 40_000 }, (_, i) => `w${i % 6000} Seed!`).join(' ');
  assertSame(f, ['seed w1 w4999 w5000', long], ALL_ON, 'grown');
});

test('a featurizer takes its first texts through JavaScript and builds the kernel only after 64k characters', () => {
  const vocab = vocabOf(texts.slice(0, 50));
  const f = new Featurizer(vocab, SPEC);
  const kernelOf = (x: Featurizer) => (x as unknown as { kernel: unknown }).kernel;
  const js = new Featurizer(vocab, SPEC, { asciiKernel: false });
  const text = 'the cat sat on the mat. '.repeat(100);
  for (let seen = 0; seen + text.length < 1 << 16; seen += text.length) rows(f, text, ALL_ON);
  assert.equal(kernelOf(f), undefined, 'no kernel for the first 64k characters');
  rows(f, text, ALL_ON);
  assert.ok(kernelOf(f) instanceof Object, 'a kernel after them');
  assert.deepEqual(rows(f, text, ALL_ON), rows(js, text, ALL_ON));
  // Told that many texts are coming, a featurizer builds it at the first one.
  const many = new Featurizer(vocab, SPEC);
  many.expectMany();
  assert.deepEqual(rows(many, 'the cat', ALL_ON), rows(js, 'the cat', ALL_ON));
  assert.ok(kernelOf(many) instanceof Object, 'a kernel at the first text after expectMany()');
});

test('the kernel steps aside where it does not apply: char n-grams and fastText hashing', () => {
  assert.equal(kernelCovers(SPEC), true);
  assert.equal(kernelCovers({ ...SPEC, minn: 3, maxn: 6 }), false);
  assert.equal(kernelCovers({ ...SPEC, hashing: 'fasttext' }), false);
  const vocab = vocabOf(texts.slice(0, 200));
  assertSame(pair(vocab, { ...SPEC, minn: 2, maxn: 4 }), texts.slice(0, 200), ALL_ON, 'char n-grams');
  // No tokenizer makes a word with a line break, but a hand-made model could hold one.
  const odd = new Vocab(['a\nb', 'a', 'b', EOS], [1, 1, 1, 1]);
  assertSame(pair(odd), ['a b', 'a\nb c', 'b'], ALL_ON, 'a word with a line break');
});
