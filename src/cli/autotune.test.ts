/** `accrete train --autotune-*` end to end: flags, the --json report, determinism of the saved model. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseByteSize } from './autotune.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));
const TRAIN = corpus('wordnet5.train.txt');
const VALID = corpus('wordnet5.test.txt');
const cwd = mkdtempSync(join(tmpdir(), 'accrete-autotune-'));
after(() => rmSync(cwd, { recursive: true, force: true }));
const SMALL = ['--dim', '16', '--seed', '3', '--autotune-model-size', '2M'];

function accrete(args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return r;
}

const weights = (dir: string) => createHash('sha256').update(readFileSync(join(cwd, dir, 'weights.safetensors'))).digest('hex');

test('--json reports every trial; the same seed and trial budget save the same model, on one thread or two', () => {
  const run = (out: string, thread = '1') => {
    const r = accrete(['train', '--data', TRAIN, '--autotune-validation', VALID, '--autotune-trials', '4', ...SMALL, '--thread', thread, '--out', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    return { report: JSON.parse(r.stdout) as Record<string, any>, stderr: r.stderr };
  };
  const a = run('a');
  const b = run('b', '2');
  assert.equal(b.report.autotune.lanes, 2);
  const tune = a.report.autotune;
  assert.equal(tune.metric, 'accuracy');
  assert.equal(tune.trials.length, 4);
  assert.equal(tune.trialBudget, 4);
  assert.equal(tune.duration, null);
  assert.equal(tune.stoppedBy, 'trials');
  assert.equal(tune.modelSizeLimit, 2_000_000);
  for (const [i, t] of (tune.trials as any[]).entries()) {
    assert.equal(t.trial, i + 1);
    assert.deepEqual(Object.keys(t.settings).sort(), ['bagNorm', 'bucket', 'dim', 'epoch', 'hidden', 'loss', 'lr', 'maxn', 'minn', 'weightDecay', 'wordNgrams']);
    assert.ok(['done', 'pruned', 'timeout', 'diverged'].includes(t.status));
    assert.ok(t.score === null || (t.score >= 0 && t.score <= 1));
    assert.equal(typeof t.seconds, 'number');
    assert.ok(t.modelBytes <= 2_000_000);
  }
  assert.ok(tune.bestScore >= tune.startScore);
  assert.equal(a.report.model, 'a');
  const drop = (r: any) => r.autotune.trials.map(({ seconds: _s, ...t }: any) => t);
  assert.deepEqual(drop(a.report), drop(b.report));
  assert.equal(weights('a'), weights('b'));
  // A progress line per trial and the table on stderr.
  assert.equal(a.stderr.match(/^autotune trial \d+\/4: /gm)?.length, 4);
  assert.match(a.stderr, /^trial +dim +epoch +lr/m);
  assert.match(a.stderr, new RegExp(`kept trial ${tune.best}: accuracy`));
  // The saved model is the kept trial's, and eval scores it as the search did.
  const evaluated = accrete(['eval', '--model', 'a', '--data', VALID, '--json']);
  assert.equal(evaluated.status, 0, evaluated.stderr);
  const metrics = JSON.parse(evaluated.stdout) as { accuracy: number; macroF1: number };
  const kept = tune.trials[tune.best - 1];
  assert.equal(metrics.accuracy, kept.accuracy);
  assert.ok(Math.abs(metrics.macroF1 - kept.macroF1) < 1e-12, `eval macroF1 ${metrics.macroF1}, search ${kept.macroF1}`);
  const saved = JSON.parse(readFileSync(join(cwd, 'a', 'model.json'), 'utf8'));
  assert.equal(saved.config.dim, tune.trials[tune.best - 1].settings.dim);
});

test('--quiet leaves out the progress lines and the table', () => {
  const r = accrete(['train', '--data', TRAIN, '--autotune-validation', VALID, '--autotune-trials', '2', ...SMALL, '--out', 'q', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /autotune/);
});

test('bad autotune flags exit 2 naming the flag', () => {
  const cases: [string[], RegExp][] = [
    [['--autotune-validation', VALID, '--autotune-trials', '0'], /--autotune-trials must be an integer >= 1/],
    [['--autotune-validation', VALID, '--autotune-trials', '2.5'], /--autotune-trials expects an integer/],
    [['--autotune-validation', VALID, '--autotune-duration', '-3'], /--autotune-duration must be a number of seconds > 0/],
    [['--autotune-validation', VALID, '--autotune-duration', 'soon'], /--autotune-duration expects a number/],
    [['--autotune-validation', VALID, '--autotune-metric', 'f1'], /--autotune-metric must be accuracy or macroF1/],
    [['--autotune-validation', VALID, '--autotune-model-size', '12x'], /--autotune-model-size must be a number of bytes/],
    [['--autotune-validation', VALID, '--autotune-model-size', '0'], /--autotune-model-size must be a number of bytes/],
    [['--autotune-trials', '3'], /--autotune-trials needs --autotune-validation/],
    [['--autotune-validation', VALID, '--valid', VALID], /--valid cannot be combined with --autotune-validation/],
    [['--autotune-validation', VALID, '--patience', '2'], /--patience cannot be combined with --autotune-validation/],
  ];
  for (const [flags, message] of cases) {
    const r = accrete(['train', '--data', TRAIN, '--out', 'bad', ...flags]);
    assert.equal(r.status, 2, `${flags.join(' ')}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('a model-size bound smaller than the vocabulary is refused, naming the bound', () => {
  const r = accrete(['train', '--data', TRAIN, '--autotune-validation', VALID, '--autotune-trials', '2', '--autotune-model-size', '1000', '--out', 'tiny']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--autotune-model-size/);
});

test('parseByteSize reads fastText-style sizes', () => {
  assert.equal(parseByteSize('500000'), 500_000);
  assert.equal(parseByteSize('2M'), 2_000_000);
  assert.equal(parseByteSize('1.5k'), 1500);
  assert.equal(parseByteSize('1G'), 1_000_000_000);
  assert.equal(parseByteSize('-1'), undefined);
  assert.equal(parseByteSize('M'), undefined);
});
