/**
 * import-fasttext, export-fasttext and train --pretrained-vectors on the command line, against the
 * real fastText CLI (CI installs the Debian `fasttext` package; without it these tests fail and say so):
 * fastText trains -> import -> update with a new label -> export -> `fasttext test` agrees with `eval`.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTestPrecision, runFastText } from '../interop/fasttextCli.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const corpus = (name: string) => readFileSync(fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url)), 'utf8').split('\n').filter((l) => l !== '');
const cwd = mkdtempSync(join(tmpdir(), 'accrete-ftcli-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

function accrete(args: string[], expected: number): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  assert.equal(r.status, expected, `accrete ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

const isNew = (l: string) => l.startsWith('__label__verb.motion ');
const train = corpus('wordnet5.train.txt');
writeFileSync(join(cwd, 'base.txt'), train.filter((l) => !isNew(l)).join('\n') + '\n');
writeFileSync(join(cwd, 'new.txt'), train.filter(isNew).join('\n') + '\n');
const TEST = fileURLToPath(new URL('../../test/fixtures/corpus/wordnet5.test.txt', import.meta.url));

test('fastText trains -> import-fasttext -> update with a new label -> export-fasttext -> fasttext test equals eval', () => {
  runFastText(['supervised', '-input', join(cwd, 'base.txt'), '-output', join(cwd, 'ft'), '-dim', '10', '-epoch', '5', '-lr', '1.0', '-wordNgrams', '2', '-bucket', '10000', '-thread', '1', '-seed', '1', '-verbose', '0']);
  const imported = JSON.parse(accrete(['import-fasttext', 'ft.bin', '--out', 'model', '--data', 'base.txt', '--json', '--quiet'], 0).stdout);
  assert.equal(imported.labels, 4);
  assert.equal(imported.replay, 1200);

  // The imported model predicts what fastText predicts.
  const theirs = runFastText(['predict', join(cwd, 'ft.bin'), TEST]).trim().split('\n');
  const ours = accrete(['predict', '--model', 'model', '--input', TEST], 0).stdout.trim().split('\n');
  const same = ours.filter((line, i) => `__label__${JSON.parse(line).predictions[0].label}` === theirs[i]).length;
  assert.ok(same / theirs.length >= 0.999, `top-1 agreement ${same}/${theirs.length}`);

  accrete(['update', '--model', 'model', '--data', 'new.txt', '--out', 'model2', '--max-drop', '0.03', '--quiet'], 0);
  accrete(['export-fasttext', 'model2', '--out', 'model2.bin', '--quiet'], 0);
  const evalJson = JSON.parse(accrete(['eval', '--model', 'model2', '--data', TEST, '--json'], 0).stdout);
  const test = parseTestPrecision(runFastText(['test', join(cwd, 'model2.bin'), TEST]));
  assert.equal(test.n, evalJson.n);
  assert.ok(Math.abs(test.precision - evalJson.accuracy) <= 0.001, `fasttext test P@1 ${test.precision} vs accrete eval ${evalJson.accuracy}`);
});

test('export-fasttext refuses a model fastText would featurise differently, and says why', () => {
  accrete(['train', '--data', 'base.txt', '--out', 'native', '--dim', '8', '--epoch', '1', '--bucket', '1000', '--quiet', '--replay', '0'], 0);
  const { stderr } = accrete(['export-fasttext', 'native', '--out', 'native.bin'], 1);
  assert.match(stderr, /cannot export to fastText: it cuts text with Accrete's tokenizer .* --tokenizer fasttext --hashing fasttext/);
});

test('import-fasttext usage and bad files', () => {
  assert.match(accrete(['import-fasttext', '--out', 'x'], 2).stderr, /the fastText model file \(MODEL\.bin\) is required/);
  assert.match(accrete(['import-fasttext', 'a.bin', 'b.bin', '--out', 'x'], 2).stderr, /unexpected argument "b\.bin"/);
  assert.match(accrete(['import-fasttext', 'base.txt', '--out', 'x'], 1).stderr, /base\.txt: not a fastText \.bin model/);
  assert.match(accrete(['import-fasttext', '--help'], 0).stdout, /usage: accrete import-fasttext MODEL\.bin --out MODEL/);
});

test('train --pretrained-vectors starts words from a .vec and refuses another dimension', () => {
  runFastText(['skipgram', '-input', join(cwd, 'base.txt'), '-output', join(cwd, 'sg'), '-dim', '8', '-epoch', '1', '-minn', '0', '-maxn', '0', '-thread', '1', '-verbose', '0']);
  const { stderr } = accrete(['train', '--data', 'base.txt', '--out', 'pv', '--dim', '8', '--epoch', '1', '--bucket', '1000', '--replay', '0', '--pretrained-vectors', 'sg.vec'], 0);
  assert.match(stderr, /pretrained vectors: \d+ of \d+ vocabulary words started from sg\.vec/);
  assert.match(accrete(['train', '--data', 'base.txt', '--out', 'pv2', '--dim', '10', '--pretrained-vectors', 'sg.vec', '--quiet'], 1).stderr, /sg\.vec have 8 dimensions but the model has --dim 10; they must match: pass --dim 8/);
});
