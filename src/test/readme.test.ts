// The README's library example, run as written: each `console.log(x); // y` line becomes an assertion.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

// Every ts block of the "## Library" section (the Learner, then the lower layer), each as its own module.
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Library'), readme.indexOf('\n## ', readme.indexOf('## Library') + 1));
const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

test('the README library section has its examples: the Learner first, then the lower layer', () => {
  assert.equal(blocks.length, 2, 'two ts blocks under ## Library');
  assert.match(blocks[0], /import \{ Learner \} from 'accrete'/);
  assert.match(blocks[1], /update\(/);
});

for (const [i, block] of blocks.entries()) {
  test(`example: the README library example ${i + 1} runs and prints what it says`, async () => {
    const checks: string[] = [];
    const body = block
      .replace("from 'accrete'", `from ${JSON.stringify(pathToFileURL(join(root, 'dist/index.js')).href)}`)
      .replace(/^console\.log\((.*)\); \/\/ (.*)$/gm, (_m, expr: string, expected: string) => {
        checks.push(expected);
        return `__out.push(String(${expr}));`;
      });
    assert.ok(checks.length >= 3, 'the example states its outputs');
    const dir = mkdtempSync(join(tmpdir(), 'accrete-readme-'));
    const file = join(dir, 'example.mjs');
    writeFileSync(file, `export const __out = [];\n${body}`);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const { __out } = (await import(pathToFileURL(file).href)) as { __out: string[] };
      assert.deepEqual(__out, checks);
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
