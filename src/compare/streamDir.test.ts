import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStreamDir, taskDirs } from './streamDir.js';

const root = mkdtempSync(join(tmpdir(), 'accrete-streamdir-'));
after(() => rmSync(root, { recursive: true, force: true }));

function task(dir: string, name: string, files: Record<string, string>): void {
  mkdirSync(join(dir, name), { recursive: true });
  for (const [f, content] of Object.entries(files)) writeFileSync(join(dir, name, f), content);
}

test('tasks in natural order, any format, DIR or DIR/tasks', async () => {
  const dir = join(root, 'ok');
  const tasks = join(dir, 'tasks');
  task(tasks, '10', { 'train.txt': '__label__b late one\n', 'test.txt': '__label__b late two\n' });
  task(tasks, '2', { 'train.jsonl': '{"text":"early one","label":"a"}\n', 'test.csv': 'text,label\nearly two,a\n' });
  const stream = await readStreamDir(dir);
  assert.deepEqual(stream.map((t) => t.name), ['2', '10']);
  assert.deepEqual(stream[0].train, [{ text: 'early one', labels: ['a'] }]);
  assert.deepEqual(stream[0].test, [{ text: 'early two', labels: ['a'] }]);
  assert.deepEqual((await readStreamDir(tasks)).map((t) => t.name), ['2', '10']);
});

test('errors name the folder and what is missing', async () => {
  assert.throws(() => taskDirs(join(root, 'nope')), /stream directory .*nope does not exist/);
  const empty = join(root, 'empty');
  mkdirSync(empty);
  assert.throws(() => taskDirs(empty), /has no task folders/);
  const noTest = join(root, 'notest');
  task(noTest, '1', { 'train.txt': '__label__a x\n' });
  await assert.rejects(readStreamDir(noTest), /notest[\\/]1 has no test file/);
  const two = join(root, 'two');
  task(two, '1', { 'train.txt': '__label__a x\n', 'train.jsonl': '{"text":"x","label":"a"}\n', 'test.txt': '__label__a y\n' });
  await assert.rejects(readStreamDir(two), /several train files \(train\.jsonl, train\.txt\)/);
  const bad = join(root, 'bad');
  task(bad, '1', { 'train.txt': '__label__a x\nno label here\n', 'test.txt': '__label__a y\n' });
  await assert.rejects(readStreamDir(bad), /train\.txt:2:/);
});
