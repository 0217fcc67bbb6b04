import { test } from 'node:test';
import assert from 'node:assert/strict';
import { charNgramHashes, charNgrams } from './charNgrams.js';
import { fnv1a32 } from './hash.js';

test('example: charNgrams("where", 3, 3)', () => {
  // The example of Bojanowski et al. 2017, section 3.2.
  assert.deepEqual(charNgrams('where', 3, 3), ['<wh', 'whe', 'her', 'ere', 're>']);
});

const goldens: Array<[word: string, minn: number, maxn: number, ngrams: string[]]> = [
  ['where', 3, 4, ['<wh', '<whe', 'whe', 'wher', 'her', 'here', 'ere', 'ere>', 're>']],
  // The whole "<word>" is included when it fits; bare "<" and ">" never are.
  ['ab', 1, 4, ['<a', '<ab', '<ab>', 'a', 'ab', 'ab>', 'b', 'b>']],
  ['a', 1, 1, ['a']],
  ['', 1, 3, ['<>']],
  ['where', 6, 6, ['<where', 'where>']],
  ['where', 8, 9, []],
  ['where', 0, 0, []],
  ['where', 4, 3, []],
  // Code points, never UTF-16 halves: the astral emoji is one unit.
  ['😂a', 1, 2, ['<😂', '😂', '😂a', 'a', 'a>']],
  ['東京', 2, 2, ['<東', '東京', '京>']],
  // fastText cuts on UTF-8 characters, not graphemes, so a ZWJ sequence is several units.
  ['👨‍👩', 3, 3, ['<👨\u200d', '👨\u200d👩', '\u200d👩>']],
];

for (const [word, minn, maxn, ngrams] of goldens) {
  test(`charNgrams(${JSON.stringify(word)}, ${minn}, ${maxn})`, () => {
    assert.deepEqual(charNgrams(word, minn, maxn), ngrams);
  });
}

test('no n-gram ever contains half of a surrogate pair', () => {
  for (const g of charNgrams('a😂b🇺🇸c👍🏽', 1, 4)) assert.doesNotMatch(g, /[\ud800-\udfff]/u); // with /u, only a lone surrogate matches
});

const words = ['where', 'a', '', 'café', '東京タワー', 'ภาษาไทย', '😂a', '👨‍👩‍👧‍👦', '🇺🇸', 'x'.repeat(300), 'lone\ud800half', 'end\udc00'];
const ranges: Array<[number, number]> = [[3, 6], [1, 1], [1, 4], [2, 5], [5, 5], [0, 0], [4, 3]];

for (const [minn, maxn] of ranges) {
  test(`charNgramHashes equals charNgrams().map(fnv1a32) for minn=${minn} maxn=${maxn}`, () => {
    for (const word of words) {
      const out: number[] = [];
      charNgramHashes(word, minn, maxn, out);
      assert.deepEqual(out, charNgrams(word, minn, maxn).map(fnv1a32), JSON.stringify(word));
    }
  });
}

test('charNgramHashes appends to `out` without clearing it', () => {
  const out = [7];
  charNgramHashes('where', 3, 3, out);
  assert.deepEqual(out, [7, ...['<wh', 'whe', 'her', 'ere', 're>'].map(fnv1a32)]);
});

test('charNgramHashes is unaffected by a longer word hashed before it', () => {
  const out: number[] = [];
  charNgramHashes('y'.repeat(1000), 3, 3, []);
  charNgramHashes('where', 3, 3, out);
  assert.deepEqual(out, charNgrams('where', 3, 3).map(fnv1a32));
});
