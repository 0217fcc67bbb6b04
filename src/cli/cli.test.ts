/**
 * The command line end to end: `node dist/cli/main.js` spawned in a temporary directory, on the
 * WordNet fixtures, with tiny models. Checks the contract of design.md: exit statuses, JSON output,
 * one prediction line per input line, help texts, error messages that name the problem.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { xxh64Hex } from '../store/xxh64.js';
import { once } from 'node:events';
import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../store/modelFiles.js';
import { tokenize } from '../text/tokenize.js';
import { IntBuffer } from '../util/intBuffer.js';
import { DEFAULT_REPLAY, loadLearner } from '../update/memory.js';
import { MODEL_FLAGS } from './args.js';
import { AUTOTUNE_FLAGS } from './autotune.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));
const TRAIN = corpus('wordnet3.train.jsonl');
const TEST = corpus('wordnet3.test.jsonl');
const TINY = ['--dim', '8', '--bucket', '1000', '--epoch', '5', '--lr', '0.5', '--wordNgrams', '2', '--seed', '1', '--thread', '1', '--quiet'];

const cwd = mkdtempSync(join(tmpdir(), 'accrete-cli-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function accrete(args: string[], input?: string): Run {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, input, encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs and checks the exit status, showing stderr when it is not the expected one. */
function expectStatus(args: string[], status: number, input?: string): Run {
  const r = accrete(args, input);
  assert.equal(r.status, status, `accrete ${args.join(' ')} exited ${r.status}; stderr:\n${r.stderr}`);
  return r;
}

const lineCount = (path: string) => readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
const testTexts = () => readFileSync(TEST, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text);

let model: string;
before(() => {
  model = join(cwd, 'model');
  expectStatus(['train', '--data', TRAIN, '--out', model, ...TINY], 0);
});

test('train -> eval --json: accuracy in [0, 1], n = number of test lines, macroF1 present', () => {
  const r = expectStatus(['eval', '--model', model, '--data', TEST, '--json'], 0);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'one JSON object');
  const m = JSON.parse(lines[0]) as { accuracy: number; macroF1: number; n: number };
  assert.equal(m.n, lineCount(TEST));
  assert.ok(m.accuracy >= 0 && m.accuracy <= 1, `accuracy ${m.accuracy}`);
  assert.ok(m.macroF1 >= 0 && m.macroF1 <= 1, `macroF1 ${m.macroF1}`);
  // A sanity floor, far below the ~0.82 measured: the point is that the pipeline learned something.
  assert.ok(m.accuracy > 0.6, `accuracy ${m.accuracy}`);
});

test('eval without --json prints a readable table', () => {
  const r = expectStatus(['eval', '--model', model, '--data', TEST], 0);
  assert.match(r.stdout, /^n 120 {3}accuracy \d+\.\d\d% {3}macro-F1 \d+\.\d\d%/);
  assert.match(r.stdout, /noun\.animal/);
});

test('predict: one JSON line per stdin line, in order, the same predictions as the library', () => {
  // Repeated past the 64 KiB output batch, with an empty line and unseen words in the middle.
  const texts = [...testTexts(), '', 'qqq zzz', ...testTexts(), ...testTexts(), ...testTexts()];
  texts.push(...texts, ...texts);
  const r = expectStatus(['predict', '--model', model, '--k', '2'], 0, texts.join('\n') + '\n');
  const lines = r.stdout.split('\n');
  assert.equal(lines.pop(), '', 'output ends with a newline');
  assert.equal(lines.length, texts.length);
  const lib = loadModel(model);
  lines.forEach((line, i) => {
    const got = JSON.parse(line) as { predictions: Array<{ label: string; score: number }> };
    assert.deepEqual(Object.keys(got), ['predictions']);
    assert.equal(got.predictions.length, 2, `line ${i + 1}`);
    for (const p of got.predictions) assert.deepEqual(Object.keys(p).sort(), ['label', 'score']);
    assert.deepEqual(got.predictions, lib.predict(texts[i], { k: 2 }), `line ${i + 1}: "${texts[i]}"`);
  });
});

test('predict: the same scores as featurising the tokens one by one (URLs, addresses, non-ASCII, long input)', () => {
  const texts = [
    ...testTexts(),
    "Don't miss: https://Example.org/x?y=(1) or me@example.org!!! 3.5% off, 1,000 items...",
    'café naïve ﬁ Ａ１ 東京タワー 👍🏽 1️⃣ #️⃣ a\u0301 \u00a0nbsp\tTAB',
    'x'.repeat(70_000),
  ];
  const r = expectStatus(['predict', '--model', model, '--k', '3'], 0, texts.join('\n') + '\n');
  const lib = loadModel(model);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, texts.length);
  texts.forEach((text, i) => {
    const rows = new IntBuffer();
    lib.featurizer.featurize(tokenize(text, lib.config), rows);
    const expected = lib.topK(lib.probsOfRows(rows.view(), 0, rows.length), { k: 3 });
    assert.deepEqual((JSON.parse(lines[i]) as { predictions: unknown }).predictions, expected, `line ${i + 1}`);
  });
});

test('predict: default k is 1; --input FILE reads a file; no final newline still gives the last line', () => {
  const r = expectStatus(['predict', '--model', model], 0, 'a small dog\nto run fast');
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { predictions: unknown[] });
  assert.equal(lines.length, 2);
  for (const l of lines) assert.equal(l.predictions.length, 1);
  const input = join(cwd, 'texts.txt');
  writeFileSync(input, 'a small dog\nto run fast\n');
  assert.equal(expectStatus(['predict', '--model', model, '--input', input], 0).stdout, r.stdout);
});

test('predict: a file on stdin, a file by --input and a pipe give the same lines (reads across chunk edges, CRLF)', () => {
  // Over 1 MiB, so a regular file takes several blocking reads and lines straddle their edges.
  const words = ['a small dog', 'to run fast', 'the big cat sat', 'x', 'birds fly over the blue sea'];
  const lines = Array.from({ length: 60_000 }, (_, i) => `${words[i % words.length]} ${i}`);
  const text = lines.join('\r\n') + '\r\n';
  assert.ok(text.length > 1 << 20);
  const file = join(cwd, 'many-texts.txt');
  writeFileSync(file, text);
  const piped = expectStatus(['predict', '--model', model], 0, text).stdout;
  const out = piped.trimEnd().split('\n');
  assert.equal(out.length, lines.length);
  assert.equal(expectStatus(['predict', '--model', model, '--input', file], 0).stdout, piped);
  const fd = openSync(file, 'r');
  try {
    const redirected = spawnSync(process.execPath, [MAIN, 'predict', '--model', model], { cwd, stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 28 });
    assert.equal(redirected.status, 0, redirected.stderr);
    assert.equal(redirected.stdout, piped);
  } finally {
    closeSync(fd);
  }
});

const acceptedFlags: Record<string, string[]> = {
  train: [...Object.keys(MODEL_FLAGS), 'data', 'valid', 'out', 'format', 'skip-bad', 'replay', 'guard-size', 'json', 'quiet', 'pretrained-vectors', 'wait', 'fasttext-defaults', ...Object.keys(AUTOTUNE_FLAGS)],
  update: ['model', 'data', 'valid', 'guard', 'out', 'select', 'replay', 'replay-ratio', 'replay-input', 'no-align', 'no-grow-table', 'ewc', 'distill', 'balance', 'rounds', 'patience', 'budget-ms', 'max-drop', 'label-tolerance', 'gate-policy', 'new-share', 'lr', 'seed', 'format', 'skip-bad', 'json', 'quiet', 'wait'],
  eval: ['model', 'data', 'format', 'skip-bad', 'k', 'threshold', 'json'],
  predict: ['model', 'k', 'threshold', 'input'],
};

for (const [command, flags] of Object.entries(acceptedFlags)) {
  test(`${command} --help: exit 0, usage on stdout, every accepted flag mentioned`, () => {
    for (const help of ['--help', '-h']) {
      const r = expectStatus([command, help], 0);
      assert.match(r.stdout, new RegExp(`^usage: accrete ${command} `));
      const missing = flags.filter((f) => !new RegExp(`(^|[\\s,\\[])--${f}(?![\\w-])`, 'm').test(r.stdout));
      assert.deepEqual(missing, [], `flags missing from "accrete ${command} --help"`);
    }
  });

  test(`${command}: every flag its help mentions is accepted (no unknown-option error)`, () => {
    const r = expectStatus([command, '--help'], 0);
    const mentioned = new Set([...r.stdout.matchAll(/(?:^|[\s,[])--([a-zA-Z][\w-]*)/gm)].map((m) => m[1]));
    mentioned.delete('help');
    assert.deepEqual([...mentioned].filter((f) => !flags.includes(f)), [], 'help mentions flags the command does not accept');
  });
}

test('accrete --help and help: exit 0 and list every command', () => {
  for (const arg of ['--help', '-h', 'help']) {
    const r = expectStatus([arg], 0);
    for (const c of Object.keys(acceptedFlags)) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
  }
});

test('accrete help CMD prints the help of CMD (exit 0); an unknown CMD is wrong usage (exit 2)', () => {
  for (const command of [...Object.keys(acceptedFlags), 'compare', 'models']) {
    const r = expectStatus(['help', command], 0);
    assert.equal(r.stdout, expectStatus([command, '--help'], 0).stdout);
    assert.match(r.stdout, new RegExp(`^usage: accrete ${command} `));
  }
  const bad = expectStatus(['help', 'trian'], 2);
  assert.match(bad.stderr, /unknown command "trian"/);
  assert.equal(bad.stdout, '');
  assert.match(expectStatus(['help', 'train', 'eval'], 2).stderr, /unexpected argument "eval"/);
});

test('a data file or model directory given without its flag: exit 2 and the flag it needs', () => {
  assert.match(expectStatus(['train', TRAIN, '--out', join(cwd, 'positional')], 2).stderr, new RegExp(`unexpected argument ".*"; did you mean --data .*wordnet3\\.train\\.jsonl\\?`));
  assert.match(expectStatus(['eval', cwd, '--data', TEST], 2).stderr, /; did you mean --model /);
  // Given its flag already, or no file-like argument: no guess.
  assert.doesNotMatch(expectStatus(['train', '--data', TRAIN, 'extra.txt', '--out', join(cwd, 'positional')], 2).stderr, /did you mean/);
  assert.doesNotMatch(expectStatus(['train', 'banana', '--out', join(cwd, 'positional')], 2).stderr, /did you mean/);
});

test('accrete --version and -v print the version of package.json', () => {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v']) assert.equal(expectStatus([flag], 0).stdout, `${pkg.version}\n`);
  assert.match(expectStatus(['--help'], 0).stdout, /accrete --version/);
});

test('no command: exit 2 with the usage on stderr, nothing on stdout', () => {
  const r = expectStatus([], 2);
  assert.match(r.stderr, /usage: accrete <command>/);
  assert.equal(r.stdout, '');
});

test('unknown command: exit 2, names it, shows the usage on stderr (a near one: see mistakes.test.ts)', () => {
  const r = expectStatus(['frobnicate', '--data', TRAIN], 2);
  assert.match(r.stderr, /unknown command "frobnicate"/);
  assert.match(r.stderr, /usage: accrete <command>/);
  assert.equal(r.stdout, '');
});

test('unknown flag: exit 2 naming the flag, with the command usage', () => {
  for (const command of Object.keys(acceptedFlags)) {
    const r = expectStatus([command, '--colour', 'red'], 2);
    assert.match(r.stderr, /--colour/);
    assert.match(r.stderr, new RegExp(`usage: accrete ${command} `));
  }
});

test('non-numeric or non-integer --dim: exit 2 naming --dim; same for --k and --lr', () => {
  for (const bad of ['abc', '1.5', '', '8x']) {
    const r = expectStatus(['train', '--data', TRAIN, '--out', join(cwd, 'never'), '--dim', bad], 2);
    assert.match(r.stderr, /--dim expects an integer/);
  }
  assert.match(expectStatus(['eval', '--model', model, '--data', TEST, '--k', 'two'], 2).stderr, /--k expects an integer, got "two"/);
  assert.match(expectStatus(['train', '--data', TRAIN, '--out', join(cwd, 'never'), '--lr', 'fast'], 2).stderr, /--lr expects a number, got "fast"/);
});

test('a missing required flag: exit 2 naming it', () => {
  assert.match(expectStatus(['train', '--data', TRAIN], 2).stderr, /--out is required/);
  assert.match(expectStatus(['eval', '--data', TEST], 2).stderr, /--model is required/);
  assert.match(expectStatus(['predict'], 2, '').stderr, /--model is required/);
});

test('an empty --out is wrong usage (exit 2), found before any work: train, update, compare --json/--report', () => {
  assert.match(expectStatus(['train', '--data', TRAIN, '--out', ''], 2).stderr, /--out must not be empty/);
  const r = expectStatus(['update', '--model', model, '--data', TRAIN, '--out', ''], 2);
  assert.match(r.stderr, /--out must not be empty/);
  assert.doesNotMatch(r.stderr, /round \d/, 'no update ran');
  for (const flag of ['--json', '--report']) assert.match(expectStatus(['compare', '--dataset', 'wordnet', flag, ''], 2).stderr, new RegExp(`${flag} must not be empty`));
});

test('bad config (--dropout 0.5 without --hidden): exit 2 with the message, no model written', () => {
  const out = join(cwd, 'dropout');
  const r = expectStatus(['train', '--data', TRAIN, '--out', out, ...TINY, '--dropout', '0.5'], 2);
  assert.match(r.stderr, /--dropout needs a hidden layer \(--hidden N\)/);
  assert.equal(accrete(['eval', '--model', out, '--data', TEST]).status, 1);
});

test('bad config values: exit 2 listing every problem, each naming its flag', () => {
  const r = expectStatus(['train', '--data', TRAIN, '--out', join(cwd, 'never'), ...TINY, '--loss', 'logistic', '--optimizer', 'rmsprop'], 2);
  assert.match(r.stderr, /--loss must be one of softmax, ova, hinge \(got logistic\)/);
  assert.match(r.stderr, /--optimizer must be one of sgd, adam \(got rmsprop\)/);
});

test('a flag value out of range is wrong usage (exit 2) like a malformed one, for every command', () => {
  const never = join(cwd, 'never');
  const cases: [string[], RegExp][] = [
    [['train', '--data', TRAIN, '--out', never, '--dim', '0'], /--dim must be an integer >= 1 \(got 0\)/],
    [['train', '--data', TRAIN, '--out', never, '--loss', 'hs'], /--loss must be one of softmax, ova, hinge \(got hs\)/],
    [['train', '--data', TRAIN, '--out', never, '--lr=-1'], /--lr must be a positive number \(got -1\)/],
    [['train', '--data', TRAIN, '--out', never, '--minn', '3', '--maxn', '2'], /--minn \(3\) must not exceed --maxn \(2\)/],
    [['train', '--data', TRAIN, '--out', never, '--dim', 'abc'], /--dim expects an integer/],
    [['train', '--data', TRAIN, '--out', never, '--format', 'xml'], /--format must be one of/],
    [['compare', '--dataset', 'wordnet', '--dim', '0'], /--dim must be an integer >= 1/],
    [['update', '--model', model, '--data', TRAIN, '--rounds', '0'], /--rounds must be an integer >= 1/],
    [['update', '--model', model, '--data', TRAIN, '--lr=-1'], /--lr must be a positive number/],
    [['eval', '--model', model, '--data', TEST, '--k', '0'], /--k must be an integer >= 1/],
    [['predict', '--model', model, '--threshold', '1.5'], /--threshold must be a probability in \[0, 1\]/],
  ];
  for (const [args, message] of cases) assert.match(expectStatus(args, 2, '').stderr, message);
});

test('a negative number after a flag is its value: our range message (exit 2), not parseArgs\' "ambiguous"', () => {
  const never = join(cwd, 'never');
  const cases: [string[], RegExp][] = [
    [['train', '--data', TRAIN, '--out', never, '--lr', '-1'], /--lr must be a positive number \(got -1\)/],
    [['train', '--data', TRAIN, '--out', never, '--epoch', '-2'], /--epoch must be an integer >= 1 \(got -2\)/],
    [['train', '--data', TRAIN, '--out', never, '--seed', '-1'], /--seed must be an integer >= 0 \(got -1\)/],
    [['train', '--data', TRAIN, '--out', never, '--replay', '-.5'], /--replay expects an integer, got "-.5"/],
    [['predict', '--model', model, '--threshold', '-0.1'], /--threshold must be a probability in \[0, 1\], got -0.1/],
    [['update', '--model', model, '--data', TRAIN, '--lr', '-1'], /--lr must be a positive number, got -1/],
    [['import-fasttext', 'model.bin', '--out', never, '--lr', '-1'], /--lr must be a positive number, got -1/],
  ];
  for (const [args, message] of cases) {
    const r = expectStatus(args, 2, '');
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /ambiguous/);
  }
  // Only a value that looks like a number is taken: a flag after a flag is still a missing value.
  assert.match(expectStatus(['train', '--data', TRAIN, '--out', never, '--lr', '--quiet'], 2).stderr, /--lr/);
});

test('accrete --help states the exit statuses', () => {
  const r = expectStatus(['--help'], 0);
  assert.match(r.stdout, /1 +the command could not do its work/);
  assert.match(r.stdout, /2 +wrong usage: .*flag value that is\s+malformed or out of range/s);
});

/** The training file with two bad lines: line 5 has no label, line 9 is not JSON. */
function withBadLines(): { path: string; good: number } {
  const lines = readFileSync(TRAIN, 'utf8').trim().split('\n');
  const path = join(cwd, 'with-bad-line.jsonl');
  writeFileSync(path, [...lines.slice(0, 4), '{"text": "a gloss without a label"}', ...lines.slice(4, 7), '{"text": broken', ...lines.slice(7)].join('\n') + '\n');
  return { path, good: lines.length };
}

test('a data file with a bad line: exit 1, the message says file:line: and what is wrong', () => {
  const { path } = withBadLines();
  const r = expectStatus(['train', '--data', path, '--out', join(cwd, 'never'), ...TINY], 1);
  assert.match(r.stderr, /with-bad-line\.jsonl:5: no label/);
  const e = expectStatus(['eval', '--model', model, '--data', path], 1);
  assert.match(e.stderr, /with-bad-line\.jsonl:5: no label/);
  const ft = join(cwd, 'bad.txt');
  writeFileSync(ft, '__label__a one\n__label__ two\n__label__b three\n');
  assert.match(expectStatus(['eval', '--model', model, '--data', ft], 1).stderr, /bad\.txt:2: empty label/);
});

test('--skip-bad --quiet still reports the skipped lines (--quiet only silences progress)', () => {
  const { path } = withBadLines();
  const r = expectStatus(['train', '--data', path, '--out', join(cwd, 'skipped-quiet'), ...TINY, '--skip-bad'], 0);
  assert.match(r.stderr, /warning: skipped 2 bad line\(s\)/);
});

test('--skip-bad: exit 0, a warning on stderr with the count and the lines', () => {
  const { path, good } = withBadLines();
  const out = join(cwd, 'skipped');
  const args = TINY.filter((a) => a !== '--quiet');
  const r = expectStatus(['train', '--data', path, '--out', out, ...args, '--skip-bad'], 0);
  assert.match(r.stderr, /warning: skipped 2 bad line\(s\) in .*with-bad-line\.jsonl/);
  assert.match(r.stderr, /with-bad-line\.jsonl:5: no label/);
  assert.match(r.stderr, /with-bad-line\.jsonl:9: bad JSON/);
  assert.match(r.stderr, new RegExp(`trained on ${good} examples`));
  const e = expectStatus(['eval', '--model', out, '--data', path, '--skip-bad', '--json'], 0);
  assert.equal((JSON.parse(e.stdout) as { n: number }).n, good);
  assert.match(e.stderr, /warning: skipped 2 bad line\(s\)/);
});

test('a line over the size limit: the message says what to do without naming a library option no flag sets', () => {
  const long = join(cwd, 'long-line.txt');
  writeFileSync(long, `__label__a ok\n__label__b ${'x'.repeat(8 * 1024 * 1024)}\n__label__a fine\n`);
  const r = expectStatus(['eval', '--model', model, '--data', long], 1);
  assert.match(r.stderr, /long-line\.txt:2: line is \d+ bytes, longer than the limit 8388608 bytes a data line may have: check that this is a text data file, or split/);
  assert.doesNotMatch(r.stderr, /maxLineBytes/);
  const skipped = expectStatus(['eval', '--model', model, '--data', long, '--skip-bad'], 0);
  assert.match(skipped.stderr, /long-line\.txt:2: line is \d+ bytes, .*split a text this long/);
  assert.doesNotMatch(skipped.stderr, /maxLineBytes/);
});

test('--skip-bad --json: "skipped" counts the bad lines skipped (train, eval, update), 0 when none', () => {
  const { path } = withBadLines();
  const out = join(cwd, 'skipped-json');
  const train = JSON.parse(expectStatus(['train', '--data', path, '--valid', path, '--out', out, ...TINY, '--skip-bad', '--json'], 0).stdout) as { skipped: number };
  assert.equal(train.skipped, 4, '2 in --data and 2 in --valid');
  assert.equal((JSON.parse(expectStatus(['eval', '--model', out, '--data', path, '--skip-bad', '--json'], 0).stdout) as { skipped: number }).skipped, 2);
  assert.equal((JSON.parse(expectStatus(['eval', '--model', out, '--data', TEST, '--json'], 0).stdout) as { skipped: number }).skipped, 0);
  const u = accrete(['update', '--model', out, '--data', path, '--guard', path, '--out', join(cwd, 'skipped-json-2'), '--skip-bad', '--json', '--quiet']);
  assert.ok(u.status === 0 || u.status === 3, u.stderr);
  assert.equal((JSON.parse(u.stdout) as { skipped: number }).skipped, 4, '2 in --data and 2 in --guard');
});

test('a missing data file: exit 1 naming it', () => {
  const r = expectStatus(['train', '--data', join(cwd, 'nope.jsonl'), '--out', join(cwd, 'never'), ...TINY], 1);
  assert.match(r.stderr, /nope\.jsonl: no such file/);
});

test('a directory or a missing file given as data: exit 1 saying so, before the format is guessed from its name', () => {
  const never = join(cwd, 'never');
  const dir = join(cwd, 'data-dir');
  mkdirSync(dir, { recursive: true });
  const runs: string[][] = [
    ['train', '--data', '.', '--out', never],
    ['train', '--data', dir, '--out', never],
    ['train', '--data', TRAIN, '--valid', dir, '--out', never],
    ['eval', '--model', model, '--data', dir],
    ['update', '--model', model, '--data', TRAIN, '--guard', dir, '--out', never],
    ['compare', '--data', dir, '--split', 'chunks:2'],
  ];
  for (const args of runs) assert.match(expectStatus(args, 1).stderr, /cannot read data file .*: it is a directory/, args.join(' '));
  assert.match(expectStatus(['eval', '--model', model, '--data', join(cwd, 'no-such-data')], 1).stderr, /cannot read data file .*no-such-data: no such file/);
});

test('an empty data file is an error naming it (exit 1), not a 0% score: eval --data, train --data and --valid', () => {
  const empty = join(cwd, 'empty.jsonl');
  writeFileSync(empty, '');
  const never = join(cwd, 'never');
  const e = expectStatus(['eval', '--model', model, '--data', empty, '--json'], 1);
  assert.match(e.stderr, /empty\.jsonl: no examples; there is nothing to evaluate on/);
  assert.equal(e.stdout, '');
  assert.match(expectStatus(['train', '--data', TRAIN, '--valid', empty, '--out', never, ...TINY], 1).stderr, /empty\.jsonl: no examples; leave --valid out/);
  assert.match(expectStatus(['train', '--data', empty, '--out', never, ...TINY], 1).stderr, /empty\.jsonl: no examples; there is nothing to train on/);
  // Every line bad and skipped leaves no examples either.
  const bad = join(cwd, 'all-bad.jsonl');
  writeFileSync(bad, '{"text": "no label"}\n{broken\n');
  assert.match(expectStatus(['eval', '--model', model, '--data', bad, '--skip-bad'], 1).stderr, /all-bad\.jsonl: no examples \(all 2 lines were bad and skipped\)/);
});

test('import-fasttext: an empty --data or --valid is an error naming it (exit 1)', () => {
  const ft = join(cwd, 'ft-model');
  expectStatus(['train', '--data', TRAIN, '--out', ft, ...TINY, '--tokenizer', 'fasttext', '--hashing', 'fasttext'], 0);
  expectStatus(['export-fasttext', ft, '--out', join(cwd, 'ft.bin'), '--quiet'], 0);
  const empty = join(cwd, 'empty.txt');
  writeFileSync(empty, '');
  const never = join(cwd, 'never');
  assert.match(expectStatus(['import-fasttext', join(cwd, 'ft.bin'), '--out', never, '--data', empty, '--quiet'], 1).stderr, /empty\.txt: no examples; leave --data out/);
  assert.match(expectStatus(['import-fasttext', join(cwd, 'ft.bin'), '--out', never, '--data', TRAIN, '--valid', empty, '--quiet'], 1).stderr, /empty\.txt: no examples; leave --valid out/);
});

test('examples with labels the model does not know: a warning with their count and labels (eval and train --valid)', () => {
  const lines = readFileSync(TEST, 'utf8').trim().split('\n');
  const withUnknown = join(cwd, 'unknown-labels.jsonl');
  const extra = ['{"text": "an oak tree", "label": "noun.plant"}', '{"text": "a rose", "label": "noun.plant"}', '{"text": "to think", "labels": ["verb.cognition", "noun.animal"]}'];
  writeFileSync(withUnknown, [...lines, ...extra].join('\n') + '\n');
  const e = expectStatus(['eval', '--model', model, '--data', withUnknown, '--json'], 0);
  assert.match(e.stderr, new RegExp(`warning: 3 of ${lines.length + 3} examples in .*unknown-labels\\.jsonl have labels the model does not know \\(noun\\.plant, verb\\.cognition\\)`));
  assert.equal((JSON.parse(e.stdout) as { n: number }).n, lines.length + 3, 'the result is kept');
  assert.equal(expectStatus(['eval', '--model', model, '--data', TEST], 0).stderr, '', 'no warning when every label is known');
  const t = expectStatus(['train', '--data', TRAIN, '--valid', withUnknown, '--out', join(cwd, 'unknown-valid'), ...TINY], 0);
  assert.match(t.stderr, /warning: 3 of \d+ examples in .*unknown-labels\.jsonl have labels that are not in the training data \(noun\.plant, verb\.cognition\)/);
});

test('a missing --input file for predict, or a directory: exit 1 naming it, no stack trace, no output', () => {
  const r = expectStatus(['predict', '--model', model, '--input', join(cwd, 'no-texts.txt')], 1);
  assert.match(r.stderr, /cannot read input file .*no-texts\.txt: no such file/);
  assert.doesNotMatch(r.stderr, /\n\s+at |triggerUncaughtException/, 'no stack trace');
  assert.equal(r.stdout, '');
  const d = expectStatus(['predict', '--model', model, '--input', cwd], 1);
  assert.match(d.stderr, /cannot read input file .*: it is a directory/);
  assert.doesNotMatch(d.stderr, /\n\s+at /, 'no stack trace');
});

test('predict | head -1: a reader that closes the pipe early ends predict quietly (no EPIPE stack trace)', async () => {
  const input = join(cwd, 'many-texts.txt');
  writeFileSync(input, (testTexts().join('\n') + '\n').repeat(200));
  const child = spawn(process.execPath, [MAIN, 'predict', '--model', model, '--input', input], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const [code, signal] = (await once(child, 'close')) as [number | null, string | null];
  assert.equal(stderr, '');
  assert.equal(signal, null);
  assert.equal(code, 0);
});

test('--k 0, a negative --k and --threshold 2 are usage errors (exit 2) for eval and predict', () => {
  for (const [flag, value] of [['--k', '0'], ['--k', '-1'], ['--threshold', '2']]) {
    const e = expectStatus(['eval', '--model', model, '--data', TEST, `${flag}=${value}`], 2);
    assert.match(e.stderr, new RegExp(`${flag} must be`));
  }
  assert.match(expectStatus(['predict', '--model', model, '--k', '0'], 2, 'text\n').stderr, /--k must be an integer >= 1, got 0/);
});

test('train: options are checked before the data is read (a bad config wins over a missing data file)', () => {
  const r = expectStatus(['train', '--data', join(cwd, 'nope.jsonl'), '--out', join(cwd, 'never'), ...TINY, '--loss', 'logistic'], 2);
  assert.match(r.stderr, /loss must be one of softmax, ova, hinge/);
  assert.doesNotMatch(r.stderr, /nope\.jsonl/);
  assert.match(expectStatus(['train', '--data', join(cwd, 'nope.jsonl'), '--out', join(cwd, 'never'), '--replay=-1'], 2).stderr, /--replay must be an integer >= 0/);
});

test('train --out where no model can be written: exit 1 with the reason, before training, no stack trace', () => {
  const file = join(cwd, 'a-file.txt');
  writeFileSync(file, 'not a directory\n');
  const notDir = expectStatus(['train', '--data', TRAIN, '--out', join(file, 'model'), ...TINY], 1);
  assert.match(notDir.stderr, /cannot write a model here: .*a-file\.txt is not a directory/);
  assert.doesNotMatch(notDir.stderr, /\n\s+at /, 'no stack trace');
  assert.match(expectStatus(['train', '--data', TRAIN, '--out', '/etc/passwd/x', ...TINY], 1).stderr, /\/etc\/passwd is not a directory/);
  assert.match(expectStatus(['train', '--data', TRAIN, '--out', file, ...TINY], 1).stderr, /it exists and is not a directory/);
  assert.equal(readFileSync(file, 'utf8'), 'not a directory\n', 'the file is left alone');
  // An unrelated, non-empty directory is never replaced by a model (saving would delete it).
  const precious = join(cwd, 'precious');
  mkdirSync(precious, { recursive: true });
  writeFileSync(join(precious, 'notes.txt'), 'keep me');
  assert.match(expectStatus(['train', '--data', TRAIN, '--out', precious, ...TINY], 1).stderr, /not an Accrete model .*refusing to replace it/);
  assert.equal(readFileSync(join(precious, 'notes.txt'), 'utf8'), 'keep me');
});

test('train saves the replay memory (default) and none with --replay 0', () => {
  const withMemory = join(cwd, 'with-memory');
  expectStatus(['train', '--data', TRAIN, '--out', withMemory, ...TINY, '--replay', '50'], 0);
  const { memory } = loadLearner(withMemory);
  assert.ok(memory, 'memory saved');
  assert.equal(memory.replay.capacity, 50);
  assert.equal(memory.replay.size, 50);
  assert.ok(memory.fisher && memory.seen, 'Fisher and seen rows saved');
  assert.ok(memory.seen.some((v) => v === 1));
  assert.equal(loadLearner(model).memory?.replay.capacity, DEFAULT_REPLAY, 'default capacity');
  const bare = join(cwd, 'bare');
  expectStatus(['train', '--data', TRAIN, '--out', bare, ...TINY, '--replay', '0'], 0);
  assert.equal(loadLearner(bare).memory, null);
  assert.deepEqual(readdirSync(bare).sort(), ['model.json', 'weights.safetensors']);
});

test("--data - reads stdin (with --format): the same model as from the file", () => {
  const out = join(cwd, 'from-stdin');
  expectStatus(['train', '--data', '-', '--format', 'jsonl', '--out', out, ...TINY], 0, readFileSync(TRAIN, 'utf8'));
  const sha = (dir: string) => (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weights: { xxh64: string } }).weights.xxh64;
  assert.equal(sha(out), sha(model));
  const m = JSON.parse(expectStatus(['eval', '--model', out, '--data', '-', '--format', 'jsonl', '--json'], 0, readFileSync(TEST, 'utf8')).stdout) as { n: number };
  assert.equal(m.n, lineCount(TEST));
  assert.match(expectStatus(['train', '--data', '-', '--out', out], 2, '').stderr, /--format/);
});

test('a missing model directory: exit 1 for eval and predict, naming it', () => {
  const missing = join(cwd, 'no-such-model');
  assert.match(expectStatus(['eval', '--model', missing, '--data', TEST], 1).stderr, /no-such-model: no such model directory/);
  assert.match(expectStatus(['predict', '--model', missing], 1, 'text\n').stderr, /no-such-model: no such model directory/);
});

test('a corrupted model: exit 1 with the checksum message, not a stack trace', () => {
  const r = expectStatus(['train', '--data', TRAIN, '--out', join(cwd, 'corrupt'), ...TINY], 0);
  assert.equal(r.stdout, '');
  const weights = join(cwd, 'corrupt', 'weights.safetensors');
  const b = readFileSync(weights);
  b[b.length - 5] ^= 1;
  writeFileSync(weights, b);
  const e = expectStatus(['eval', '--model', join(cwd, 'corrupt'), '--data', TEST], 1);
  assert.match(e.stderr, /checksum mismatch/);
  assert.doesNotMatch(e.stderr, /\n\s+at /, 'no stack trace');
  // predict featurises its input while the weights load, but prints nothing from unverified weights.
  // (Small enough for the pipe's buffer on stdin: predict stops reading when the load fails.)
  const texts = testTexts().join('\n') + '\n';
  const input = join(cwd, 'corrupt-input.txt');
  writeFileSync(input, texts.repeat(50));
  for (const args of [[], ['--input', input]]) {
    const p = expectStatus(['predict', '--model', join(cwd, 'corrupt'), ...args], 1, args.length ? undefined : texts);
    assert.match(p.stderr, /weights\.safetensors: checksum mismatch/);
    assert.equal(p.stdout, '', 'no prediction from unverified weights');
    assert.doesNotMatch(p.stderr, /\n\s+at /, 'no stack trace');
  }
  writeFileSync(weights, b.subarray(0, b.length - 100));
  const t = expectStatus(['predict', '--model', join(cwd, 'corrupt')], 1, texts);
  assert.match(t.stderr, /truncated/);
  assert.equal(t.stdout, '');
});

test('predict on a stdin that stays open: a model that fails verification still ends it at once (exit 1)', async () => {
  const dir = join(cwd, 'corrupt-open-stdin');
  cpSync(model, dir, { recursive: true });
  const weights = join(dir, 'weights.safetensors');
  const b = readFileSync(weights);
  b[b.length - 9] ^= 4;
  writeFileSync(weights, b);
  const child = spawn(process.execPath, [MAIN, 'predict', '--model', dir], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.write('a small dog\n');
  const timer = setTimeout(() => child.kill(), 20_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  child.stdin.destroy();
  assert.equal(code, 1, `exit code (stderr: ${stderr})`);
  assert.match(stderr, /checksum mismatch/);
  assert.equal(stdout, '');
});

test('the same seed on one thread twice: byte-identical weights (xxh64 in model.json and of the file)', () => {
  const sha = (dir: string) => {
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weights: { xxh64: string } };
    const file = xxh64Hex(readFileSync(join(dir, 'weights.safetensors')));
    assert.equal(file, json.weights.xxh64, 'model.json records the checksum of the file');
    return json.weights.xxh64;
  };
  const [a, b, c] = ['seed-a', 'seed-b', 'seed-c'].map((d) => join(cwd, d));
  expectStatus(['train', '--data', TRAIN, '--out', a, ...TINY], 0);
  expectStatus(['train', '--data', TRAIN, '--out', b, ...TINY], 0);
  expectStatus(['train', '--data', TRAIN, '--out', c, ...TINY, '--seed', '2'], 0);
  assert.equal(sha(a), sha(b));
  assert.equal(sha(a), sha(model), 'the model trained before with the same flags');
  assert.notEqual(sha(c), sha(a), 'another seed gives other weights');
});

test('--thread 2 trains (Hogwild) and evaluates fine', () => {
  const out = join(cwd, 'two-threads');
  const r = expectStatus(['train', '--data', TRAIN, '--out', out, ...TINY.filter((a, i) => a !== '--thread' && TINY[i - 1] !== '--thread'), '--thread', '2', '--json'], 0);
  const report = JSON.parse(r.stdout) as { examples: number; epochs: unknown[] };
  assert.equal(report.examples, lineCount(TRAIN));
  assert.equal(report.epochs.length, 5);
  const m = JSON.parse(expectStatus(['eval', '--model', out, '--data', TEST, '--json'], 0).stdout) as { accuracy: number; n: number };
  assert.equal(m.n, lineCount(TEST));
  assert.ok(m.accuracy > 0.6, `accuracy ${m.accuracy}`);
});

test('--thread beyond the cores is capped at os.availableParallelism(), with one warning on stderr', () => {
  const out = join(cwd, 'many-threads');
  const cores = availableParallelism();
  const args = TINY.filter((a, i) => a !== '--thread' && TINY[i - 1] !== '--thread');
  const r = expectStatus(['train', '--data', TRAIN, '--out', out, ...args, '--thread', String(cores + 3), '--json'], 0);
  const warnings = r.stderr.match(/warning: --thread \d+ is more than the \d+ threads this machine runs at once; using \d+/g) ?? [];
  assert.deepEqual(warnings, [`warning: --thread ${cores + 3} is more than the ${cores} threads this machine runs at once; using ${cores}`]);
  assert.equal((JSON.parse(r.stdout) as { examples: number }).examples, lineCount(TRAIN), 'stdout stays one JSON object');
  assert.equal(loadModel(out).config.thread, cores, 'the model records the threads used');
  // (the small TRAIN gets train's no-guard note, which is not a warning)
  assert.doesNotMatch(expectStatus(['train', '--data', TRAIN, '--out', out, ...args, '--thread', String(cores)], 0).stderr, /warning/, 'no warning within the cores');
});

test('train warns about flags that do nothing: --patience without --valid, --minn while --maxn is 0', () => {
  const out = join(cwd, 'ineffective');
  const r = expectStatus(['train', '--data', TRAIN, '--out', out, ...TINY, '--patience', '2', '--minn', '3'], 0);
  assert.match(r.stderr, /warning: --patience 2 has no effect without --valid/);
  assert.match(r.stderr, /warning: --minn 3 has no effect while --maxn is 0 \(char n-grams are off\); set --maxn too, e\.g\. --maxn 6/);
  const quiet = expectStatus(['train', '--data', TRAIN, '--valid', TEST, '--out', out, ...TINY, '--patience', '2', '--minn', '3', '--maxn', '5'], 0);
  assert.doesNotMatch(quiet.stderr, /has no effect/);
});

test('train --out over an existing model replaces it', () => {
  const out = join(cwd, 'replaced');
  expectStatus(['train', '--data', TRAIN, '--out', out, ...TINY, '--seed', '5'], 0);
  expectStatus(['train', '--data', TRAIN, '--out', out, ...TINY], 0);
  const json = (dir: string) => (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weights: { xxh64: string } }).weights.xxh64;
  assert.equal(json(out), json(model));
});
