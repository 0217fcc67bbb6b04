/**
 * `accrete update` end to end (spawned), on the WordNet fixtures with a tiny model: the exit status
 * says what the gate decided, an accepted update replaces the model (or writes --out), and a rejected
 * or failed one leaves every byte of the model directory where it was.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLearner } from '../update/memory.js';
import { Rng } from '../util/rng.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));
// Every searched setting pinned (train fits what is left out to the data, char n-grams included).
const TINY = ['--dim', '16', '--bucket', '20000', '--epoch', '10', '--lr', '0.5', '--wordNgrams', '2', '--minn', '0', '--maxn', '0', '--seed', '1', '--thread', '1', '--quiet'];

const cwd = mkdtempSync(join(tmpdir(), 'accrete-update-cli-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

function accrete(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectStatus(args: string[], status: number) {
  const r = accrete(args);
  assert.equal(r.status, status, `accrete ${args.join(' ')} exited ${r.status}; stderr:\n${r.stderr}\nstdout:\n${r.stdout.slice(0, 2000)}`);
  return r;
}

/** Every file below `dir` (names and bytes), as one hash per relative path. */
function tree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) Object.assign(out, tree(path, `${prefix}${name}/`));
    else out[prefix + name] = createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return out;
}

let base: string;
let newData: string;
let poisoned: string;
let guard: string;
let copies = 0;
/** A fresh copy of the base model, in a directory of its own (so the parent's listing can be compared too). */
function copyOfBase(): { parent: string; model: string } {
  const parent = join(cwd, `copy-${++copies}`);
  cpSync(base, join(parent, 'model'), { recursive: true });
  return { parent, model: join(parent, 'model') };
}

before(() => {
  const lines = readFileSync(corpus('wordnet5.train.txt'), 'utf8').trim().split('\n');
  const write = (name: string, ls: string[]) => {
    writeFileSync(join(cwd, name), ls.join('\n') + '\n');
    return join(cwd, name);
  };
  const first = write('first.txt', lines.slice(0, 600));
  const second = lines.slice(600, 1200);
  newData = write('new.txt', second);
  // The same texts with their labels shuffled among them: nothing true to learn.
  const labels = new Rng(3).shuffle(second.map((l) => l.split(' ', 1)[0]));
  poisoned = write('poisoned.txt', second.map((l, i) => `${labels[i]} ${l.slice(l.indexOf(' ') + 1)}`));
  guard = write('guard.txt', readFileSync(corpus('wordnet5.test.txt'), 'utf8').trim().split('\n').slice(0, 250));
  base = join(cwd, 'base');
  expectStatus(['train', '--data', first, '--out', base, ...TINY], 0);
});

const weightsSha = (dir: string) => (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weights: { xxh64: string } }).weights.xxh64;

test('an update the gate accepts: exit 0, the model replaced in place, the report on stdout', () => {
  const { parent, model } = copyOfBase();
  const before = weightsSha(model);
  const r = expectStatus(['update', '--model', model, '--data', newData, '--guard', guard, '--quiet'], 0);
  assert.match(r.stdout, /^update ACCEPTED: .* updated in place/);
  for (const part of [/guard accuracy +\d+\.\d\d% +\d+\.\d\d%/, /new-data accuracy/, /label +guard F1 before/, /noun\.animal/, /guard predictions changed: \d+ of 250/, /round +selection +rows selected/, /parameters changed:/, /input +\d+ +\d+ +\d+/, /wall time/]) {
    assert.match(r.stdout, part);
  }
  assert.equal(r.stderr, '', '--quiet: no progress lines');
  assert.ok(weightsSha(model) !== before || existsSync(join(model, 'manifest.json')), 'the model changed: a patch, or a new base');
  assert.deepEqual(readdirSync(parent), ['model'], 'no temporary directory left behind');
  const { memory } = loadLearner(model);
  assert.ok(memory && memory.replay.stats().reduce((n, s) => n + s.seen, 0) === 1200, 'the new examples joined the replay memory');
  assert.equal(memory.fisher, null, 'the Fisher estimate went stale: the next update that needs one estimates it');
  if (existsSync(join(model, 'manifest.json'))) assert.ok(memory.staleFisher, 'a patch keeps the stale estimate in the files rather than rewriting them');
});

test('a poisoned update (labels shuffled): exit 3 with the reasons, every file of the model directory byte-identical', () => {
  const { parent, model } = copyOfBase();
  const before = tree(parent);
  const r = expectStatus(['update', '--model', model, '--data', poisoned], 3);
  assert.match(r.stdout, /^update REJECTED: .* left unchanged\nreasons:\n {2}- /);
  assert.match(r.stdout, /\[no-improvement\]|\[no-skill\]|\[guard-|\[weighted-/);
  assert.match(r.stderr, /^round 1 all: new-data accuracy/m, 'progress lines without --quiet');
  assert.deepEqual(tree(parent), before);
});

test('--out: the new version is written elsewhere and the parent is left alone', () => {
  const { parent, model } = copyOfBase();
  const before = tree(parent);
  const out = join(cwd, `out-${copies}`);
  const r = expectStatus(['update', '--model', model, '--data', newData, '--guard', guard, '--out', out, '--quiet'], 0);
  assert.match(r.stdout, /new version written to .*out-\d+ \(.* left unchanged\)/);
  assert.deepEqual(tree(parent), before);
  assert.notEqual(weightsSha(out), weightsSha(model));
  const e = JSON.parse(expectStatus(['eval', '--model', out, '--data', guard, '--json'], 0).stdout) as { n: number; accuracy: number };
  assert.equal(e.n, 250);
});

test('--json: one JSON object with accepted, model, reasons and the report (accepted and rejected)', () => {
  const { model } = copyOfBase();
  const ok = JSON.parse(expectStatus(['update', '--model', model, '--data', newData, '--guard', guard, '--json', '--quiet', '--rounds', '3'], 0).stdout) as {
    accepted: boolean;
    model: string | null;
    reasons: unknown[];
    report: { selection: string; rounds: { selected: { input: number | 'all' } }[]; perLabel: unknown[]; before: unknown; after: unknown; paramsChanged: { tensor: string; rows: number }[] };
  };
  assert.equal(ok.accepted, true);
  assert.equal(ok.model, model);
  assert.deepEqual(ok.reasons, []);
  assert.equal(ok.report.selection, 'all');
  assert.ok(ok.report.rounds.length >= 1 && ok.report.rounds.length <= 3);
  assert.equal(ok.report.rounds[0].selected.input, 'all');
  assert.ok(ok.report.paramsChanged.find((p) => p.tensor === 'input')!.rows > 0);
  assert.ok(ok.report.perLabel.length === 5 && ok.report.before && ok.report.after);
  const r = expectStatus(['update', '--model', copyOfBase().model, '--data', poisoned, '--json', '--quiet'], 3);
  assert.equal(r.stdout.trim().split('\n').length, 1, 'one line');
  const rejected = JSON.parse(r.stdout) as { accepted: boolean; model: null; reasons: { code: string; message: string }[]; report: { accepted: boolean } };
  assert.equal(rejected.accepted, false);
  assert.equal(rejected.model, null);
  assert.ok(rejected.reasons.length > 0 && rejected.reasons.every((i) => i.code && i.message));
  assert.equal(rejected.report.accepted, false);
});

test('training that diverges (--lr 1e30): exit 1 with a clear message, no stack trace, model untouched', () => {
  const { parent, model } = copyOfBase();
  const before = tree(parent);
  const r = expectStatus(['update', '--model', model, '--data', newData, '--lr', '1e30', '--quiet'], 1);
  assert.match(r.stderr, /training diverged \(NaN or Inf .*\); lower --lr .*left unchanged/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.deepEqual(tree(parent), before);
});

test('bad option values are usage errors (exit 2), found before anything is read', () => {
  const missing = join(cwd, 'no-such-model');
  const cases: [string[], RegExp][] = [
    [['--max-drop', '2'], /--max-drop must be a fraction in \[0, 1\] \(0\.02 = 2 points\), got 2/],
    [['--select', 'top'], /unknown selection "top"; expected all \| head/],
    [['--select', 'topk-grad:2'], /topk-grad:0\.1/],
    [['--rounds', '0'], /--rounds must be an integer >= 1/],
    [['--lr', '0'], /--lr must be a positive number/],
    [['--balance=-1'], /--balance must be a number >= 0/],
    [['--replay-ratio', '0'], /--replay-ratio must be a positive number/],
    [['--replay-input', 'some'], /--replay-input must be one of shared \| all, got some/],
    [['--label-tolerance', '10'], /--label-tolerance must be a fraction in \[0, 1\]/],
  ];
  for (const [flags, message] of cases) assert.match(expectStatus(['update', '--model', missing, '--data', newData, ...flags], 2).stderr, message);
  assert.match(expectStatus(['update', '--model', missing, '--data', newData], 1).stderr, /no-such-model: no such model directory/);
});

test('an empty --guard or --valid file is an error naming it (exit 1), the model untouched; an empty --data is a rejection (exit 3)', () => {
  const { parent, model } = copyOfBase();
  const before = tree(parent);
  const empty = join(cwd, 'empty.txt');
  writeFileSync(empty, '');
  const g = expectStatus(['update', '--model', model, '--data', newData, '--guard', empty, '--quiet'], 1);
  assert.match(g.stderr, /empty\.txt: no examples; the gate would have nothing to check .*leave --guard out to use the model's own guard/);
  assert.equal(g.stdout, '');
  assert.match(expectStatus(['update', '--model', model, '--data', newData, '--valid', empty, '--quiet'], 1).stderr, /empty\.txt: no examples; leave --valid out/);
  assert.deepEqual(tree(parent), before);
  // The documented choice: no new data is nothing to learn, a rejection with the reason no-data.
  const r = JSON.parse(expectStatus(['update', '--model', model, '--data', empty, '--json', '--quiet'], 3).stdout) as { reasons: { code: string }[] };
  assert.deepEqual(r.reasons.map((x) => x.code), ['no-data']);
  assert.deepEqual(tree(parent), before);
});

test('a model saved without memory: a warning without --guard; on accept the saved version starts a memory', () => {
  const bare = join(cwd, 'bare');
  expectStatus(['train', '--data', join(cwd, 'first.txt'), '--out', bare, ...TINY, '--replay', '0'], 0);
  assert.equal(loadLearner(bare).memory, null);
  const r = expectStatus(['update', '--model', bare, '--data', newData, '--quiet', '--replay', '100'], 0);
  assert.match(r.stderr, /warning: .*bare has no replay memory and no --guard was given/);
  const { memory } = loadLearner(bare);
  assert.equal(memory?.replay.capacity, 100);
  assert.equal(memory?.replay.size, 100);
});

test('--no-align keeps new labels\' rows as trained; --replay-ratio sets the replayed examples per round', () => {
  // Texts of a known label under a label the parent never saw, beside more of the known ones.
  const lines = readFileSync(corpus('wordnet5.train.txt'), 'utf8').trim().split('\n').slice(600);
  const renamed = lines.filter((l) => l.startsWith('__label__noun.plant ')).slice(0, 150).map((l) => l.replace('__label__noun.plant', '__label__noun.flora'));
  const data = join(cwd, 'new-label.txt');
  writeFileSync(data, [...renamed, ...lines.filter((l) => !l.startsWith('__label__noun.plant ')).slice(0, 300)].join('\n') + '\n');
  const report = (extra: string[]) => {
    const r = expectStatus(['update', '--model', copyOfBase().model, '--data', data, '--json', '--quiet', '--max-drop', '1', '--label-tolerance', '1', ...extra], 0);
    return (JSON.parse(r.stdout) as { report: { alignment: number; newLabels: string[]; data: { replayed: number; train: number } } }).report;
  };
  const aligned = report([]);
  assert.deepEqual(aligned.newLabels, ['noun.flora']);
  assert.ok(aligned.alignment < 1, `default: aligned (${aligned.alignment})`);
  assert.equal(report(['--no-align']).alignment, 1);
  const more = report(['--replay-ratio', '0.5', '--rounds', '1']);
  assert.equal(more.data.replayed, Math.ceil(0.5 * more.data.train));
});

test('--replay 0 with no saved guard and no --guard: a warning that the gate can only check the new data', () => {
  // The base model trained on 600 examples: too few for a held-out guard, so update guards with part of the replay memory.
  assert.equal(loadLearner(base).memory?.guard ?? null, null);
  const r = expectStatus(['update', '--model', copyOfBase().model, '--data', newData, '--quiet', '--replay', '0', '--json'], 0);
  assert.match(r.stderr, /warning: --replay 0 and .* saved no guard and no --guard was given: the guard .* is empty, so the gate can only check the new data/);
  assert.equal((JSON.parse(r.stdout) as { report: { data: { guard: number } } }).report.data.guard, 0);
  // With a guard given there is something to check: no warning.
  const g = expectStatus(['update', '--model', copyOfBase().model, '--data', newData, '--guard', guard, '--quiet', '--replay', '0'], 0);
  assert.equal(g.stderr, '');
});

test('--balance and --no-align on a --loss ova model: a warning each that they have no effect (softmax only)', () => {
  const ova = join(cwd, 'ova');
  expectStatus(['train', '--data', join(cwd, 'first.txt'), '--out', ova, ...TINY, '--loss', 'ova'], 0);
  const out = (extra: string[]) => accrete(['update', '--model', ova, '--out', join(cwd, `ova-${++copies}`), '--data', newData, '--guard', guard, '--quiet', ...extra]).stderr;
  const both = out(['--balance', '2', '--no-align']);
  assert.match(both, /warning: --balance is for softmax models; .*ova uses --loss ova, so it has no effect/);
  assert.match(both, /warning: --no-align is for softmax models; .*ova uses --loss ova/);
  assert.equal(out([]), '', 'no warning without the flags');
  // A softmax model takes both silently.
  assert.equal(accrete(['update', '--model', copyOfBase().model, '--data', newData, '--guard', guard, '--quiet', '--balance', '2', '--no-align']).stderr, '');
  assert.match(expectStatus(['update', '--help'], 0).stdout, /--balance S +softmax only/);
});

test('the rounds table shows each round\'s score and says its guard accuracy is over all labels, unlike the summary\'s', () => {
  const r = expectStatus(['update', '--model', copyOfBase().model, '--data', newData, '--guard', guard, '--quiet'], 0);
  assert.match(r.stdout, /round +selection +rows selected +examples +new-data acc +guard acc \(all labels\) +score +ms/);
  const rows = r.stdout.split('\n').filter((l) => /^\d+\*? +all /.test(l));
  assert.ok(rows.length >= 1, r.stdout);
  for (const row of rows) {
    const [fresh, guardAcc, score] = [...row.matchAll(/(\d+\.\d\d)%/g)].map((m) => Number(m[1]));
    assert.ok(Math.abs(score - (fresh + guardAcc) / 2) <= 0.011, `score is the mean of the two accuracies: ${row}`);
  }
  assert.match(r.stdout, /guard acc \(all labels\): new labels compete.*\n.*counts only the labels the parent knew/);
  assert.match(r.stdout, /the best \(or a later round within its noise\) is kept/);
});

test('in place, an accepted update is a patch of its parent: the base untouched, and it predicts, evaluates and remembers as the same update saved whole', () => {
  // A base with 200,000 buckets, so that 300 new glosses change a small share of it.
  const lines = readFileSync(newData, 'utf8').trim().split('\n');
  const part = (name: string, from: number) => {
    writeFileSync(join(cwd, name), lines.slice(from, from + 300).join('\n') + '\n');
    return join(cwd, name);
  };
  const [first, second] = [part('part1.txt', 0), part('part2.txt', 300)];
  const model = join(cwd, 'patched');
  expectStatus(['train', '--data', join(cwd, 'first.txt'), '--out', model, ...TINY.map((a) => (a === '20000' ? '200000' : a))], 0);
  const baseFiles = tree(model);
  const whole = join(cwd, 'whole1');
  const args = (data: string, seed: string) => ['--data', data, '--guard', guard, '--quiet', '--seed', seed];
  expectStatus(['update', '--model', model, ...args(first, '3'), '--out', whole], 0);
  const r = expectStatus(['update', '--model', model, ...args(first, '3')], 0);
  assert.match(r.stdout, /updated in place \(a patch of [\d.]+ [KM]iB, patches\/[0-9a-f]{16}\.patch; 1 on the base\)/);
  const now = tree(model);
  for (const [file, hash] of Object.entries(baseFiles)) assert.equal(now[file], hash, `${file} of the base is untouched`);
  const added = Object.keys(now).filter((f) => !(f in baseFiles)).sort();
  assert.equal(added.length, 2, added.join(', '));
  assert.equal(added[0], 'manifest.json');
  assert.match(added[1], /^patches\/[0-9a-f]{16}\.patch$/);
  const written = statSync(join(model, added[0])).size + statSync(join(model, added[1])).size;
  assert.ok(written < statSync(join(model, 'weights.safetensors')).size / 4, `${written} bytes written`);

  const input = join(cwd, 'probe.txt');
  writeFileSync(input, readFileSync(guard, 'utf8').split('\n').slice(0, 60).map((l) => l.slice(l.indexOf(' ') + 1)).join('\n') + '\n');
  const predict = (dir: string) => expectStatus(['predict', '--model', dir, '--k', '3', '--input', input], 0).stdout;
  assert.equal(predict(model), predict(whole), 'base + patch predicts as the model saved whole');
  assert.equal(expectStatus(['eval', '--model', model, '--data', guard, '--json'], 0).stdout, expectStatus(['eval', '--model', whole, '--data', guard, '--json'], 0).stdout);
  const a = loadLearner(model).memory!;
  const b = loadLearner(whole).memory!;
  assert.deepEqual(a.replay.toState(), b.replay.toState(), 'the replay memory');
  assert.deepEqual(a.guard, b.guard, 'the guard');
  assert.deepEqual(a.seen, b.seen, 'the seen rows');
  assert.deepEqual(a.fisher, b.fisher, 'the Fisher information');

  // A second update in place: two patches on the base, still the same as a whole save of both.
  // (seed 6: an update the gate accepts; seed 4 was, before replayed examples trained only shared rows)
  const whole2 = join(cwd, 'whole2');
  expectStatus(['update', '--model', whole, ...args(second, '6'), '--out', whole2], 0);
  const r2 = expectStatus(['update', '--model', model, ...args(second, '6')], 0);
  assert.match(r2.stdout, /updated in place \(a patch of .*; 2 on the base\)/);
  assert.equal(predict(model), predict(whole2));

  // accrete compact folds them into a new base that predicts the same.
  const c = JSON.parse(expectStatus(['compact', model, '--json', '--quiet'], 0).stdout) as { patches: number };
  assert.equal(c.patches, 2);
  assert.ok(!existsSync(join(model, 'manifest.json')) && !existsSync(join(model, 'patches')), 'no manifest, no patches');
  assert.equal(predict(model), predict(whole2));
  assert.deepEqual(loadLearner(model).memory!.replay.toState(), loadLearner(whole2).memory!.replay.toState());
});
