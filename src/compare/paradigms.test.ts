/**
 * runParadigm (what `accrete compare` and bench:incremental run): the bytes an accepted update
 * would write, also when the update grew the n-gram table (a version no patch can describe).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Example } from '../data/example.js';
import { Rng } from '../util/rng.js';
import { runParadigm } from './paradigms.js';
import type { Stream } from './stream.js';

/** Name-like words labelled by their last letter (char n-grams carry it). */
function names(n: number, seed: number): Example[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    let w = '';
    for (let i = 0, len = 4 + rng.int(6); i < len; i++) w += 'abcdefghijklmnopqrstuvwxyz'[rng.int(26)];
    return { text: w, labels: ['aeiou'.includes(w[w.length - 1]) ? 'vowel' : 'consonant'] };
  });
}

test('runParadigm: an update that grows the n-gram table counts the whole model as its bytes', async () => {
  const stream: Stream = [
    { name: 'small', train: names(300, 1), test: names(50, 2) },
    { name: 'large', train: names(2000, 3), test: names(50, 4) },
  ];
  const run = await runParadigm(stream, { name: 'incremental', kind: 'incremental', update: { gate: false } }, { dim: 8, bucket: 1000, minn: 2, maxn: 4, wordNgrams: 1, epoch: 5, lr: 0.5, seed: 1, thread: 1 });
  const [first, grown] = run.costs;
  assert.equal(grown.accepted, true);
  // The base had 1,000 hashed rows; the grown model several times that: its bytes are the whole model's.
  assert.ok(grown.bytes > 2 * first.bytes, `the grown version's bytes (${grown.bytes}) are the whole model's, not a patch's (base ${first.bytes})`);
  assert.equal(grown.bytes % 4, 0);
});
