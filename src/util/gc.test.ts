import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

/** Runs `body` in a fresh Node (no --expose-gc) with releaseMemory and enableExplicitGc in scope; returns its stdout. */
function run(body: string): string {
  const gc = new URL('./gc.js', import.meta.url).href;
  const script = `import { enableExplicitGc, releaseMemory } from ${JSON.stringify(gc)};\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

// An object reachable only through a WeakRef is collected by a full GC (checked a macrotask later,
// since a WeakRef keeps its target alive until the end of the job that created it).
const probe = `
releaseMemory(); // not enabled yet: nothing, and no error
let ref = new WeakRef({ big: new Array(1000).fill(1) });
enableExplicitGc();
await new Promise((r) => setTimeout(r, 0));
releaseMemory();
console.log(ref.deref() === undefined ? 'collected' : 'kept');
`;

test('releaseMemory runs a full collection once enabled (set up lazily, on its first call)', () => {
  assert.equal(run(probe), 'collected');
});
