import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExamples, toJsonlLine } from './read.js';

test('jsonl: single and multi label, weight, time, blank lines, CRLF', () => {
  const content = [
    '{"text": "good", "label": " pos "}',
    '',
    '   ',
    '{"text": "bad", "labels": ["neg", "rude"], "weight": 0.5, "time": 1714521600, "id": 7}',
    '{"text": "meh", "label": "neu", "time": "2024-05-01T00:00:00Z", "weight": null}',
  ].join('\r\n');
  const { examples, report } = parseExamples(content, 'jsonl');
  assert.deepEqual(examples, [
    { text: 'good', labels: ['pos'] },
    { text: 'bad', labels: ['neg', 'rude'], weight: 0.5, time: '1714521600' },
    { text: 'meh', labels: ['neu'], time: '2024-05-01T00:00:00Z' },
  ]);
  assert.deepEqual(report, { examples: 3, skipped: 0, bad: [] });
});

const badCases: Array<[string, string, RegExp]> = [
  ['empty text', '{"text": "  ", "label": "a"}', /^empty text$/],
  ['no text field', '{"label": "a"}', /no "text" field/],
  ['text not a string', '{"text": 3, "label": "a"}', /"text" must be a string, got number 3/],
  ['missing label', '{"text": "x"}', /^no label$/],
  ['empty labels array', '{"text": "x", "labels": []}', /^no label$/],
  ['both label and labels', '{"text": "x", "label": "a", "labels": ["b"]}', /both "label" and "labels"/],
  ['empty label', '{"text": "x", "label": ""}', /^empty label$/],
  ['label not a string', '{"text": "x", "label": 3}', /"label" must be a string, got number 3/],
  ['label is an array', '{"text": "x", "label": ["a"]}', /use "labels" for several/],
  ['labels not an array', '{"text": "x", "labels": "a"}', /"labels" must be an array/],
  ['a label in labels not a string', '{"text": "x", "labels": ["a", null]}', /must be a string, got null/],
  ['bad JSON', '{"text": "x", ', /^bad JSON: /],
  ['not an object', '"just text"', /expected a JSON object, got string/],
  ['null', 'null', /expected a JSON object, got null/],
  ['zero weight', '{"text": "x", "label": "a", "weight": 0}', /"weight" must be a positive finite number/],
  ['string weight', '{"text": "x", "label": "a", "weight": "2"}', /"weight" must be a positive finite number, got string/],
  ['bad time', '{"text": "x", "label": "a", "time": true}', /"time" must be a string or a number/],
];

for (const [name, line, problem] of badCases) {
  test(`jsonl bad line: ${name}`, () => {
    const content = `{"text": "ok", "label": "a"}\n${line}\n{"text": "ok2", "label": "b"}\n`;
    assert.throws(
      () => parseExamples(content, 'jsonl', { file: 'mem.jsonl' }),
      (err: Error & { line?: number; problem?: string }) =>
        err.name === 'DataError' && err.line === 2 && problem.test(err.problem ?? '') && err.message.startsWith('mem.jsonl:2: '),
    );
    const { examples, report } = parseExamples(content, 'jsonl', { file: 'mem.jsonl', skipBad: true });
    assert.equal(examples.length, 2);
    assert.equal(report.skipped, 1);
    assert.equal(report.bad[0].line, 2);
    assert.match(report.bad[0].problem, problem);
  });
}

test('jsonl: requireLabels false accepts unlabelled text, still rejects empty text', () => {
  const { examples } = parseExamples('{"text": "what is this"}\n', 'jsonl', { requireLabels: false });
  assert.deepEqual(examples, [{ text: 'what is this', labels: [] }]);
  assert.throws(() => parseExamples('{"text": ""}\n', 'jsonl', { requireLabels: false }), /empty text/);
});

test('jsonl: invalid UTF-8 bytes are a bad line, never U+FFFD', () => {
  const bytes = Buffer.concat([Buffer.from('{"text": "caf'), Buffer.from([0xe9]), Buffer.from('", "label": "a"}\n')]);
  assert.throws(() => parseExamples(bytes, 'jsonl'), /<input>:1: invalid UTF-8/);
  const { examples, report } = parseExamples(bytes, 'jsonl', { skipBad: true });
  assert.deepEqual([examples.length, report.skipped], [0, 1]);
});

test('toJsonlLine round-trips through the reader', () => {
  const examples = [
    { text: 'a "quoted"\nline', labels: ['x'] },
    { text: 'two', labels: ['x', 'y z'], weight: 2, time: '2024' },
    { text: 'none', labels: [] },
  ];
  const lines = examples.map(toJsonlLine);
  assert.equal(lines[0], '{"text":"a \\"quoted\\"\\nline","label":"x"}');
  const back = parseExamples(lines.join('\n'), 'jsonl', { requireLabels: false }).examples;
  assert.deepEqual(back, examples);
});
