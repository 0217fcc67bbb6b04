import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExamples, toFastTextLine } from './read.js';

test('fasttext: labels anywhere in the line, whitespace collapsed, blank lines skipped', () => {
  const content = [
    '__label__pos great movie',
    '',
    '  \t ',
    '__label__neg\tdull  and __label__long long  ',
    'café 東京 __label__x',
    'no\u00a0break __label__y',
  ].join('\r\n');
  assert.deepEqual(parseExamples(content, 'fasttext').examples, [
    { text: 'great movie', labels: ['pos'] },
    { text: 'dull and long', labels: ['neg', 'long'] },
    { text: 'café 東京', labels: ['x'] },
    { text: 'no\u00a0break', labels: ['y'] },
  ]);
});

const badCases: Array<[string, string, RegExp]> = [
  ['no label', 'just some text', /^no __label__ token$/],
  ['only labels', '__label__a __label__b', /^empty text$/],
  ['empty label', '__label__ text', /empty label/],
  ['empty label at the end', 'text __label__', /empty label/],
];
for (const [name, line, problem] of badCases) {
  test(`fasttext bad line: ${name}`, () => {
    const content = `__label__a ok\n${line}\n__label__b fine`;
    assert.throws(() => parseExamples(content, 'fasttext', { file: 'f.txt' }), (err: Error & { problem?: string }) =>
      err.message.startsWith('f.txt:2: ') && problem.test(err.problem ?? ''),
    );
    const { examples, report } = parseExamples(content, 'fasttext', { skipBad: true });
    assert.deepEqual([examples.length, report.skipped, report.bad[0].line], [2, 1, 2]);
  });
}

test('fasttext: requireLabels false accepts unlabelled text', () => {
  assert.deepEqual(parseExamples('what is this\n', 'fasttext', { requireLabels: false }).examples, [
    { text: 'what is this', labels: [] },
  ]);
});

test('example: toFastTextLine', () => {
  assert.equal(toFastTextLine({ text: 'hi\nthere', labels: ['a b', 'c'] }), '__label__a_b __label__c hi there');
  assert.equal(toFastTextLine({ text: 'x\r\ny', labels: [] }), 'x y');
  const back = parseExamples(toFastTextLine({ text: 'one two', labels: ['p', 'q'], weight: 3 }), 'fasttext');
  assert.deepEqual(back.examples, [{ text: 'one two', labels: ['p', 'q'] }]);
});
