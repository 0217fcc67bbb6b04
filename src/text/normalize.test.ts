import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalize } from './normalize.js';

test('example: normalize("ＡＢＣ１２３", true)', () => {
  assert.equal(normalize('ＡＢＣ１２３', true), 'abc123');
});

const cases: Array<[name: string, input: string, lowercase: boolean, expected: string]> = [
  ['fullwidth forms, lowercase off', 'ＡＢＣ１２３', false, 'ABC123'],
  ['halfwidth katakana with voicing mark', 'ｶﾞｷﾞ', true, 'ガギ'],
  ['ligature and circled digit', 'ﬁ①', true, 'fi1'],
  ['decomposed input is composed', 'Cafe\u0301', true, 'café'],
  ['lowercase on', 'HeLLo ΣΟΦΙΑ', true, 'hello σοφια'],
  ['lowercase off keeps case', 'HeLLo', false, 'HeLLo'],
  ['whitespace controls are kept', 'a\tb\nc\rd\u000be\u000cf\u0085g', true, 'a\tb\nc\rd\u000be\u000cf\u0085g'],
  ['other C0 and C1 controls are stripped', 'a\u0000b\u0007c\u001fd\u007fe\u009ff', true, 'abcdef'],
  ['a control between a letter and its mark does not block composition', 'e\u0000\u0301', true, 'é'],
  ['nothing else collapses: repeated spaces and punctuation stay', 'a  b!!', true, 'a  b!!'],
  ['format characters are not controls: ZWJ and ZWSP stay', 'a\u200db\u200bc', true, 'a\u200db\u200bc'],
  ['NBSP and ideographic space are compatibility-mapped to space by NFKC', 'a\u00a0b\u3000c', true, 'a b c'],
];

for (const [name, input, lowercase, expected] of cases) {
  test(name, () => {
    assert.equal(normalize(input, lowercase), expected);
  });
}
