/**
 * kill -9 at every step of `accrete models gc`: the registry's rows and files still agree (every
 * version not marked removed has files that load, as they did before), the active version and its
 * lineage are never touched, and what a killed gc left undone (directories of versions already
 * marked removed) goes at the next start (recover) or at the next gc, which then completes.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TextClassifier } from '../model/classifier.js';
import { Registry } from '../registry/registry.js';
import { call, corpus, inProcess, MAIN, plantTexts, tinyModel } from '../serve/testing.js';
import { cliRunner, killAtCrashPoint } from './testing.js';

const root = mkdtempSync(join(tmpdir(), 'accrete-gc-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));
const TEMPLATE = join(root, 'template');
const probes = ['a young wolf', 'a tool for cutting wood', ...plantTexts(4)];
const predictions = (m: TextClassifier) => probes.map((t) => m.predict(t, { k: 3 }));
/** What each version predicted before any gc ran. */
const expected = new Map<string, unknown>();

const { ok } = cliRunner(root);
const dirsOf = (reg: string) => readdirSync(join(reg, 'versions')).sort();

/**
 * The template registry: v1 (a base), v2 and v3 (patches: v2 on v1, v3 on v2), v2 made active
 * again, then v4 and v5 imported (bases, not active). `gc --keep 1` keeps v5 (the last), v2 (active)
 * and v1 (v2's base), and removes v3 (a patch whose files are hard links to its kept ancestors') and v4.
 */
before(async () => {
  await tinyModel(join(root, 'base'), 200_000);
  const s = await inProcess({ registry: join(TEMPLATE, 'registry.db'), model: join(root, 'base'), drift: false });
  try {
    const fed = await call(s.url, 'POST', '/v1/feedback', { examples: plantTexts(3).slice(1).map((text) => ({ text, label: 'noun.plant' })) });
    assert.equal(fed.status, 200, fed.text);
    const up = await call(s.url, 'POST', '/v1/update', {}, true, {}, 60_000);
    assert.equal(up.status, 200, up.text);
    assert.equal(up.json.version, 'v2', JSON.stringify(up.json.reasons));
    const food = readFileSync(corpus('wordnet5.train.txt'), 'utf8').split('\n').filter((l) => l.startsWith('__label__noun.food ')).slice(1, 3);
    assert.equal((await call(s.url, 'POST', '/v1/feedback', { examples: food.map((l) => ({ text: l.slice('__label__noun.food '.length), label: 'noun.food' })) })).status, 200);
    const up2 = await call(s.url, 'POST', '/v1/update', { maxDrop: 0.1 }, true, {}, 60_000);
    assert.equal(up2.status, 200, up2.text);
    assert.equal(up2.json.created, 'v3', JSON.stringify(up2.json.reasons));
    assert.equal((await call(s.url, 'POST', '/v1/models/v2/activate')).status, 200);
  } finally {
    await s.server.close();
  }
  const r = Registry.open(join(TEMPLATE, 'registry.db'), { mustExist: true });
  try {
    assert.equal(r.importModel(join(root, 'base')).id, 'v4');
    assert.equal(r.importModel(join(root, 'base')).id, 'v5');
    assert.equal(r.activeId(), 'v2');
    assert.ok(existsSync(join(r.dirOf('v2'), 'manifest.json')) && existsSync(join(r.dirOf('v3'), 'manifest.json')), 'v2 and v3 are patches');
    for (const v of r.versions()) expected.set(v.id, predictions(r.loadVersion(v.id)));
  } finally {
    r.close();
  }
  assert.notDeepEqual(expected.get('v2'), expected.get('v1'), 'v2 predicts unlike its base, or loading it checks nothing');
  assert.deepEqual(dirsOf(TEMPLATE), ['v1', 'v2', 'v3', 'v4', 'v5']);
});

/** Runs `accrete models gc --keep 1` until it stops at `point`, then kills it with SIGKILL. */
async function killAt(file: string, point: string): Promise<void> {
  const signal = await killAtCrashPoint(root, ['models', 'gc', '--keep', '1', '--registry', file, '--json'], point);
  assert.equal(signal, 'SIGKILL', `gc was killed at ${point}`);
}

/** Rows and files agree: every version not marked removed has its directory, which loads and predicts as before. */
function checkAgree(file: string, removed: string[]): void {
  const r = Registry.open(file, { mustExist: true });
  try {
    assert.equal(r.activeId(), 'v2', 'gc never changes the active version');
    const rows = r.versions();
    assert.deepEqual(rows.map((v) => v.id), ['v1', 'v2', 'v3', 'v4', 'v5'], 'rows stay');
    assert.deepEqual(rows.filter((v) => v.removedAt).map((v) => v.id), removed);
    for (const v of rows.filter((v) => !v.removedAt)) {
      assert.ok(existsSync(r.dirOf(v.id)), `${v.id}'s files are there`);
      assert.deepEqual(predictions(r.loadVersion(v.id)), expected.get(v.id), `${v.id} loads and predicts as before the gc`);
    }
    assert.deepEqual(predictions(r.loadActive().model), expected.get('v2'));
  } finally {
    r.close();
  }
}

for (const [point, leftovers] of [
  ['gc-marked', ['v3', 'v4']],
  ['gc-removing', ['v4']],
  ['gc-removed', []],
] as const) {
  test(`kill -9 at ${point}: rows and files agree, the active version and its lineage load, and the next start or gc removes what was left`, async () => {
    const reg = join(root, point);
    cpSync(TEMPLATE, reg, { recursive: true });
    const file = join(reg, 'registry.db');
    await killAt(file, point);

    // The transaction that marks v3 and v4 committed before any file went; the kill left these directories.
    checkAgree(file, ['v3', 'v4']);
    assert.deepEqual(dirsOf(reg), ['v1', 'v2', 'v5', ...leftovers].sort(), 'the directories left at this step');
    const listed = JSON.parse(ok(['models', 'list', '--registry', file, '--json']));
    assert.equal(listed.active, 'v2');

    // The next start (a server's recover) removes the directories of removed versions.
    const started = join(root, `${point}-started`);
    cpSync(reg, started, { recursive: true });
    const r = Registry.open(join(started, 'registry.db'), { mustExist: true });
    try {
      assert.deepEqual(r.recover().removed.sort(), [...leftovers]);
    } finally {
      r.close();
    }
    assert.deepEqual(dirsOf(started), ['v1', 'v2', 'v5']);
    checkAgree(join(started, 'registry.db'), ['v3', 'v4']);

    // Without a server start, the next gc finishes the job, and completes.
    const again = JSON.parse(ok(['models', 'gc', '--keep', '1', '--registry', file, '--json']));
    assert.deepEqual([...again.removed].sort(), [...leftovers], 'the second gc removes what the killed one left');
    assert.deepEqual([...again.kept].sort(), ['v1', 'v2', 'v5']);
    assert.deepEqual(dirsOf(reg), ['v1', 'v2', 'v5'], 'no directory is left for a removed version');
    checkAgree(file, ['v3', 'v4']);
    assert.deepEqual(JSON.parse(ok(['models', 'gc', '--keep', '1', '--registry', file, '--json'])).removed, [], 'then there is nothing to remove');
  });
}
