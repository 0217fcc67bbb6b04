/**
 * Issue 18: what every data reader refuses at the door, naming file and line: labels holding control
 * characters (newline, NUL, ANSI escapes, C1, U+2028/2029) or lone surrogates, texts that are not
 * well-formed Unicode, and JSON nested deeper than any message builder could walk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../errors.js';
import { parseExamples } from './read.js';
import type { DataFormat } from './example.js';

/** Each format's file holding one bad label (`bad` stands in for it). */
const files: Record<DataFormat, (bad: string) => string> = {
  jsonl: (bad) => `{"text":"fine","label":"ok"}\n{"text":"a cat","label":${JSON.stringify(bad)}}\n`,
  csv: (bad) => `text,label\nfine,ok\na cat,${bad}\n`,
  tsv: (bad) => `text\tlabel\nfine\tok\na cat\t${bad}\n`,
  fasttext: (bad) => `__label__ok fine\n__label__${bad} a cat\n`,
};

// Characters every format can carry inside one line and label (a raw newline would end the line).
const BAD_LABELS: [string, string][] = [
  ['ESC (an ANSI colour)', 'pos\u001b[31m'],
  ['NUL', 'po\u0000s'],
  ['C1 NEL', 'po\u0085s'],
  ['DEL', 'po\u007fs'],
  ['U+2028', 'po\u2028s'],
  ['U+2029', 'po\u2029s'],
  ['BEL', 'po\u0007s'],
];

for (const format of Object.keys(files) as DataFormat[]) {
  test(`${format}: a label with a control character is a bad line (file:line), in every format`, () => {
    // The bad example is on line 2, or 3 after a CSV/TSV header.
    const line = format === 'csv' || format === 'tsv' ? 3 : 2;
    for (const [name, label] of BAD_LABELS) {
      assert.throws(
        () => parseExamples(files[format](label), format, { file: `f.${format}` }),
        (err) => err instanceof DataError && err.line === line && /control character U\+[0-9A-F]{4}/.test(err.problem) && err.message.startsWith(`f.${format}:${line}: `),
        `${format}: ${name}`,
      );
    }
    // The good line alone reads fine.
    assert.deepEqual(parseExamples(files[format]('ok').split('\n').slice(0, format === 'fasttext' || format === 'jsonl' ? 1 : 2).join('\n'), format).examples.length, 1);
  });
}

test('jsonl: a newline, a tab or a lone surrogate inside a label; a lone surrogate in a text', () => {
  const cases: [string, RegExp][] = [
    ['{"text":"a","label":"x\\ny"}', /control character U\+000A/],
    ['{"text":"a","labels":["ok","x\\ty"]}', /control character U\+0009/],
    ['{"text":"a","label":"x\\ud800y"}', /lone surrogate/],
    ['{"text":"a \\udfff b","label":"ok"}', /the text holds a lone surrogate/],
  ];
  for (const [line, problem] of cases) {
    assert.throws(() => parseExamples(line + '\n', 'jsonl', { file: 'd.jsonl' }), (err) => err instanceof DataError && err.line === 1 && problem.test(err.problem), line);
  }
  // A paired surrogate (an emoji) is fine, in text and label; so are newlines in a text.
  assert.deepEqual(parseExamples('{"text":"a\\ud83d\\ude00\\nb","label":"\\ud83d\\ude00"}\n', 'jsonl').examples, [{ text: 'a\u{1F600}\nb', labels: ['\u{1F600}'] }]);
});

test('csv: a quoted label spanning two lines is refused (its newline), and the record is named by its first line', () => {
  assert.throws(() => parseExamples('text,label\n"a cat","po\ns"\n', 'csv', { file: 'd.csv' }), (err) => err instanceof DataError && err.line === 2 && /U\+000A/.test(err.problem));
  // csv labels (split on |) too
  assert.throws(() => parseExamples('text,labels\na,ok|b\u001bc\n', 'csv'), (err) => err instanceof DataError && /U\+001B/.test(err.problem));
});

test('jsonl: a value nested 100,000 levels deep is a bad line with a short message, not a stack overflow', () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  for (const line of [deep, `{"text":${deep},"label":"a"}`, `{"text":"a","label":"b","time":${deep}}`, `{"text":"a","labels":${deep}}`, `{"text":"a","label":"b","weight":${deep}}`]) {
    const { report } = parseExamples(line + '\n', 'jsonl', { skipBad: true });
    assert.equal(report.bad.length, 1);
    assert.ok(report.bad[0].problem.length < 200, report.bad[0].problem.slice(0, 300));
  }
});
