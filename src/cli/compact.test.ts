/**
 * `accrete compact`: folding the same patches gives the same bytes every time (model.json keeps
 * the base's createdAt), and kill -9 at every step of the whole save it writes leaves a model that
 * loads as the patched one or as the compacted one (the same predictions either way), which the
 * next update and compaction take up.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliRunner, killAtCrashPoint, MAIN } from './testing.js';

const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'accrete-compact-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

const { accrete, ok } = cliRunner(cwd);
const file = (name: string, lines: string[]) => (writeFileSync(join(cwd, name), lines.join('\n') + '\n'), join(cwd, name));
const lines = readFileSync(corpus('wordnet5.train.txt'), 'utf8').trim().split('\n');
let patched: string;
let probe: string;
let predicted: string;
const predict = (dir: string) => ok(['predict', '--model', dir, '--k', '3', '--input', probe]);
let guard: string;
const update = (model: string) => accrete(['update', '--model', model, '--data', file('new.txt', lines.slice(600, 900)), '--guard', guard, '--quiet', '--seed', '3']);

before(() => {
  patched = join(cwd, 'patched');
  ok(['train', '--data', file('first.txt', lines.slice(0, 600)), '--out', patched, '--dim', '16', '--bucket', '200000', '--epoch', '10', '--lr', '0.5', '--wordNgrams', '2', '--seed', '1', '--thread', '1', '--quiet']);
  probe = file('probe.txt', lines.slice(1400, 1460).map((l) => l.slice(l.indexOf(' ') + 1)));
  guard = file('guard.txt', readFileSync(corpus('wordnet5.test.txt'), 'utf8').trim().split('\n').slice(0, 250));
  assert.equal(update(patched).status, 0, 'the update is accepted');
  const manifest = JSON.parse(readFileSync(join(patched, 'manifest.json'), 'utf8')) as { patches: unknown[] };
  assert.ok(manifest.patches.length >= 1, 'the updates were saved as patches, or this test checks nothing');
  predicted = predict(patched);
});

const filesOf = (dir: string) => readdirSync(dir).sort();

test('compacting the same patches twice gives the same bytes, and the same predictions', () => {
  const copies = ['a', 'b'].map((n) => join(cwd, `same-${n}`));
  for (const c of copies) {
    cpSync(patched, c, { recursive: true });
    ok(['compact', c, '--quiet']);
    assert.ok(!existsSync(join(c, 'manifest.json')) && !existsSync(join(c, 'patches')), 'folded: no manifest, no patches');
  }
  assert.deepEqual(filesOf(copies[0]), filesOf(copies[1]));
  for (const f of filesOf(copies[0])) assert.ok(readFileSync(join(copies[0], f)).equals(readFileSync(join(copies[1], f))), `${f} is the same bytes`);
  assert.equal(predict(copies[0]), predicted);
});

/** Runs accrete compact until it stops at `point`, then kills it with SIGKILL. */
async function killAt(model: string, point: string): Promise<void> {
  await killAtCrashPoint(cwd, ['compact', model, '--quiet'], point);
}

for (const [point, expected] of [
  ['dir-written', 'patched'],
  ['dir-moved-aside', 'patched'],
  ['dir-swapped', 'compacted'],
] as const) {
  test(`kill -9 of accrete compact at ${point}: the model loads ${expected}, and the next update and compaction work`, async () => {
    const model = join(cwd, `at-${point}`);
    cpSync(patched, model, { recursive: true });
    await killAt(model, point);
    assert.equal(predict(model), predicted, 'the same model either way');
    assert.equal(existsSync(join(model, 'manifest.json')), expected === 'patched', `it is the ${expected} directory`);
    const next = update(model);
    assert.ok(next.status === 0 || next.status === 3, next.stderr);
    ok(['compact', model, '--quiet']);
    assert.ok(!existsSync(join(model, 'manifest.json')), 'compacted');
    assert.deepEqual(readdirSync(cwd).filter((n) => n.startsWith(`.at-${point}`) && !n.endsWith('.accrete-lock')), [], 'no temporary or replaced directory left behind');
  });
}
