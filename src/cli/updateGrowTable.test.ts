/**
 * `accrete update` growing the n-gram table (src/update/growTable.ts), spawned: a model trained on
 * few names gets a small table; an update bringing five times as many grows it, the version is
 * saved whole (a new base) and predicts as loaded; --no-grow-table keeps the table.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLearner } from '../update/memory.js';
import { Rng } from '../util/rng.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'accrete-update-grow-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

function accrete(args: string[], status: number): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  assert.equal(r.status, status, `accrete ${args.join(' ')} exited ${r.status}; stderr:\n${r.stderr}\nstdout:\n${r.stdout.slice(0, 2000)}`);
  return r;
}

/** Name-like words in fastText format; the label says whether the word ends in a vowel. */
function names(n: number, seed: number): string {
  const rng = new Rng(seed);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    let w = '';
    for (let k = 0, len = 4 + rng.int(6); k < len; k++) w += 'abcdefghijklmnopqrstuvwxyz'[rng.int(26)];
    lines.push(`__label__${'aeiou'.includes(w.at(-1)!) ? 'vowel' : 'consonant'} ${w}`);
  }
  return lines.join('\n') + '\n';
}

const bucketOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { config: { bucket: number } }).config.bucket;

let base: string;
let more: string;
before(() => {
  writeFileSync(join(cwd, 'first.txt'), names(300, 1));
  writeFileSync(join(cwd, 'more.txt'), names(1500, 2));
  more = join(cwd, 'more.txt');
  base = join(cwd, 'base');
  accrete(['train', '--data', join(cwd, 'first.txt'), '--out', base, '--dim', '8', '--bucket', '1000', '--minn', '2', '--maxn', '4', '--wordNgrams', '1', '--epoch', '5', '--lr', '0.5', '--seed', '1', '--thread', '1', '--quiet'], 0);
});

test('an update whose data outgrows the table grows it: saved whole, reported, and loaded as it predicts', () => {
  const model = join(cwd, 'grown');
  cpSync(base, model, { recursive: true });
  const r = accrete(['update', '--model', model, '--data', more, '--json', '--quiet'], 0);
  const out = JSON.parse(r.stdout) as { saved: { as: string; why: string }; report: { table: { from: number; to: number; why: string } } };
  assert.equal(out.report.table.from, 1000);
  assert.ok(out.report.table.to > 1000 && out.report.table.to % 1000 === 0, out.report.table.why);
  assert.equal(out.saved.as, 'whole');
  assert.match(out.saved.why, /grew the n-gram table from 1000 to \d+ rows/);
  assert.equal(bucketOf(model), out.report.table.to);
  assert.equal(existsSync(join(model, 'manifest.json')), false, 'a new base, no patches');
  const { model: loaded, memory } = loadLearner(model);
  assert.equal(loaded.params.input.rows, out.report.table.to + loaded.vocab.wordCount);
  assert.equal(memory!.seen!.length, loaded.params.input.rows);
  const text = accrete(['update', '--model', join(cwd, 'grown'), '--data', more, '--quiet'], 0).stdout;
  assert.match(text, /\nn-gram table: \d+ (-> \d+ )?rows, (kept|grown): /);
  const predicted = accrete(['predict', '--model', model, '--input', more], 0).stdout.trim().split('\n');
  assert.equal(predicted.length, 1500);
});

test('--no-grow-table keeps the table the model was trained with', () => {
  const model = join(cwd, 'kept');
  cpSync(base, model, { recursive: true });
  const r = accrete(['update', '--model', model, '--data', more, '--no-grow-table', '--json', '--quiet'], 0);
  assert.deepEqual(JSON.parse(r.stdout).report.table, { from: 1000, to: 1000, why: 'kept: growTable is off' });
  assert.equal(bucketOf(model), 1000);
});
