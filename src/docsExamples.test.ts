/**
 * Every example of the README and of docs/*.md runs, as written, and prints what it says:
 * - `sh` blocks run in order, one bash per file, in a temporary directory that links the
 *   repository's dist/ and test/ (the docs say they run "in a clone"); `accrete` and `npx accrete`
 *   are the built CLI, `curl` is replayed with fetch against the server the block started (on a
 *   free port instead of each of 8080-8089), and `npm install accrete` stands for the built package.
 *   A file that names `postgres://accrete:SECRET@db.internal:5432/DB` (docs/scaling.md) gets a
 *   private PostgreSQL 15 with each such database created empty, and the test's connection
 *   strings in their place (src/testing/postgres.ts: skipped without PostgreSQL, failed under CI).
 *   A `# {...}` or `# [...]` comment right after a command is its expected output (`...`: anything).
 * - `ts` blocks are compiled in strict mode against the built package, then run; each
 *   `console.log(x); // y` line checks that x prints y.
 * - Blocks that are not run say so: `text` or `json` (output samples, listings), and `sh no-test`
 *   (the set-up commands, checked against package.json instead).
 * Also the README's shape (issue 16): at most 1,500 words of prose, no sentence over 60 words
 * (nor in the docs), `npm install accrete` near the top, the Library section early, the two
 * set-up commands, and links that lead somewhere.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { postgresOrSkip } from './testing/postgres.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
/** Files other people write (a dated log, and docs of other issues): their blocks run, but their prose is theirs, and a bare fence is tolerated. */
const NOT_OURS = new Set(['docs/decisions.md', 'docs/formats.md', 'docs/scaling.md', 'docs/api.md']);
/** Linked from the README before they exist: written for other items of issue 16 and issue 15. */
const LINK_SLOTS = new Set(['docs/api.md', 'docs/scaling.md']);
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const { prose } = (await import(pathToFileURL(join(ROOT, 'scripts/prose.mjs')).href)) as { prose: (md: string) => { words: number; sentences: { text: string; words: number }[] } };

interface Block {
  file: string;
  line: number;
  lang: string;
  flags: string[];
  code: string;
}

function blocksOf(file: string): Block[] {
  const lines = read(file).split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,}|~{3,})\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === open[1]);
    assert.ok(end > i, `${file}:${i + 1}: a fence that never closes`);
    const [lang = '', ...flags] = open[2].trim().split(/\s+/).filter(Boolean);
    out.push({ file, line: i + 1, lang, flags, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}

const ALL = DOCS.flatMap(blocksOf);
const SETUP = /^npm ci && npm (start|test)$/;

test('every fenced block of the README and docs says how it is tested', () => {
  const problems: string[] = [];
  for (const b of ALL) {
    const at = `${b.file}:${b.line}`;
    if (b.lang === '' && NOT_OURS.has(b.file)) continue;
    if (b.lang === 'ts' || b.lang === 'text' || b.lang === 'json') {
      if (b.flags.length) problems.push(`${at}: ${b.lang} blocks take no flags`);
    } else if (b.lang === 'sh') {
      if (b.flags.length && b.flags.join(' ') !== 'no-test') problems.push(`${at}: the only flag of a sh block is no-test`);
      // Only the set-up commands may go untested: they install, which a test must not do.
      if (b.flags.length && !b.code.split('\n').every((l) => SETUP.test(l))) problems.push(`${at}: a sh no-test block may hold only \`npm ci && npm start|test\``);
    } else problems.push(`${at}: fence info string ${JSON.stringify(b.lang)}: use sh (run), ts (compiled and run), or text/json (not run)`);
  }
  assert.deepEqual(problems, []);
  assert.ok(ALL.filter((b) => b.lang === 'sh' && !b.flags.length).length >= 8 && ALL.filter((b) => b.lang === 'ts').length >= 4, 'the docs have their examples');
});

test('README: at most 1,500 words of prose, no sentence over 60 words (in the docs either), install first, Library early, the set-up commands', (t) => {
  const readme = read('README.md');
  const { words, sentences } = prose(readme);
  t.diagnostic(`README: ${words} words of prose, longest sentence ${sentences[0].words} words`);
  assert.ok(words <= 1500, `README: ${words} words of prose`);
  for (const file of DOCS.filter((f) => !NOT_OURS.has(f))) {
    const long = prose(read(file)).sentences.filter((s) => s.words > 60);
    assert.deepEqual(long.map((s) => `${s.words} words: ${s.text.slice(0, 120)}`), [], `${file}: sentences over 60 words`);
  }
  const lines = readme.split('\n');
  const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
  assert.ok(at(/^npm install accrete$/) >= 0 && at(/^npm install accrete$/) < 15, '`npm install accrete` near the top');
  assert.ok(at(/^## Quick start/) < at(/^## Library/) && at(/^## Library/) < at(/^## Command line/) && at(/^## Library/) < 80, 'the Library section early, after the quick start');
  const setup = ALL.filter((b) => b.file === 'README.md' && b.flags.includes('no-test')).map((b) => b.code);
  assert.deepEqual(setup, ['npm ci && npm start\nnpm ci && npm test']);
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  assert.match(scripts.start, /node dist\/demo\/main\.js/);
  assert.match(scripts.test, /run-tests/);
  assert.ok(existsSync(join(ROOT, 'dist/demo/main.js')), 'npm start runs the demo');
  // The Library section starts with the Learner; the lower layer (update() with its memory) is in docs/library.md.
  const library = ALL.filter((b) => b.lang === 'ts' && b.file === 'README.md' && b.line > at(/^## Library/) && b.line < at(/^## Command line/));
  assert.equal(library.length, 1, 'one ts block under ## Library');
  assert.match(library[0].code, /import \{ Learner \} from 'accrete'/);
  assert.ok((library[0].code.match(/^console\.log\(.*\); \/\/ /gm) ?? []).length >= 3, 'the example states its outputs');
  assert.ok(ALL.some((b) => b.file === 'docs/library.md' && b.lang === 'ts' && /update\(learner\.model, feedback, \{ memory: learner\.memory \}\)/.test(b.code)), 'docs/library.md shows the lower layer');
  // design.md lives outside the repository: the docs stand on their own.
  for (const file of DOCS.filter((f) => !NOT_OURS.has(f))) assert.doesNotMatch(read(file), /design\.md/, `${file} cites design.md`);
});

test('every relative link of the README and docs leads to a file (and a heading, with an anchor)', () => {
  const slug = (h: string) => h.toLowerCase().replace(/[^\p{L}\p{N} -]/gu, '').replace(/ /g, '-');
  const broken: string[] = [];
  for (const file of DOCS) {
    for (const m of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
      const [target, anchor] = m[1].split('#');
      if (/^[a-z]+:/.test(target)) continue;
      const path = target === '' ? file : relative(ROOT, join(ROOT, dirname(file), target));
      if (LINK_SLOTS.has(path) && !existsSync(join(ROOT, path))) continue;
      if (!existsSync(join(ROOT, path))) broken.push(`${file}: ${m[1]}`);
      else if (anchor && !read(path).split('\n').some((l) => /^#+ /.test(l) && slug(l.replace(/^#+ /, '')) === anchor)) broken.push(`${file}: ${m[1]} (no such heading)`);
    }
  }
  assert.deepEqual(broken, []);
});

// ---- sh blocks ----

/** A fetch-based stand-in for the curl flags the docs use; it waits for a server that is starting. */
const CURL = `
import { writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
let method, data, out, url;
const headers = {};
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '-s') continue;
  else if (a === '-X') method = args[++i];
  else if (a === '-H') { const [k, ...v] = args[++i].split(':'); headers[k.trim()] = v.join(':').trim(); }
  else if (a === '-d') data = args[++i];
  else if (a === '-o') out = args[++i];
  else if (a.startsWith('-')) { console.error('docs test curl: unknown flag ' + a); process.exit(2); }
  else url = a.includes('://') ? a : 'http://' + a;
}
method ??= data === undefined ? 'GET' : 'POST';
if (data !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
for (let tries = 0; ; tries++) {
  try {
    const res = await fetch(url, { method, headers, body: data });
    const text = await res.text();
    if (out) writeFileSync(out, text); else process.stdout.write(text + '\\n');
    if (res.status >= 400) { console.error('docs test curl: HTTP ' + res.status + ' ' + text); process.exit(22); }
    break;
  } catch (err) {
    if (tries > 300) throw err;
    await new Promise((r) => setTimeout(r, 100));
  }
}
`;

function prelude(dir: string): string {
  return [
    // Job control: a server started with & gets its own process group, which the trap ends.
    'set -euo pipefail -m',
    "trap 'for p in $(jobs -p); do kill -- -$p 2>/dev/null || true; done; wait' EXIT",
    `accrete() { node ${JSON.stringify(MAIN)} "$@"; }`,
    'npx() { if [ "${1-}" = accrete ]; then shift; accrete "$@"; else echo "docs test: npx $* is not run here" >&2; return 1; fi; }',
    // The package under test is the built one, and better-sqlite3 is a devDependency.
    'npm() { case "$*" in "install accrete"|"install better-sqlite3@12") ;; *) echo "docs test: npm $* is not run here" >&2; return 1;; esac; }',
    `curl() { node ${JSON.stringify(join(dir, '.curl.mjs'))} "$@"; }`,
    `__out=${JSON.stringify(join(dir, '.out'))}`,
    '',
  ].join('\n');
}

interface Expected {
  n: number;
  lines: string[];
  at: string;
}

/** The block's code with each command that has an expected output writing it to $__out/N. */
function withCaptures(b: Block, expected: Expected[]): string {
  const lines = b.code.split('\n');
  const out: string[] = [];
  let heredoc: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (heredoc !== null) {
      if (line === heredoc) heredoc = null;
      out.push(line);
      continue;
    }
    heredoc = /<<-?'?(\w+)'?/.exec(line)?.[1] ?? null;
    const shown: string[] = [];
    for (let j = i + 1; j < lines.length && /^# [{[]/.test(lines[j]); j++) shown.push(lines[j].slice(2));
    if (shown.length && heredoc === null && !line.startsWith('#')) {
      const n = expected.length;
      expected.push({ n, lines: shown, at: `${b.file}:${b.line + 1 + i}` });
      out.push(`{ ${line}\n} > "$__out/${n}"`);
    } else out.push(line);
  }
  return out.join('\n');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const matches = (actual: string, shown: string[]) =>
  new RegExp(`^${shown.map((l) => l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\.\\\.\\\./g, '[^\\n]*')).join('\n')}$`).test(actual);

/** The docs' stand-in for a production database; `?...` (sslmode=require) goes too: the private server has no TLS. */
const PG_URL = /postgres:\/\/accrete:SECRET@db\.internal:5432\/(\w+)(\?[^\s'"]*)?/g;

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

for (const file of DOCS) {
  const blocks = ALL.filter((b) => b.file === file && b.lang === 'sh' && !b.flags.length);
  if (!blocks.length) continue;
  test(`example: the sh blocks of ${file} run in order and print what they say`, { timeout: 300_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'accrete-docs-'));
    dirs.push(dir);
    for (const link of ['dist', 'test']) symlinkSync(join(ROOT, link), join(dir, link));
    mkdirSync(join(dir, '.out'));
    writeFileSync(join(dir, '.curl.mjs'), CURL);
    const ports = new Map<string, string>();
    for (const p of new Set(blocks.flatMap((b) => b.code.match(/\b808\d\b/g) ?? []))) {
      let free: string;
      do free = String(await freePort());
      while ([...ports.values()].includes(free));
      ports.set(p, free);
    }
    const databases = new Map<string, string>();
    const names = new Set(blocks.flatMap((b) => [...b.code.matchAll(PG_URL)].map((m) => m[1])));
    if (names.size) {
      const pg = await postgresOrSkip(t);
      if (!pg) return;
      for (const name of names) databases.set(name, pg.createDatabase(name));
    }
    const expected: Expected[] = [];
    const script =
      prelude(dir) +
      blocks
        .map((b) => `# ${b.file}:${b.line}\n${withCaptures(b, expected).replace(/\b808\d\b/g, (p) => ports.get(p)!).replace(PG_URL, (_m, name: string) => databases.get(name)!)}`)
        .join('\n');
    const r = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 280_000, env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 0, `${file}: the examples failed (status ${r.status}, signal ${r.signal})\n${r.stderr.slice(-3000)}`);
    for (const e of expected) {
      const actual = readFileSync(join(dir, '.out', String(e.n)), 'utf8').trimEnd();
      assert.ok(matches(actual, e.lines), `${e.at}: printed\n${actual.slice(0, 1500)}\nbut the docs show\n${e.lines.join('\n')}`);
    }
    assert.ok(expected.length > 0, `${file}: its examples show no output to check`);
    if (file === 'README.md') {
      // The fitted defaults keep the quick start's model small (fastText's defaults would make it 800 MB).
      const bytes = readdirSync(join(dir, 'model')).reduce((n, f) => n + statSync(join(dir, 'model', f)).size, 0);
      assert.ok(bytes < 2e6, `the quick start's model is ${bytes} bytes`);
    }
  });
}

test('the expected-output matcher can fail', () => {
  assert.ok(matches('{"a":1,"b":[2,3]}', ['{"a":1,...}']));
  assert.ok(!matches('{"a":2,"b":[2,3]}', ['{"a":1,...}']));
  assert.ok(!matches('{"a":1}\n{"a":1}', ['{"a":1}']));
});

// ---- ts blocks ----

test('example: the ts blocks of the README and docs compile in strict mode against the built package, run, and print what they say', { timeout: 300_000 }, () => {
  const blocks = ALL.filter((b) => b.lang === 'ts');
  // Inside the package, so that `from 'accrete'` resolves to it by its own name, as it would once installed.
  const build = mkdtempSync(join(ROOT, 'dist', '.docs-examples-'));
  dirs.push(build);
  const checks: number[] = [];
  const files = blocks.map((b, i) => {
    let n = 0;
    const code = b.code.replace(/^(\s*)console\.log\((.*)\); \/\/ (.*)$/gm, (_m, indent: string, expr: string, shown: string) => (n++, `${indent}__check(String(${expr}), ${JSON.stringify(shown)});`));
    checks.push(n);
    const path = join(build, `example${i}.ts`);
    writeFileSync(path, `${code}\nexport {};\n`);
    return path;
  });
  writeFileSync(join(build, 'check.d.ts'), 'declare function __check(actual: string, shown: string): void;\n');
  writeFileSync(join(build, 'check.mjs'), "let n = 0; globalThis.__check = (a, s) => { n++; if (a !== s) throw new Error(`printed ${JSON.stringify(a)}, the docs show ${JSON.stringify(s)}`); }; process.on('exit', () => console.log(`checks ${n}`));\n");
  const program = ts.createProgram([...files, join(build, 'check.d.ts')], {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules/@types')],
    skipLibCheck: true,
    noEmitOnError: true,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
    const i = d.file ? files.indexOf(d.file.fileName) : -1;
    const where = i >= 0 ? `${blocks[i].file}:${blocks[i].line + 1 + d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line}` : (d.file?.fileName ?? '');
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  assert.deepEqual(diagnostics, [], 'the examples do not compile');
  program.emit();
  for (const [i, b] of blocks.entries()) {
    const cwd = mkdtempSync(join(tmpdir(), 'accrete-docs-ts-'));
    dirs.push(cwd);
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(build, 'check.mjs')).href, join(build, `example${i}.js`)], { cwd, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `${b.file}:${b.line}: ${r.stderr.slice(-2000)}`);
    assert.match(r.stdout, new RegExp(`checks ${checks[i]}\\n?$`), `${b.file}:${b.line}: every console.log line ran`);
    assert.ok(checks[i] >= 1 || b.code.includes('console.log') === false, `${b.file}:${b.line}`);
  }
});
