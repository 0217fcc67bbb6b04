/**
 * kill -9 at every step of saving a patch (accrete update in place): after it the model loads as
 * the parent or as the child, never anything else, and the next update works on it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliRunner, killAtCrashPoint, MAIN } from './testing.js';

const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'accrete-patch-crash-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

const { accrete, ok } = cliRunner(cwd);

const file = (name: string, lines: string[]) => (writeFileSync(join(cwd, name), lines.join('\n') + '\n'), join(cwd, name));
const lines = readFileSync(corpus('wordnet5.train.txt'), 'utf8').trim().split('\n');
let base: string;
let data: string;
let guard: string;
let probe: string;
const UPDATE = () => ['--data', data, '--guard', guard, '--quiet', '--seed', '3'];
const predict = (dir: string) => ok(['predict', '--model', dir, '--k', '3', '--input', probe]);
let parent: string;
let child: string;

before(() => {
  base = join(cwd, 'base');
  ok(['train', '--data', file('first.txt', lines.slice(0, 600)), '--out', base, '--dim', '16', '--bucket', '200000', '--epoch', '10', '--lr', '0.5', '--wordNgrams', '2', '--seed', '1', '--thread', '1', '--quiet']);
  data = file('new.txt', lines.slice(600, 900));
  guard = file('guard.txt', readFileSync(corpus('wordnet5.test.txt'), 'utf8').trim().split('\n').slice(0, 250));
  probe = file('probe.txt', readFileSync(guard, 'utf8').trim().split('\n').slice(0, 60).map((l) => l.slice(l.indexOf(' ') + 1)));
  parent = predict(base);
  ok(['update', '--model', base, ...UPDATE(), '--out', join(cwd, 'whole')]);
  child = predict(join(cwd, 'whole'));
  assert.notEqual(child, parent, 'the update changes predictions, or this test checks nothing');
});

/** Runs the update in place until it stops at `point`, then kills it with SIGKILL. */
async function killAt(model: string, point: string): Promise<void> {
  await killAtCrashPoint(cwd, ['update', '--model', model, ...UPDATE()], point);
}

for (const [point, expected] of [
  ['patch-written', 'parent'],
  ['manifest-written', 'parent'],
  ['manifest-renamed', 'child'],
] as const) {
  test(`kill -9 ${point.replace('-', ' ')}: the model is the ${expected}, and the next update works`, async () => {
    const model = join(cwd, `at-${point}`);
    cpSync(base, model, { recursive: true });
    await killAt(model, point);
    assert.equal(predict(model), expected === 'parent' ? parent : child);
    // The next update: the dead writer's lock is taken over, its leftovers are in the way of nothing.
    const r = accrete(['update', '--model', model, ...UPDATE()]);
    assert.ok(r.status === 0 || r.status === 3, r.stderr);
    if (expected === 'parent') assert.equal(predict(model), child, 'the update, run again, gives the child');
    ok(['compact', model, '--quiet']);
  });
}
