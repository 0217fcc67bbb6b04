/**
 * `accrete serve` checks its configuration before it touches the registry: a short ACCRETE_TOKEN
 * or a port in use is wrong usage (exit 2) and leaves no registry behind.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN, tinyModel } from '../serve/testing.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-serve-start-'));
before(async () => tinyModel(join(dir, 'base')));
after(() => rmSync(dir, { recursive: true, force: true }));

function serve(args: string[], token: string): Promise<{ status: number | null; stderr: string }> {
  const proc = spawn(process.execPath, [MAIN, 'serve', '--model', join(dir, 'base'), ...args], { env: { ...process.env, ACCRETE_TOKEN: token }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => proc.on('exit', (status) => (clearTimeout(timer), resolve({ status, stderr }))));
}

test('a short ACCRETE_TOKEN: exit 2 with the minimum length, before --model is imported', async () => {
  const reg = join(dir, 'short', 'registry.db');
  const r = await serve(['--registry', reg, '--port', '0'], 'tok');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /ACCRETE_TOKEN must be at least 8 characters long \(it has 3\)/);
  assert.doesNotMatch(r.stderr, /cannot listen|imported \S+ as v1/);
  assert.equal(existsSync(join(dir, 'short')), false, 'the registry was not created');
});

test('a port in use: exit 2, before --model is imported', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as { port: number }).port;
  try {
    const reg = join(dir, 'busy', 'registry.db');
    const r = await serve(['--registry', reg, '--port', String(port)], 'test-token-0123456789');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use; choose another --port`));
    assert.doesNotMatch(r.stderr, /imported \S+ as v1/);
    assert.equal(existsSync(join(dir, 'busy')), false, 'the registry was not created');
  } finally {
    busy.close();
  }
});

test('a bad --gate-policy or --new-share: exit 2 naming the valid values, before --model is imported', async () => {
  for (const [flag, value, message] of [
    ['--gate-policy', 'strict', /--gate-policy must be one of weighted, guard, got strict/],
    ['--new-share', '1.5', /--new-share/],
  ] as const) {
    const reg = join(dir, 'gate', 'registry.db');
    const r = await serve(['--registry', reg, '--port', '0', flag, value], 'test-token-0123456789');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(existsSync(join(dir, 'gate')), false, 'the registry was not created');
  }
});
