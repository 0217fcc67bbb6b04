/**
 * The package as a library user installs it: `npm pack`, then `npm install` of the tarball in a
 * fresh project from the npm cache (--offline), falling back to the registry once, with a
 * diagnostic, when the cache lacks something: `npm ci` caches the dependencies' tarballs but not
 * the registry's documents that resolve a tarball's version ranges, so on a machine whose cache
 * only `npm ci` filled, --offline fails whatever the package needs. Then a
 * strict TypeScript program (NodeNext, skipLibCheck false, no @types/node) that trains, predicts,
 * updates and evaluates, with the functions and with a Learner (its worker thread, progress and
 * abort from the installed package), compiled and run. Also checks what the install leaves out: no compiler
 * run, no better-sqlite3 or chart.js, and a clear message from the one command that needs SQLite.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'accrete-packed-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(command: string, args: string[], cwd: string, timeout = 120_000): SpawnSyncReturns<string> {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const CONSUMER = `import { train, update, evaluate, buildMemory, Learner, AbortError, type LearnerProgress, type Prediction, type UpdateWarningCode } from 'accrete';

const spam = ['win a free prize now', 'free money claim your prize', 'cheap pills free offer', 'you won a free cruise'];
const ham = ['lunch at noon tomorrow', 'meeting notes attached', 'see you at the meeting', 'can we move lunch'];
const examples = [...spam.map((text) => ({ text, label: 'spam' })), ...ham.map((text) => ({ text, label: 'ham' }))];

const { model, seen } = await train(examples, { epoch: 50, lr: 0.5, dim: 16, bucket: 1000, seed: 1 });
const top: Prediction[] = model.predict('claim a free prize', { k: 1 });
const memory = buildMemory(model, examples, { seen });
const decision = update(model, [{ text: 'your parcel is waiting click here', label: 'phishing' }, { text: 'verify your bank account link', label: 'phishing' }], { memory });
const metrics = evaluate(model, examples);
// Without a memory, update() says it may forget.
const { model: bare } = await train(examples, { epoch: 5, dim: 8, bucket: 1000, seed: 1 });
const warnings: UpdateWarningCode[] = update(bare, [{ text: 'verify your bank account link', label: 'phishing' }]).warnings.map((w) => w.code);
// The Learner works in its worker thread, from the installed package.
const phases = new Set<LearnerProgress['phase']>();
const learner = await Learner.train(examples, { epoch: 50, lr: 0.5, dim: 16, bucket: 1000, seed: 1, onProgress: (p) => phases.add(p.phase) });
const learned = await learner.learn([{ text: 'your parcel is waiting click here', label: 'phishing' }]);
let aborted = false;
try {
  await learner.evaluate(examples, { signal: AbortSignal.abort() });
} catch (err) {
  aborted = err instanceof AbortError;
}
const result: { top: string; accepted: boolean; labels: readonly string[]; accuracy: number; warnings: UpdateWarningCode[]; learnerTop: string; phases: string[]; learnedWarnings: number; aborted: boolean; learnerAccuracy: number } = {
  top: top[0].label,
  accepted: decision.accepted,
  labels: model.vocab.labels,
  accuracy: metrics.accuracy,
  warnings,
  learnerTop: learner.predict('claim a free prize', { k: 1 })[0].label,
  phases: [...phases],
  learnedWarnings: learned.warnings.length,
  aborted,
  learnerAccuracy: (await learner.evaluate(examples)).accuracy,
};
console.log(JSON.stringify(result));
`;

test('the packed tarball installs without compiling anything, and a strict TypeScript consumer compiles and runs', (t) => {
  const started = performance.now();
  ok(run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], ROOT), 'npm pack');
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote a tarball');

  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  const install = ['install', '--no-audit', '--no-fund', '--no-package-lock', join(work, tarball)];
  let installed = run('npm', [...install, '--offline'], app);
  if (installed.status !== 0) {
    // Not in the cache (see the file's comment): the registry, once, rather than no test.
    t.diagnostic(`--offline failed (${installed.stderr.trim().split('\n')[0]}); installed with the registry instead`);
    installed = run('npm', [...install, '--prefer-offline'], app);
  }
  ok(installed, 'npm install of the tarball');
  assert.doesNotMatch(installed.stderr, /install script|allowScripts/i, 'nothing to build or approve on install');
  const modules = join(app, 'node_modules');
  for (const absent of ['better-sqlite3', 'chart.js', 'chartjs-chart-matrix', '@types/node', 'typescript']) {
    assert.equal(existsSync(join(modules, absent)), false, `${absent} was installed`);
  }
  const pkg = join(modules, 'accrete');
  assert.ok(existsSync(join(pkg, 'LICENSE')), 'LICENSE shipped');
  assert.ok(existsSync(join(pkg, 'dist', 'assets', 'charts.js')), 'the chart bundle shipped');

  writeFileSync(join(app, 'main.ts'), CONSUMER);
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, outDir: 'out' }, files: ['main.ts'] }),
  );
  ok(run(process.execPath, [TSC, '-p', '.'], app), 'tsc (strict, NodeNext, skipLibCheck false, no @types/node)');
  const result = JSON.parse(ok(run(process.execPath, ['out/main.js'], app), 'the consumer program')) as { top: string; accepted: boolean; labels: string[]; accuracy: number; warnings: string[]; learnerTop: string; phases: string[]; learnedWarnings: number; aborted: boolean; learnerAccuracy: number };
  assert.equal(result.top, 'spam');
  assert.deepEqual(result.warnings, ['no-memory']);
  assert.equal(result.learnerTop, 'spam');
  assert.ok(result.phases.includes('train') && result.phases.includes('memory'), `progress phases ${result.phases}`);
  assert.equal(result.learnedWarnings, 0);
  assert.equal(result.aborted, true, 'an aborted evaluate rejects with the exported AbortError');
  assert.ok(result.learnerAccuracy >= 0.75, `learner accuracy ${result.learnerAccuracy}`);
  assert.equal(typeof result.accepted, 'boolean');
  if (result.accepted) assert.ok(result.labels.includes('phishing'), 'an accepted update learned the new label');
  assert.ok(result.accuracy >= 0.75, `accuracy ${result.accuracy}`);

  // The CLI works from the install; the registry says what to install instead of a stack trace.
  assert.match(ok(run(join(modules, '.bin', 'accrete'), ['--version'], app), 'accrete --version'), /^\d+\.\d+\.\d+/);
  writeFileSync(join(app, 'r.db'), ''); // a registry file to open, so that the driver is what is missing
  const models = run(join(modules, '.bin', 'accrete'), ['models', 'list', '--registry', 'r.db'], app);
  assert.equal(models.status, 1, models.stderr);
  assert.match(models.stderr, /needs better-sqlite3.*npm install better-sqlite3@12/);
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 90, `took ${seconds.toFixed(1)} s`);
});
