import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EOS, Featurizer } from '../features/featurizer.js';
import { tokenize } from '../text/tokenize.js';
import { IntBuffer } from '../util/intBuffer.js';
import { Vocab } from '../vocab/vocab.js';
import { DEFAULTS } from '../config.js';
import { fasttextSigmoid } from '../model/tableSigmoid.js';
import { fasttextCharNgramBuckets, fasttextHash, fasttextTokens, fasttextWordNgramBuckets } from './fasttext.js';

/**
 * Goldens from fastText 0.9.2's own Dictionary::hash, computeSubwords (minn 2, maxn 4) and
 * addWordNgrams (n = 3), bucket 2000003, compiled from its source for these words.
 */
const WORDS = ['a', 'é', 'héllo', '日本語', '😀x', '</s>', "don't", 'Zoë'];
const GOLDEN = {
  hashes: [3826002220, 1023043777, 3948832576, 308035559, 490647120, 3617362777, 1773164909, 2244447196],
  char: [
    [1006110, 1084063, 1614377],
    [35619, 804728, 1990412],
    [1562954, 173858, 251830, 1266675, 208545, 1019202, 227715, 1142377, 292237, 887897, 615950, 348446, 555115, 1501412, 600112],
    [1751571, 754060, 1999223, 381163, 35097, 924087, 454989, 1670506, 1429222],
    [930474, 1078463, 651587, 646385, 1796585, 1259605],
    [1997834, 761595, 146734, 106551, 886785, 1357353, 817414, 382033, 1206294, 571585, 420133, 1307992],
    [894079, 492791, 1739450, 55023, 1061177, 1131019, 807619, 441228, 1462525, 1745553, 1440751, 1167207, 763205, 1428571, 1288132],
    [449266, 1669985, 748258, 877832, 443830, 1770670, 1775890, 319821, 164209],
  ],
  word: [1751897, 1944162, 1066956, 143045, 704568, 138115, 1310905, 57695, 551643, 1884443, 591260, 1317446, 659655],
};
const BUCKET = 2000003;

test('example: fasttextTokens splits on fastText whitespace only and drops labels', () => {
  assert.deepEqual(fasttextTokens('__label__x  Héllo\tworld '), ['Héllo', 'world']);
  assert.deepEqual(fasttextTokens('a\u00a0b\u3000c\vd\fe\rf\0g'), ['a\u00a0b\u3000c', 'd', 'e', 'f', 'g'], 'only ASCII whitespace and NUL separate');
  assert.deepEqual(fasttextTokens('Don\'t PANIC!!!'), ["Don't", 'PANIC!!!'], 'no normalisation');
});

test('tokenize() in fasttext mode is fastText\'s split, whatever the other text options say', () => {
  assert.deepEqual(tokenize('Visit HTTP://x.io NOW!', { ...DEFAULTS, tokenizer: 'fasttext' }), ['Visit', 'HTTP://x.io', 'NOW!']);
  assert.deepEqual(tokenize('Visit HTTP://x.io NOW!', DEFAULTS), ['visit', '<url>', 'now', '!']);
});

test('fasttextHash equals fastText\'s signed-char FNV (equal to FNV-1a for ASCII only)', () => {
  assert.deepEqual(WORDS.map(fasttextHash), GOLDEN.hashes);
  assert.equal(fasttextHash('a'), 3826002220);
  assert.equal(fasttextHash('\ud800'), fasttextHash('\ufffd'), 'a lone surrogate hashes as U+FFFD, as Buffer encodes it');
});

test('char n-gram buckets equal fastText\'s computeSubwords', () => {
  WORDS.forEach((w, i) => {
    const out: number[] = [];
    fasttextCharNgramBuckets(w, 2, 4, BUCKET, out);
    assert.deepEqual(out, GOLDEN.char[i], w);
  });
});

test('word n-gram buckets equal fastText\'s uint64 addWordNgrams, sign extension included', () => {
  const out: number[] = [];
  fasttextWordNgramBuckets(GOLDEN.hashes, 3, BUCKET, out);
  assert.deepEqual(out, GOLDEN.word);
});

test('a Featurizer in fasttext hashing mode lays out fastText\'s rows (after the buckets, words)', () => {
  const v = new Vocab();
  for (const w of ['héllo', EOS]) v.addWord(w);
  const f = new Featurizer(v, { bucket: BUCKET, wordNgrams: 2, minn: 2, maxn: 4, hashing: 'fasttext' });
  const out = new IntBuffer();
  f.featurize(['héllo', 'a'], out);
  const charOf = (i: number) => GOLDEN.char[i];
  const bigrams: number[] = [];
  fasttextWordNgramBuckets([fasttextHash('héllo'), fasttextHash('a'), fasttextHash(EOS)], 2, BUCKET, bigrams);
  assert.deepEqual([...out.view()], [BUCKET + 0, ...charOf(2), ...charOf(0), BUCKET + 1, ...bigrams]);
});

test('example: fasttextSigmoid is fastText\'s 512-step table, not the exact sigmoid', () => {
  assert.equal(fasttextSigmoid(0), 0.5);
  assert.equal(fasttextSigmoid(0.03), 0.5);
  assert.equal(fasttextSigmoid(-8.5), 0);
  assert.equal(fasttextSigmoid(9), 1);
  assert.ok(Math.abs(fasttextSigmoid(2) - 1 / (1 + Math.exp(-2))) < 1e-6, 'exact at the table points');
});
