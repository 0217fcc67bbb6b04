import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS, resolveConfig } from '../config.js';
import { inputRowsOf } from '../features/featurizer.js';
import { dataStats, fitDefaults, SIZE_FACTOR } from './dataDefaults.js';
import { train } from './train.js';
import { CharClass, classOf } from '../text/charClass.js';
import { isRunToken, tokenize } from '../text/tokenize.js';

const ex = (text: string, label = 'a') => ({ text, labels: [label] });
/** `n` texts of `len` words drawn from a vocabulary of `vocab` words. */
const corpus = (n: number, len: number, vocab: number) => Array.from({ length: n }, (_, i) => ex(Array.from({ length: len }, (_, j) => `w${(i * 7 + j * 13) % vocab}`).join(' '), i % 2 ? 'a' : 'b'));

test('dataStats: bytes as a fastText file, tokens, words seen once, word pairs, scripts without spaces', () => {
  const s = dataStats([ex('the cat the dog'), ex('中文文本', 'b')], DEFAULTS);
  assert.equal(s.examples, 2);
  // 15 and 12 bytes of text, a newline each, and the label with `__label__ ` (10 bytes) each.
  assert.equal(s.bytes, 15 + 12 + 2 * (1 + 1 + 10));
  assert.equal(s.labels, 2);
  assert.equal(s.noSpaceShare, 4 / 16, '4 Han characters of 16 letters');
  assert.equal(s.bigrams >= 3, true);
});

test('dataStats: the interned one-pass count agrees with counting words and pairs as strings', () => {
  const texts = ['the cat the dog', 'Ünïcödé wörds and ascii', '中文文本 mixed 日本語のテキスト', 'a b a b a b', 'x 𝒳𝒴 emoji 🙂 tail', ''];
  const examples = texts.map((t, i) => ex(t, i % 2 ? 'a' : 'b'));
  const counts = new Map<string, number>();
  const pairs = new Set<string>();
  let tokens = 0;
  let letters = 0;
  let noSpace = 0;
  for (const { text } of examples) {
    const toks = tokenize(text, DEFAULTS).filter((t) => !isRunToken(t));
    tokens += toks.length;
    toks.forEach((t, i) => (counts.set(t, (counts.get(t) ?? 0) + 1), i > 0 && pairs.add(`${toks[i - 1]}\u0001${t}`)));
    for (const ch of text) {
      const k = classOf(ch.codePointAt(0)!);
      if (k === CharClass.Letter) letters++;
      else if (k === CharClass.NoSpace) (letters++, noSpace++);
    }
  }
  const hapax = [...counts.values()].filter((c) => c === 1).length;
  const s = dataStats(examples, DEFAULTS);
  assert.deepEqual(
    { words: s.words, bigrams: s.bigrams, meanTokens: s.meanTokens, hapaxShare: s.hapaxShare, noSpaceShare: s.noSpaceShare },
    { words: counts.size, bigrams: pairs.size, meanTokens: tokens / examples.length, hapaxShare: hapax / tokens, noSpaceShare: noSpace / letters },
  );
  // dataStats counts ASCII letters without the class table: the table must agree.
  for (let c = 0; c < 0x80; c++) {
    const letter = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
    assert.equal(classOf(c) === CharClass.Letter, letter, `U+${c.toString(16)}`);
    assert.notEqual(classOf(c), CharClass.NoSpace);
  }
});

test('dataStats: the whole-run tokens of cjkRuns are no words, so they do not shrink the fitted table', () => {
  // Each line a different run of Han characters: counted as words, every run took a vocabulary row
  // out of the size budget (a 10-poet Chinese corpus got a 1,000-row table instead of 20,000).
  const lines = Array.from({ length: 200 }, (_, i) => ex(`秦川雄帝宅函谷壯皇居${String.fromCodePoint(0x4e00 + i)}連甍遙接漢`, i % 2 ? 'a' : 'b'));
  const plain = dataStats(lines, DEFAULTS);
  const runs = dataStats(lines, { ...DEFAULTS, cjkRuns: true });
  assert.equal(runs.words, plain.words);
  assert.equal(runs.bigrams, plain.bigrams);
  assert.equal(runs.meanTokens, plain.meanTokens);
});

test('fitDefaults: small data gets more epochs, word pairs, and a model within the size bound; given options are never changed', () => {
  const small = fitDefaults(dataStats(corpus(500, 20, 3000), DEFAULTS));
  assert.equal(small.settings.epoch, 25);
  assert.equal(small.settings.lr, 0.5);
  assert.equal(small.settings.wordNgrams, 2);
  const cfg = resolveConfig(small.settings);
  assert.ok(inputRowsOf(cfg, small.stats.words) * cfg.dim * 4 <= (SIZE_FACTOR / 2) * small.stats.bytes, JSON.stringify(small.settings));
  assert.equal(small.reasons.length, Object.keys(small.settings).length);
  const given = fitDefaults(dataStats(corpus(500, 20, 3000), DEFAULTS), { dim: 100, epoch: 3, wordNgrams: 1 });
  for (const k of ['dim', 'epoch', 'wordNgrams'] as const) assert.equal(given.settings[k], undefined, k);
  assert.equal(given.settings.bucket, undefined, 'unigrams without char n-grams need no table');
  // Adam and a hidden layer keep their own rates.
  assert.equal(fitDefaults(small.stats, { optimizer: 'adam' }).settings.lr, undefined);
  assert.equal(fitDefaults(small.stats, { hidden: 16 }).settings.lr, undefined);
});

test('fitDefaults: char n-grams for many unseen words (one-word texts), characters and pairs for scripts without spaces, none otherwise', () => {
  const names = fitDefaults(dataStats(Array.from({ length: 400 }, (_, i) => ex(`name${i}x`)), DEFAULTS));
  assert.deepEqual([names.settings.minn, names.settings.maxn, names.settings.wordNgrams], [2, 5, 1]);
  const cjk = fitDefaults(dataStats(Array.from({ length: 400 }, (_, i) => ex(`中文文本${String.fromCodePoint(0x4e00 + (i % 50))}分类`)), DEFAULTS));
  assert.deepEqual([cjk.settings.minn, cjk.settings.maxn], [1, 2]);
  const words = fitDefaults(dataStats(corpus(3000, 20, 500), DEFAULTS));
  assert.deepEqual([words.settings.minn, words.settings.maxn, words.settings.epoch], [0, 0, 10]);
});

/** The README quick start's 12 examples. */
const QUICK_START = [
  ['win a free cruise, click now', 'spam'],
  ['cheap pills, limited offer, click here', 'spam'],
  ['you won a prize, claim your free gift', 'spam'],
  ['urgent: your account wins a free iphone', 'spam'],
  ['lowest price on pills, order now', 'spam'],
  ['free money waiting, click the link', 'spam'],
  ['lunch at noon tomorrow?', 'ham'],
  ['the meeting notes are attached', 'ham'],
  ['can you review my pull request today', 'ham'],
  ['see you at the team meeting on monday', 'ham'],
  ['here are the slides from the talk', 'ham'],
  ['dinner with the family on sunday', 'ham'],
].map(([text, label]) => ex(text, label));

test('fitDefaults: a tiny corpus gets passes enough to learn (the 12-example quick start scored 0.50 with 25)', async () => {
  const fitted = fitDefaults(dataStats(QUICK_START, DEFAULTS));
  assert.equal(fitted.settings.epoch, 125, '1,500 examples seen in all');
  assert.equal(fitDefaults(dataStats(corpus(3, 5, 10), DEFAULTS)).settings.epoch, 200, 'at most 200');
  assert.equal(fitDefaults(dataStats(corpus(60, 5, 10), DEFAULTS)).settings.epoch, 25, '60 examples and up keep 25');
  const { model } = await train(QUICK_START, { ...fitted.settings });
  const [top] = model.predict('free pills, click now');
  assert.equal(top.label, 'spam');
  assert.ok(top.score > 0.9, `spam scored ${top.score}`);
});
