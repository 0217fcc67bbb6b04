import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExamples } from './read.js';
import { DataError } from '../errors.js';

test('csv: quotes, doubled quotes, newline inside quotes, labels split on |, weight, time, BOM, CRLF', () => {
  const content =
    '\ufeffText, Labels ,weight,time\r\n' +
    '"great, really",pos,,2024-05-01\r\n' +
    '"two\r\nlines with ""quotes""", neg | long ,2,\r\n' +
    '\r\n' +
    'plain,neu,,\r\n';
  const { examples, report } = parseExamples(content, 'csv');
  assert.deepEqual(examples, [
    { text: 'great, really', labels: ['pos'], time: '2024-05-01' },
    { text: 'two\nlines with "quotes"', labels: ['neg', 'long'], weight: 2 },
    { text: 'plain', labels: ['neu'] },
  ]);
  assert.equal(report.examples, 3);
});

test('tsv: tab separated, quotes accepted, label column keeps "|"', () => {
  const content = 'text\tlabel\n"quoted\ttab"\tpos\nplain "inner" quotes\ta|b\n';
  assert.deepEqual(parseExamples(content, 'tsv').examples, [
    { text: 'quoted\ttab', labels: ['pos'] },
    { text: 'plain "inner" quotes', labels: ['a|b'] },
  ]);
});

const badCases: Array<[string, string, RegExp]> = [
  ['too few fields', 'lonely', /expected 2 fields as in the header, found 1/],
  ['too many fields', 'a,b,c', /expected 2 fields as in the header, found 3/],
  ['empty text', '"  ",a', /^empty text$/],
  ['missing label', 'some text,', /^no label$/],
  ['empty label between bars', 'x,a||b', /empty label in "a\|\|b"/],
  ['text after closing quote', '"x"y,a', /text after the closing quote of field 1/],
];
for (const [name, line, problem] of badCases) {
  test(`csv bad line: ${name}`, () => {
    const content = `text,labels\nok,a\n${line}\nfine,b\n`;
    assert.throws(() => parseExamples(content, 'csv', { file: 'd.csv' }), (err: DataError) =>
      err instanceof DataError && err.message.startsWith('d.csv:3: ') && problem.test(err.problem),
    );
    const { examples, report } = parseExamples(content, 'csv', { skipBad: true });
    assert.deepEqual([examples.length, report.skipped, report.bad[0].line], [2, 1, 3]);
  });
}

test('csv: a bad weight names the cell', () => {
  assert.throws(() => parseExamples('text,label,weight\nx,a,-1\n', 'csv'), /<input>:2: "weight" must be .* got "-1"/);
});

test('csv: a multi-line record is reported at the line where it starts; later lines keep their numbers', () => {
  const content = 'text,label,weight\n"one\ntwo\nthree",a,oops\nnext,b,\n"x",c,1,extra\n';
  const { examples, report } = parseExamples(content, 'csv', { skipBad: true });
  assert.deepEqual(examples, [{ text: 'next', labels: ['b'] }]);
  assert.deepEqual(report.bad.map((b) => b.line), [2, 6]);
});

test('csv: unterminated quote at the end of the file names the line where it opened', () => {
  const content = 'text,label\nok,a\nfine,b\n"never\nclosed,c\nmore,d\n';
  assert.throws(() => parseExamples(content, 'csv', { file: 'u.csv' }), /^DataError: u\.csv:4: unterminated quoted field: the quote opened on line 4/);
  const { examples, report } = parseExamples(content, 'csv', { skipBad: true });
  assert.deepEqual([examples.length, report.skipped], [2, 1]);
  const inner = parseExamples('text,label\nok,"x\nyz', 'csv', { skipBad: true });
  assert.match(inner.report.bad[0].problem, /opened on line 2/);
});

test('csv: invalid UTF-8 inside a multi-line record is bad, and quoting is still followed', () => {
  const bytes = Buffer.concat([Buffer.from('text,label\n"a\n'), Buffer.from([0xff]), Buffer.from('b",x\nnext,y\n')]);
  const { examples, report } = parseExamples(bytes, 'csv', { skipBad: true });
  assert.deepEqual(examples, [{ text: 'next', labels: ['y'] }]);
  assert.deepEqual(report.bad, [{ file: '<input>', line: 2, problem: 'invalid UTF-8 on line 3' }]);
});

test('csv: a record growing past maxLineBytes is bad without being held', () => {
  const content = `text,label\n"open${'\nfiller'.repeat(300)}\nclose",a\nafter,b\n`;
  const { examples, report } = parseExamples(content, 'csv', { skipBad: true, maxLineBytes: 1000 });
  assert.deepEqual(examples, [{ text: 'after', labels: ['b'] }]);
  assert.equal(report.bad[0].line, 2);
  assert.match(report.bad[0].problem, /record is longer than the limit 1000 bytes/);
});

test('csv: a missing header column is a hard error even with skipBad, and lists the columns found', () => {
  assert.throws(
    () => parseExamples('body,label\nx,a\n', 'csv', { skipBad: true, file: 'h.csv' }),
    /h\.csv:1: the header row needs a "text" column and a "label" or "labels" column; found "body", "label"/,
  );
  assert.throws(() => parseExamples('text\tlabel\nx\ta\n', 'csv', { skipBad: true }), /use --format tsv/);
  assert.throws(() => parseExamples('text,label,labels\n', 'csv'), /both "label" and "labels"/);
  assert.throws(() => parseExamples('', 'csv'), /the file is empty/);
});

test('csv: requireLabels false needs only a text column', () => {
  assert.deepEqual(parseExamples('text\nhello\n', 'csv', { requireLabels: false }).examples, [
    { text: 'hello', labels: [] },
  ]);
  assert.deepEqual(parseExamples('text,label\nhello,\n', 'csv', { requireLabels: false }).examples, [
    { text: 'hello', labels: [] },
  ]);
});

test('csv: a too-long line inside quotes is bad, and the quote it opened is still followed', () => {
  const content = `text,label\n"${'x'.repeat(2000)}\nstill quoted, not a record",a\nafter,b\n`;
  const { examples, report } = parseExamples(content, 'csv', { skipBad: true, maxLineBytes: 1000 });
  assert.deepEqual(examples, [{ text: 'after', labels: ['b'] }]);
  assert.deepEqual(report.bad.map((b) => [b.line, b.problem.slice(0, 41)]), [[2, 'line is 2001 bytes, longer than the limit']]);
});
