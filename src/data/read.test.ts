import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '../errors.js';
import { detectFormat, readDataset, readExamples, type Example } from './read.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/data/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'accrete-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

test('detectFormat: by extension, case-insensitive; unknown asks for --format', () => {
  const cases: Array<[string, string]> = [
    ['a.jsonl', 'jsonl'], ['b.NDJSON', 'jsonl'], ['dir.v2/c.csv', 'csv'], ['d.tsv', 'tsv'],
    ['e.txt', 'fasttext'], ['f.ft', 'fasttext'], ['g.fasttext', 'fasttext'],
  ];
  for (const [path, format] of cases) assert.equal(detectFormat(path), format, path);
  for (const path of ['data.json', 'noext', '-', 'x.csv.gz', '.jsonl']) {
    assert.throws(() => detectFormat(path), (err: Error & { code?: string }) => err.code === 'USAGE' && /--format/.test(err.message));
  }
});

test('readExamples checks the format on the call, before reading', () => {
  assert.throws(() => readExamples('whatever.dat'), /--format/);
  assert.throws(() => readExamples('x.jsonl', { maxLineBytes: 0 }), /maxLineBytes must be a positive integer/);
});

test('fixtures: every format reads its happy-path file', async () => {
  const expected: Record<string, Example[]> = {
    'good.jsonl': [
      { text: 'great movie', labels: ['pos'] },
      { text: 'dull and long', labels: ['neg', 'long'], weight: 2.5, time: '2024-05-01' },
      { text: 'fine', labels: ['neu'], time: '1714521600' },
    ],
    'good.csv': [
      { text: 'great, really', labels: ['pos'], time: '2024-05-01' },
      { text: 'two\nlines with "quotes"', labels: ['neg', 'long'], weight: 2 },
      { text: 'plain', labels: ['neu'] },
    ],
    'good.tsv': [
      { text: 'quoted\ttab', labels: ['pos'] },
      { text: 'plain text', labels: ['neg'] },
    ],
    'good.txt': [
      { text: 'great movie', labels: ['pos'] },
      { text: 'dull and long', labels: ['neg', 'long'] },
    ],
  };
  for (const [name, examples] of Object.entries(expected)) {
    const got = await readDataset(join(fixtures, name));
    assert.deepEqual(got, { examples, report: { examples: examples.length, skipped: 0, bad: [] } }, name);
  }
});

test('fixture bad.jsonl: the error names the path and line; skipBad counts every bad line', async () => {
  const path = join(fixtures, 'bad.jsonl');
  await assert.rejects(readDataset(path), (err: DataError) =>
    err instanceof DataError && err.code === 'BAD_DATA' && err.file === path && err.line === 2 &&
    err.message === `${path}:2: invalid UTF-8`,
  );
  const { examples, report } = await readDataset(path, { skipBad: true });
  assert.deepEqual(examples.map((e) => e.text), ['ok', 'fine']);
  assert.equal(report.skipped, 8);
  assert.deepEqual(report.bad.map((b) => b.line), [2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(report.bad.slice(0, 3).map((b) => b.problem), ['invalid UTF-8', 'empty text', 'no label']);
});

test('fixture unterminated.csv: bad line where the quote opened', async () => {
  const path = join(fixtures, 'unterminated.csv');
  await assert.rejects(readDataset(path), new RegExp(`${path}:3: unterminated quoted field`));
});

test('examples before a bad line are yielded before the error', async () => {
  const path = write('order.jsonl', '{"text":"a","label":"x"}\n{"text":"b","label":"x"}\n{oops\n');
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const e of readExamples(path)) seen.push(e.text);
  }, /order\.jsonl:3: bad JSON/);
  assert.deepEqual(seen, ['a', 'b']);
});

test('a line over maxLineBytes is a bad line; the next lines still read', async () => {
  const huge = JSON.stringify({ text: 'x'.repeat(5000), label: 'a' });
  const path = write('huge.jsonl', `{"text":"a","label":"x"}\n${huge}\n{"text":"b","label":"y"}`);
  const size = Buffer.byteLength(huge);
  await assert.rejects(readDataset(path, { maxLineBytes: 1000 }), new RegExp(`huge\\.jsonl:2: line is ${size} bytes, longer than the limit 1000`));
  const { examples, report } = await readDataset(path, { maxLineBytes: 1000, skipBad: true });
  assert.deepEqual(examples.map((e) => e.text), ['a', 'b']);
  assert.deepEqual(report.bad.map((b) => b.line), [2]);
  assert.equal((await readDataset(path)).examples.length, 3);
});

test('skipBad: the report lists the first 20 bad lines and counts all of them', async () => {
  const lines = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? `__label__a ok ${i}` : `no label ${i}`));
  const { examples, report } = await readDataset(write('many.txt', lines.join('\n')), { skipBad: true });
  assert.equal(examples.length, 30);
  assert.equal(report.examples, 30);
  assert.equal(report.skipped, 30);
  assert.equal(report.bad.length, 20);
  assert.deepEqual(report.bad[0], { file: join(dir, 'many.txt'), line: 2, problem: 'no __label__ token' });
  assert.equal(report.bad[19].line, 40);
});

test('format option overrides the extension; requireLabels false reads prediction input', async () => {
  const path = write('input.dat', 'what is this\n\nand this\n');
  const { examples } = await readDataset(path, { format: 'fasttext', requireLabels: false });
  assert.deepEqual(examples, [{ text: 'what is this', labels: [] }, { text: 'and this', labels: [] }]);
});

test('invalid UTF-8 in a CSV file, and CRLF with a BOM', async () => {
  const bytes = Buffer.concat([
    Buffer.from('\ufefftext,label\r\nok,a\r\n'),
    Buffer.from([0x62, 0xc3, 0x28, 0x2c, 0x62, 0x0d, 0x0a]),
    Buffer.from('last,c'),
  ]);
  const path = write('utf8.csv', bytes);
  await assert.rejects(readDataset(path), /utf8\.csv:3: invalid UTF-8/);
  const { examples } = await readDataset(path, { skipBad: true });
  assert.deepEqual(examples, [{ text: 'ok', labels: ['a'] }, { text: 'last', labels: ['c'] }]);
});

test('a missing file is a BAD_DATA error naming it', async () => {
  await assert.rejects(readDataset(join(dir, 'nope.jsonl')), (err: Error & { code?: string }) =>
    err.code === 'BAD_DATA' && /nope\.jsonl: no such file/.test(err.message),
  );
});

test('stopping early returns no report and does not throw', async () => {
  const path = write('stop.txt', '__label__a one\n__label__a two\n__label__a three\n');
  const it = readExamples(path);
  const first = await it.next();
  assert.equal(first.done !== true && first.value.text, 'one');
  assert.deepEqual(await it.return(undefined as never), { done: true, value: undefined });
});
