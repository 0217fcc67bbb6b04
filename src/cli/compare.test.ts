/**
 * `accrete compare` end to end, spawned: a cell of the accuracy matrix cross-checked against
 * separate `train`, `update` and `eval` runs on the same files and flags; usage errors.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Comparison } from '../compare/compare.js';
import type { Example } from '../data/example.js';
import { readDataset } from '../data/read.js';
import { Rng } from '../util/rng.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));
// Every hyperparameter COMPARE_DEFAULTS sets, given explicitly, so `train` builds the same model.
const MODEL = ['--dim', '8', '--bucket', '2000', '--epoch', '5', '--lr', '0.5', '--wordNgrams', '1', '--minn', '0', '--maxn', '0', '--seed', '1'];

const cwd = mkdtempSync(join(tmpdir(), 'accrete-compare-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

function accrete(args: string[], status: number | number[]): { stdout: string; stderr: string; status: number } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  const ok = Array.isArray(status) ? status : [status];
  assert.ok(ok.includes(r.status ?? -1), `accrete ${args.join(' ')} exited ${r.status}; stderr:\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr, status: r.status! };
}

const jsonl = (examples: readonly Example[]) => examples.map((e) => JSON.stringify({ text: e.text, labels: e.labels })).join('\n') + '\n';
const path = (...parts: string[]) => join(cwd, 'stream', 'tasks', ...parts);

before(async () => {
  // Two tasks of shuffled WordNet glosses (5 labels in each): the second is an ordinary update.
  const train = new Rng(3).shuffle((await readDataset(corpus('wordnet5.train.txt'))).examples);
  const test = new Rng(4).shuffle((await readDataset(corpus('wordnet5.test.txt'))).examples);
  for (const [k, part] of [[1, 0], [2, 1]] as const) {
    mkdirSync(path(String(k)), { recursive: true });
    writeFileSync(path(String(k), 'train.jsonl'), jsonl(train.slice(part * 600, part * 600 + 600)));
    writeFileSync(path(String(k), 'test.jsonl'), jsonl(test.slice(part * 200, part * 200 + 200)));
  }
  writeFileSync(join(cwd, 'all-train.jsonl'), jsonl(train.slice(0, 1200)));
});

const evalAccuracy = (model: string, data: string) => (JSON.parse(accrete(['eval', '--model', model, '--data', data, '--json'], 0).stdout) as { accuracy: number }).accuracy;

test('a cell of the matrix equals separate train / update / eval runs (incremental and retrain)', () => {
  const out = join(cwd, 'cmp.json');
  const r = accrete(['compare', '--stream', join(cwd, 'stream'), '--paradigms', 'retrain,incremental', '--json', out, '--quiet', ...MODEL], 0);
  assert.match(r.stdout, /ranking by ACC: {2}1\. /);
  const c = JSON.parse(readFileSync(out, 'utf8')) as Comparison;
  const inc = c.paradigms.find((p) => p.paradigm === 'incremental')!;
  const retrain = c.paradigms.find((p) => p.paradigm === 'retrain')!;

  // incremental: train on task 1, update with task 2, evaluate on task 1's test part -> R[1][0].
  accrete(['train', '--data', path('1', 'train.jsonl'), '--out', join(cwd, 'm1'), '--quiet', ...MODEL], 0);
  const u = accrete(['update', '--model', join(cwd, 'm1'), '--data', path('2', 'train.jsonl'), '--out', join(cwd, 'm2'), '--quiet'], [0, 3]);
  assert.equal(u.status === 0, inc.costs[1].accepted, 'the same gate decision');
  const updated = u.status === 0 ? join(cwd, 'm2') : join(cwd, 'm1');
  assert.equal(evalAccuracy(updated, path('1', 'test.jsonl')), inc.R[1][0]);
  assert.equal(evalAccuracy(updated, path('2', 'test.jsonl')), inc.R[1][1]);
  assert.equal(evalAccuracy(join(cwd, 'm1'), path('2', 'test.jsonl')), inc.R[0][1]);

  // retrain: one model on both tasks' train parts, in order -> R[1][0].
  accrete(['train', '--data', join(cwd, 'all-train.jsonl'), '--out', join(cwd, 'all'), '--quiet', ...MODEL], 0);
  assert.equal(evalAccuracy(join(cwd, 'all'), path('1', 'test.jsonl')), retrain.R[1][0]);
});

test('--help, and usage errors exit 2 with a message', () => {
  assert.match(accrete(['compare', '--help'], 0).stdout, /usage: accrete compare/);
  const cases: Array<[string[], RegExp]> = [
    [[], /give one of --stream DIR, --dataset NAME or --data FILE/],
    [['--stream', 'a', '--dataset', 'wordnet'], /give only one of --stream, --dataset/],
    [['--data', corpus('wordnet3.train.jsonl')], /--data needs --split/],
    [['--dataset', 'nope'], /unknown dataset "nope"/],
    [['--dataset', 'wordnet', '--limit', '5'], /--limit applies to --prequential/],
    [['--dataset', 'wordnet', '--paradigms', 'retrain,bogus'], /--paradigms: "bogus"/],
    [['--stream', 'x', '--split', 'time'], /--split and --sample apply to --dataset and --data/],
  ];
  for (const [args, message] of cases) assert.match(accrete(['compare', ...args], 2).stderr, message, args.join(' '));
});

test('a stream of fewer than 2 tasks is refused: --split chunks:1 is wrong usage (exit 2), a one-task --stream DIR bad input (exit 1)', () => {
  const r = accrete(['compare', '--data', corpus('wordnet5.train.txt'), '--split', 'chunks:1', '--quiet', ...MODEL], 2);
  assert.match(r.stderr, /a comparison needs at least 2 tasks .*; --split chunks:1 gives 1/);
  assert.equal(r.stdout, '', 'no table of empty measures');
  // Refused before any data is read: the file need not exist.
  assert.match(accrete(['compare', '--data', join(cwd, 'no-such.jsonl'), '--split', 'classes:1'], 2).stderr, /at least 2 tasks .*; --split classes:1 gives 1/);
  const one = join(cwd, 'one-task');
  mkdirSync(join(one, 'tasks', '1'), { recursive: true });
  for (const part of ['train', 'test']) writeFileSync(join(one, 'tasks', '1', `${part}.jsonl`), readFileSync(path('1', `${part}.jsonl`)));
  assert.match(accrete(['compare', '--stream', one, '--quiet', ...MODEL], 1).stderr, /a comparison needs at least 2 tasks .*; directory .*one-task has 1/);
});

test('--data FILE --split chunks:N with --prequential: the table, the prequential rows, the verdict', () => {
  const r = accrete(['compare', '--data', corpus('wordnet5.train.txt'), '--split', 'chunks:2', '--paradigms', 'fresh,incremental+head', '--prequential', '--limit', '20', '--quiet', ...MODEL], 0);
  assert.match(r.stdout, /split chunks:2: 2 tasks/);
  assert.match(r.stdout, /^incremental\+head +\d/m);
  assert.match(r.stdout, /^gate off +[\d.]+ +[\d.]+ +20\/20/m);
  assert.match(r.stdout, /verdict:\n {2}- Most accurate after the last task: /);
});
