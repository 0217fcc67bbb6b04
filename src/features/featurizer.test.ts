import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULTS } from '../config.js';
import { fnv1a32 } from '../text/hash.js';
import { tokenize } from '../text/tokenize.js';
import { IntBuffer } from '../util/intBuffer.js';
import { Vocab } from '../vocab/vocab.js';
import { EOS, Featurizer } from './featurizer.js';
import { concatData, featurizeTable, featurizeTexts, relabel } from './dataset.js';
import { TokenTable } from './tokenTable.js';

function vocabOf(...words: string[]): Vocab {
  const v = new Vocab();
  for (const w of words) v.addWord(w);
  return v;
}

function rowsOf(f: Featurizer, tokens: string[]): number[] {
  const out = new IntBuffer();
  f.featurize(tokens, out);
  return [...out.view()];
}

test('words map to rows after the buckets, and every text ends with the end-of-text row', () => {
  const v = vocabOf('hello', 'world', EOS);
  const f = new Featurizer(v, { bucket: 100, wordNgrams: 1, minn: 0, maxn: 0 });
  assert.equal(f.bucket, 0, 'no hashed features, so no bucket rows (as fastText)');
  assert.deepEqual(rowsOf(f, ['world', 'unknown', 'hello']), [1, 0, 2]);
  const g = new Featurizer(v, { bucket: 100, wordNgrams: 2, minn: 0, maxn: 0 });
  const rows = rowsOf(g, ['world', 'hello']);
  assert.deepEqual(rows.slice(0, 3), [101, 100, 102]);
  assert.equal(rows.length, 3 + 2, 'two bigrams: world-hello and hello-</s>');
  for (const r of rows.slice(3)) assert.ok(r >= 0 && r < 100);
});

test('word bigram rows follow fastText hashing (h * 116049371 + next) modulo the bucket', () => {
  const f = new Featurizer(vocabOf(EOS), { bucket: 1000, wordNgrams: 2, minn: 0, maxn: 0 });
  const expected = ((Math.imul(fnv1a32('a'), 116049371) + fnv1a32('b')) >>> 0) % 1000;
  assert.equal(rowsOf(f, ['a', 'b'])[1], expected);
});

test('unknown words still get their char n-gram rows; known words get their own row too', () => {
  const v = vocabOf('cat', EOS);
  const f = new Featurizer(v, { bucket: 5000, wordNgrams: 1, minn: 3, maxn: 3 });
  const known = rowsOf(f, ['cat']);
  assert.equal(known[0], 5000, 'the word row');
  assert.equal(known.length, 1 + 3 + 1, '<ca cat at> plus end-of-text');
  const unknown = rowsOf(f, ['cats']);
  assert.equal(unknown.length, 4 + 1, '<ca cat ats ts> plus end-of-text, no word row');
  assert.ok(unknown.slice(0, 4).every((r) => r < 5000));
  assert.deepEqual(unknown.slice(0, 2), known.slice(1, 3), 'shared n-grams share rows');
});

test('featurisation is deterministic and does not depend on earlier calls or on vocabulary growth', () => {
  const v = vocabOf('a', 'b', EOS);
  const f = new Featurizer(v, { bucket: 997, wordNgrams: 3, minn: 2, maxn: 4 });
  const tokens = ['b', 'a', 'zz', 'a'];
  const first = rowsOf(f, tokens);
  rowsOf(f, ['something', 'else', 'entirely']);
  assert.deepEqual(rowsOf(f, tokens), first);
  assert.deepEqual(rowsOf(new Featurizer(v.clone(), f.spec), tokens), first);
  v.addWord('new');
  assert.deepEqual(rowsOf(f, tokens), first, 'adding a word never renumbers old rows');
  assert.equal(f.inputRows, 997 + 4);
});

test('interned featurisation gives exactly the rows of plain featurisation', () => {
  const texts = [['the', 'cat', 'sat'], ['a', 'cat', 'unknown', 'word'], [], ['sat', 'sat', 'the']];
  const table = new TokenTable();
  for (const t of texts) table.addExample(t);
  const v = vocabOf('the', 'cat', 'sat', 'a', EOS);
  for (const spec of [
    { bucket: 0, wordNgrams: 1, minn: 0, maxn: 0 },
    { bucket: 1000, wordNgrams: 3, minn: 2, maxn: 4 },
  ]) {
    const f = new Featurizer(v, spec);
    const cache = f.internedCache(table);
    texts.forEach((tokens, i) => {
      const out = new IntBuffer();
      f.featurizeInterned(table, i, cache, out);
      assert.deepEqual([...out.view()], rowsOf(f, tokens), `example ${i}`);
    });
  }
});

test('featurizeText gives exactly the rows of featurize(tokenize(text)), for every hashing and n-gram setting', () => {
  const texts = [
    "Don't panic!!! 👍🏽 3.5 e-mail, see https://x.org or me@x.org.",
    'the cat sat on the mat; THE CAT?',
    '我爱 Node.js 和 TypeScript',
    'café naïve ﬁ Ａ１ q\u0301 a\ud800b',
    '',
    '   ',
    'unknown words only: zzz qqq',
    'tabs\tand\nnewlines\r\nand __label__x </s> tokens',
  ];
  const vocab = new Vocab();
  for (const text of texts) for (const w of tokenize(text, DEFAULTS)) vocab.addWord(w);
  vocab.addWord(EOS);
  for (const tokenizer of ['accrete', 'fasttext'] as const) {
    for (const hashing of ['fnv1a', 'fasttext'] as const) {
      for (const [wordNgrams, minn, maxn] of [[1, 0, 0], [2, 0, 0], [3, 2, 4]]) {
        const cfg = { ...DEFAULTS, tokenizer, hashing, wordNgrams, minn, maxn, bucket: 1009 };
        const f = new Featurizer(vocab, cfg);
        for (const text of texts) {
          const out = new IntBuffer();
          f.featurizeText(text, cfg, out);
          assert.deepEqual([...out.view()], rowsOf(f, tokenize(text, cfg)), `${JSON.stringify({ tokenizer, hashing, wordNgrams, maxn })}: ${JSON.stringify(text)}`);
        }
      }
    }
  }
});

test('featurizeTexts gives the rows and labels featurizeTable gives from a token table', () => {
  const examples = [
    { text: 'The cat sat on the mat!', labels: ['a'] },
    { text: 'Don\'t panic: see https://x.org or me@x.org.', labels: ['b', 'a'] },
    { text: '我爱 Node.js 和 TypeScript', labels: ['b'] },
    { text: '', labels: ['c'] },
  ];
  const cfg = { ...DEFAULTS, wordNgrams: 2, bucket: 1009 };
  const vocab = new Vocab();
  for (const e of examples) for (const w of tokenize(e.text, cfg)) vocab.addWord(w);
  vocab.addWord(EOS);
  for (const l of ['a', 'b']) vocab.addLabel(l);
  const f = new Featurizer(vocab, cfg);
  const table = new TokenTable();
  for (const e of examples) table.addExample(tokenize(e.text, cfg));
  const fromTable = featurizeTable(table, examples, f);
  const fromTexts = featurizeTexts(examples, f, cfg);
  for (const key of ['rows', 'offsets', 'labels', 'labelOffsets'] as const) assert.deepEqual([...fromTexts[key]], [...fromTable[key]], key);
  assert.equal(fromTexts.count, 4);
});

test('concatData holds the examples of both data sets, in order, as featurising them together does', () => {
  const examples = [
    { text: 'one two three', labels: ['a'] },
    { text: 'four', labels: ['b', 'a'], weight: 2 },
    { text: 'two three four five', labels: ['b'] },
    { text: '', labels: ['a'] },
    { text: 'five six', labels: ['c'] },
  ];
  const cfg = { ...DEFAULTS, wordNgrams: 2, bucket: 101 };
  const vocab = new Vocab();
  for (const e of examples) for (const w of tokenize(e.text, cfg)) vocab.addWord(w);
  for (const l of ['a', 'b']) vocab.addLabel(l);
  const f = new Featurizer(vocab, cfg);
  const whole = featurizeTexts(examples, f, cfg);
  for (const cut of [0, 1, 2, 4, 5]) {
    const joined = concatData(featurizeTexts(examples.slice(0, cut), f, cfg), featurizeTexts(examples.slice(cut), f, cfg));
    for (const key of ['rows', 'offsets', 'labels', 'labelOffsets'] as const) assert.deepEqual([...joined[key]], [...whole[key]], `${key}, cut at ${cut}`);
    assert.deepEqual(joined.weights && [...joined.weights], [1, 2, 1, 1, 1], `weights, cut at ${cut}`);
    assert.equal(joined.count, 5);
    assert.equal(joined.tokens, whole.tokens);
  }
});

test('relabel: the label ids of labels added since, the rows as they were; the same as featurising anew', () => {
  const examples = [
    { text: 'one two', labels: ['a'] },
    { text: 'three', labels: ['new', 'a'] },
    { text: 'four five', labels: ['new'] },
  ];
  const cfg = { ...DEFAULTS, wordNgrams: 2, bucket: 101 };
  const vocab = new Vocab();
  for (const e of examples) for (const w of tokenize(e.text, cfg)) vocab.addWord(w);
  vocab.addLabel('a');
  const f = new Featurizer(vocab, cfg);
  const before = featurizeTexts(examples, f, cfg);
  assert.deepEqual([...before.labels], [0, 0], 'the unknown label has no id yet');
  vocab.addLabel('new');
  const relabelled = relabel(before, examples, f);
  const anew = featurizeTexts(examples, f, cfg);
  for (const key of ['rows', 'offsets', 'labels', 'labelOffsets'] as const) assert.deepEqual([...relabelled[key]], [...anew[key]], key);
  assert.deepEqual([...relabelled.labels], [0, 1, 0, 1]);
  assert.equal(relabelled.rows, before.rows, 'rows shared, not copied');
});

test('cjkRuns: char n-grams run across the segmenter\'s word boundaries within a CJK run, as fastText\'s over a space-free run', () => {
  const text = '自然语言 ok';
  const cfg = { ...DEFAULTS, cjkRuns: true };
  assert.deepEqual(tokenize(text, DEFAULTS), ['自然', '语言', 'ok']);
  assert.deepEqual(tokenize(text, cfg), ['自然', '语言', '\uFDD0自然语言', 'ok'], 'the words, then the whole run as one marked token');
  const v = vocabOf('自然', '语言', 'ok', EOS);
  const spec = { bucket: 1_000_003, wordNgrams: 1, minn: 2, maxn: 2 };
  const rows = (c: typeof cfg, table: boolean) => {
    const f = new Featurizer(v, { ...spec, cjkRuns: c.cjkRuns }, { asciiKernel: false });
    const out = new IntBuffer();
    if (table) {
      const t = new TokenTable();
      t.addExample(tokenize(text, c));
      f.featurizeInterned(t, 0, f.internedCache(t), out);
    } else f.featurizeText(text, c, out);
    const bucketRows = [...out.view()].filter((r) => r < spec.bucket);
    return { words: [...out.view()].filter((r) => r >= spec.bucket).map((r) => v.words[r - spec.bucket]), grams: bucketRows };
  };
  const gramsOf = (grams: string[]) => grams.map((g) => fnv1a32(g) % spec.bucket);
  const across = gramsOf(['<自', '自然', '然语', '语言', '言>', '<o', 'ok', 'k>']);
  for (const table of [false, true]) {
    const on = rows(cfg, table);
    assert.deepEqual(on.grams, across, `${table ? 'training' : 'prediction'} path: the run's bigrams, 然语 across the boundary`);
    assert.deepEqual(on.words, ['自然', '语言', 'ok', EOS], 'the run token has no word row');
    assert.deepEqual(rows(DEFAULTS, table).grams, gramsOf(['<自', '自然', '然>', '<语', '语言', '言>', '<o', 'ok', 'k>']), 'off: within each word');
  }
  const f = new Featurizer(v, { ...spec, wordNgrams: 2, cjkRuns: true }, { asciiKernel: false });
  const t = new TokenTable();
  t.addExample(tokenize(text, cfg));
  const out = new IntBuffer();
  f.featurizeInterned(t, 0, f.internedCache(t), out);
  assert.equal(out.length, f.countInterned(t, 0, f.internedCache(t)), 'the count matches what is written (the run token makes no word pair)');
});
