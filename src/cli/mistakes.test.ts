/**
 * The command line helps with common mistakes (issue 16, item 4): "did you mean" for a mistyped
 * flag or command, a short usage instead of the whole help, fastText's spelling of a flag read as
 * ours with a note, and hints for a fastText .bin given as a model and for data whose content is in
 * another format than its extension says. Each case failed before src/cli/suggest.ts, hints.ts and
 * fasttextFlags.ts existed.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainHelp } from './train.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const TRAIN = fileURLToPath(new URL('../../test/fixtures/corpus/wordnet3.train.jsonl', import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'accrete-mistakes-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

function accrete(args: string[], status: number): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000, input: '' });
  if (r.error) throw new Error(`accrete ${args.join(' ')}: ${r.error.message}; stderr so far:\n${r.stderr}`);
  assert.equal(r.status, status, `accrete ${args.join(' ')} exited ${r.status}; stderr:\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

test('a mistyped flag: exit 2, "did you mean" the nearest flag, and a short usage instead of the whole help', () => {
  const cases: [string[], string][] = [
    [['train', '--data', TRAIN, '--out', 'm', '--epochs', '5'], '--epoch'],
    [['train', '--data', TRAIN, '--out', 'm', '--wordngrams', '2'], '--wordNgrams'],
    [['train', '--data', TRAIN, '--out', 'm', '--word-ngrams', '2'], '--wordNgrams'],
    [['train', '--dta', TRAIN, '--out', 'm'], '--data'],
    [['eval', '--modle', 'm', '--data', TRAIN], '--model'],
    [['predict', '--model', 'm', '--treshold', '0.5'], '--threshold'],
    [['import-fasttext', 'ft.bin', '--outt', 'm'], '--out'],
    [['models', 'list', '--registy', 'r.db'], '--registry'],
  ];
  for (const [args, meant] of cases) {
    const { stderr } = accrete(args, 2);
    const typo = args.find((a) => a.startsWith('--') && a !== meant && !['--data', '--out', '--model'].includes(a))!;
    assert.ok(stderr.includes(`unknown option ${typo}; did you mean ${meant}?`), `${args.join(' ')}:\n${stderr}`);
    assert.match(stderr, new RegExp(`usage: accrete ${args[0]} `));
    assert.ok(stderr.includes(`see accrete ${args[0]} --help`), stderr);
    assert.ok(stderr.split('\n').length <= 8, `a short usage, not the whole help:\n${stderr}`);
  }
  assert.ok(trainHelp.split('\n').length > 40, 'the help the short usage replaces is long');
  // Nothing close: no guess, still the short usage.
  const far = accrete(['train', '--colour', 'red'], 2).stderr;
  assert.match(far, /unknown option --colour\n/);
  assert.doesNotMatch(far, /did you mean/);
});

test('a mistyped command: exit 2 and "did you mean"; a command nothing is close to gets the list of commands', () => {
  assert.match(accrete(['trian', '--data', TRAIN], 2).stderr, /unknown command "trian"; did you mean train\?/);
  assert.match(accrete(['evl'], 2).stderr, /did you mean eval\?/);
  assert.match(accrete(['import-fastext', 'ft.bin'], 2).stderr, /did you mean import-fasttext\?/);
  assert.match(accrete(['help', 'updte'], 2).stderr, /unknown command "updte"; did you mean update\?/);
  const far = accrete(['frobnicate'], 2).stderr;
  assert.doesNotMatch(far, /did you mean/);
  assert.match(far, /^ {2}train {2,}train a new model/m);
});

test("fastText's spelling of flags is read as ours, with a note for each on stderr", () => {
  const { stderr } = accrete(
    ['train', '-input', TRAIN, '-output', 'ftstyle', '-epoch', '3', '-lr', '0.5', '-dim', '8', '-wordNgrams', '2', '-minn', '0', '-maxn', '0', '-bucket', '1000', '-minCount', '1', '-loss', 'softmax', '-thread', '1', '-seed', '1', '--quiet'],
    0,
  );
  assert.ok(existsSync(join(cwd, 'ftstyle', 'model.json')), 'the model directory -output named');
  const config = (JSON.parse(readFileSync(join(cwd, 'ftstyle', 'model.json'), 'utf8')) as { config: Record<string, unknown> }).config;
  assert.deepEqual([config.epoch, config.lr, config.dim, config.wordNgrams, config.bucket], [3, 0.5, 8, 2, 1000]);
  assert.match(stderr, /note: -input is fastText's spelling; read as --data/);
  assert.match(stderr, /note: -epoch is fastText's spelling; read as --epoch/);
  assert.match(stderr, /note: -output is fastText's file prefix \(it writes PREFIX\.bin\); accrete's --out is a model directory: writing the directory ftstyle/);
  // -flag=value and a negative value after a fastText flag.
  assert.match(accrete(['train', '-input', TRAIN, '-output', 'never', '-lr', '-1'], 2).stderr, /--lr must be a positive number \(got -1\)/);
  assert.match(accrete(['train', `-input=${TRAIN}`, '-output=never', '-dim=0'], 2).stderr, /--dim must be an integer >= 1/);
});

test("fastText's flags that would mislead are refused with the exact replacement", () => {
  const bin = accrete(['train', '-input', TRAIN, '-output', 'model.bin'], 2).stderr;
  assert.match(bin, /give --out model \(then accrete export-fasttext model --out model\.bin if fastText must read it\)/);
  assert.equal(existsSync(join(cwd, 'model.bin')), false);
  assert.match(accrete(['train', '-input', TRAIN, '-output', 'm', '-neg', '5'], 2).stderr, /-neg is a fastText option accrete has no counterpart for/);
  assert.match(accrete(['train', '-input', TRAIN, '-output', 'm', '-epochs', '5'], 2).stderr, /unknown option -epochs; did you mean --epoch\?/);
  // predict has its own --input: fastText's -input reads as that, not as --data.
  assert.match(accrete(['predict', '-model', 'nowhere', '-input', 'x.txt'], 1).stderr, /note: -input is fastText's spelling; read as --input/);
});

test('a fastText .bin given as a model: exit 1, and the hint names import-fasttext', () => {
  const bin = join(cwd, 'ft.bin');
  const header = Buffer.alloc(64);
  header.writeInt32LE(793712314, 0);
  header.writeInt32LE(12, 4);
  writeFileSync(bin, header);
  for (const args of [['eval', '--model', 'ft.bin', '--data', TRAIN], ['predict', '--model', 'ft.bin'], ['update', '--model', 'ft.bin', '--data', TRAIN], ['export-fasttext', 'ft.bin', '--out', 'x.bin']]) {
    const { stderr } = accrete(args, 1);
    assert.match(stderr, /ft\.bin is a fastText model: import it first with accrete import-fasttext ft\.bin --out ft, then give ft as the model/, `${args[0]}:\n${stderr}`);
  }
  // Any other file is not said to be a fastText model.
  writeFileSync(join(cwd, 'other.bin'), 'not a model');
  assert.doesNotMatch(accrete(['eval', '--model', 'other.bin', '--data', TRAIN], 1).stderr, /fastText model/);
});

test('data whose content is in another format than its extension says: exit 1, and the hint names --format', () => {
  const jsonl = readFileSync(TRAIN, 'utf8');
  const rows = jsonl.trim().split('\n').map((l) => JSON.parse(l) as { text: string; label: string });
  const csv = 'text,label\n' + rows.map((r) => `"${r.text.replace(/"/g, '""')}",${r.label}`).join('\n') + '\n';
  const tsv = 'text\tlabel\n' + rows.map((r) => `${r.text.replace(/[\t"]/g, ' ')}\t${r.label}`).join('\n') + '\n';
  const ft = rows.map((r) => `__label__${r.label} ${r.text}`).join('\n') + '\n';
  const cases: [string, string, string][] = [
    ['jsonl.txt', jsonl, 'jsonl'],
    ['csv.txt', csv, 'csv'],
    ['tsv.txt', tsv, 'tsv'],
    ['ft.jsonl', ft, 'fasttext'],
    ['jsonl.csv', jsonl, 'jsonl'],
  ];
  for (const [name, content, format] of cases) {
    writeFileSync(join(cwd, name), content);
    const trained = accrete(['train', '--data', name, '--out', 'never', '--quiet'], 1).stderr;
    assert.match(trained, new RegExp(`the file looks like .*as its extension says: give --format ${format}\\n`), `${name}:\n${trained}`);
    // With --skip-bad every line is skipped (or the CSV header refused): the same hint.
    assert.match(accrete(['train', '--data', name, '--out', 'never', '--skip-bad', '--quiet'], 1).stderr, new RegExp(`give --format ${format}\\n`));
  }
  // An explicit --format that does not fit says so too; a file that fits its extension gets no hint.
  assert.match(accrete(['train', '--data', 'jsonl.txt', '--format', 'csv', '--out', 'never'], 1).stderr, /as --format says: give --format jsonl/);
  writeFileSync(join(cwd, 'bad.jsonl'), '{"text": "no label here"}\n');
  assert.doesNotMatch(accrete(['train', '--data', 'bad.jsonl', '--out', 'never'], 1).stderr, /give --format/);
});
