/** `accrete train` holds a small guard out of training for later updates (update/guard.ts), unless told not to. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLearner } from '../update/memory.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const data = fileURLToPath(new URL('../../test/fixtures/corpus/wordnet5.train.txt', import.meta.url));
const valid = fileURLToPath(new URL('../../test/fixtures/corpus/wordnet5.test.txt', import.meta.url));
const TINY = ['--dim', '8', '--bucket', '5000', '--epoch', '2', '--seed', '1', '--quiet', '--json'];
const cwd = mkdtempSync(join(tmpdir(), 'accrete-train-guard-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

function train(out: string, extra: string[]): { examples: number; guardHeldOut: number } {
  const r = spawnSync(process.execPath, [MAIN, 'train', '--data', data, '--out', join(cwd, out), ...TINY, ...extra], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { examples: number; guardHeldOut: number };
}

const lines = readFileSync(data, 'utf8').split('\n').filter((l) => l.trim() !== '').length;

test('by default 2% of the data is held out of training and saved as the guard', () => {
  const report = train('auto', []);
  assert.equal(report.guardHeldOut, Math.floor(lines * 0.02));
  assert.equal(report.examples + report.guardHeldOut, lines);
  const { memory } = loadLearner(join(cwd, 'auto'));
  assert.equal(memory?.guard?.length, report.guardHeldOut);
  const trainedOn = new Set(memory!.replay.examples().map((e) => e.text));
  assert.ok(memory!.guard!.every((e) => !trainedOn.has(e.text)), 'no guard example is in the replay memory');
});

test('--guard-size N holds out N; 0 trains on everything and keeps no guard; --valid makes the validation data the guard', () => {
  assert.equal(train('forty', ['--guard-size', '40']).guardHeldOut, 40);
  const all = train('all', ['--guard-size', '0']);
  assert.deepEqual([all.examples, all.guardHeldOut], [lines, 0]);
  assert.equal(existsSync(join(cwd, 'all', 'guard.json')), false);
  const withValid = train('valid', ['--valid', valid]);
  assert.deepEqual([withValid.examples, withValid.guardHeldOut], [lines, 0]);
  assert.ok((loadLearner(join(cwd, 'valid')).memory?.guard?.length ?? 0) > 0);
});

test('a training set too small for a guard gets a note on stderr (even with --quiet, never on stdout)', () => {
  const small = fileURLToPath(new URL('../../test/fixtures/corpus/wordnet3.train.jsonl', import.meta.url));
  const run = (out: string, extra: string[]) => spawnSync(process.execPath, [MAIN, 'train', '--data', small, '--out', join(cwd, out), ...TINY, ...extra], { encoding: 'utf8' });
  const r = run('small', []);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { guardHeldOut: number }).guardHeldOut, 0, 'stdout is the JSON report alone');
  assert.match(r.stderr, /no guard held out: 300 examples are fewer than the 1500/);
  assert.match(r.stderr, /--guard-size N/);
  assert.match(r.stderr, /--guard FILE/);
  // Holding one out, or saying --guard-size 0, or giving --valid: nothing to note.
  for (const [name, extra] of [['small-40', ['--guard-size', '40']], ['small-0', ['--guard-size', '0']], ['small-valid', ['--valid', valid]]] as const) {
    const quiet = run(name, [...extra]);
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /no guard held out/, name);
  }
});

test('a training set large enough for a guard gets no note', () => {
  const r = spawnSync(process.execPath, [MAIN, 'train', '--data', data, '--out', join(cwd, 'big'), ...TINY], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /no guard held out/);
});
