// Examples and strings cross threads packed: both ways of packing give back exactly what went in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Example } from '../data/example.js';
import { packExamples, packExamplesSliced, packStrings, packStringsSliced, unpackExamples, unpackStrings } from './pack.js';

const strings = ['', 'plain', 'naïve café', '漢字かな', 'emoji 👍🏽', 'lone \uD800 surrogate', '\uDC00', 'x'.repeat(20_000)];

test('strings packed joined (the worker) or as code units (the main thread) unpack exactly, lone surrogates included', async () => {
  assert.deepEqual(unpackStrings(packStrings(strings)), strings);
  const sliced = await packStringsSliced(strings);
  assert.ok('codes' in sliced, 'the main thread sends code units');
  assert.deepEqual(unpackStrings(sliced), strings);
  assert.deepEqual(unpackStrings(await packStringsSliced([])), []);
});

test('examples keep their labels, weights and times through either packing', async () => {
  const examples: Example[] = [
    { text: 'a', labels: ['x'] },
    { text: strings[5], labels: ['x', 'y'], weight: 2.5 },
    { text: '', labels: ['z'], time: '2026-12-06' },
  ];
  assert.deepEqual(unpackExamples(packExamples(examples)), examples);
  assert.deepEqual(unpackExamples(await packExamplesSliced(examples.length, (i) => examples[i])), examples);
});
