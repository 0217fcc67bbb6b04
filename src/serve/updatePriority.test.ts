/**
 * The update worker's priority (accrete serve --update-priority): SCHED_IDLE by default, as the
 * kernel reports for the worker's thread in /proc; nice 10 with "low", or where chrt is missing
 * (logged); a wrong value is refused before the registry is touched. The registry thread runs at
 * nice 10 whatever the setting.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { statFields } from '../util/processLiveness.js';
import { call, MAIN, spawnServe, stop, tinyModel } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-update-priority-'));
before(async () => tinyModel(join(dir, 'base')));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Policy (0 other, 5 idle) and nice value of each thread of a process, from /proc. */
function threads(pid: number): { tid: number; policy: number; nice: number }[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    // Fields 19 (nice) and 41 (policy) of proc(5); a thread gone meanwhile has none.
    const f = statFields(`/proc/${pid}/task/${tid}/stat`);
    return f ? [{ tid: Number(tid), nice: Number(f[19 - 3]), policy: Number(f[41 - 3]) }] : [];
  });
}

const SCHED_IDLE = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The process's threads once one of them passes `test` (the worker sets its priority as it starts). */
async function once(pid: number, test: (t: { policy: number; nice: number }) => boolean): Promise<ReturnType<typeof threads>> {
  for (let i = 0; i < 200; i++) {
    const all = threads(pid);
    if (all.some(test)) return all;
    await sleep(50);
  }
  return threads(pid);
}

test('by default the update worker runs under SCHED_IDLE, quietly; the server thread keeps its priority', async () => {
  const s = await spawnServe(['--registry', join(dir, 'idle', 'registry.db'), '--model', join(dir, 'base'), '--no-drift']);
  try {
    const all = await once(s.proc.pid!, (t) => t.policy === SCHED_IDLE);
    assert.equal(all.filter((t) => t.policy === SCHED_IDLE).length, 1, JSON.stringify(all));
    assert.deepEqual(all.find((t) => t.tid === s.proc.pid), { tid: s.proc.pid, nice: 0, policy: 0 }, "the server's own thread");
    assert.doesNotMatch(s.log(), /update worker:/);
    // The registry thread (started by its first call, a count for the stats) runs at nice 10.
    assert.equal((await call(s.url, 'GET', '/v1/stats', undefined, false)).status, 200);
    const later = await once(s.proc.pid!, (t) => t.nice === 10 && t.policy === 0);
    assert.equal(later.filter((t) => t.nice === 10 && t.policy === 0).length, 1, JSON.stringify(later));
  } finally {
    await stop(s);
  }
});

test('--update-priority low: nice 10, no thread under SCHED_IDLE', async () => {
  const s = await spawnServe(['--registry', join(dir, 'low', 'registry.db'), '--model', join(dir, 'base'), '--no-drift', '--update-priority', 'low']);
  try {
    const all = await once(s.proc.pid!, (t) => t.nice === 10);
    assert.ok(all.filter((t) => t.nice === 10).length >= 1, JSON.stringify(all));
    assert.equal(all.filter((t) => t.policy === SCHED_IDLE).length, 0, JSON.stringify(all));
    assert.doesNotMatch(s.log(), /update worker:/);
  } finally {
    await stop(s);
  }
});

test('without chrt on the PATH, idle falls back to nice 10 and the log says why', async () => {
  const s = await spawnServe(['--registry', join(dir, 'nochrt', 'registry.db'), '--model', join(dir, 'base'), '--no-drift'], { PATH: join(dir, 'empty-path') });
  try {
    await s.waitFor(/update worker: /);
    assert.match(s.log(), /update worker: asked for priority idle, got low \(nice 10; SCHED_IDLE unavailable: chrt: spawnSync chrt ENOENT\)/);
    const all = threads(s.proc.pid!);
    assert.equal(all.filter((t) => t.policy === SCHED_IDLE).length, 0, JSON.stringify(all));
    assert.ok(all.filter((t) => t.nice === 10).length >= 1, JSON.stringify(all));
  } finally {
    await stop(s);
  }
});
test('--update-priority with a wrong value: exit 2 naming the choices, no registry made', async () => {
  const reg = join(dir, 'wrong', 'registry.db');
  const proc = spawn(process.execPath, [MAIN, 'serve', '--registry', reg, '--model', join(dir, 'base'), '--port', '0', '--update-priority', 'fast'], { env: { ...process.env, ACCRETE_TOKEN: 'test-token-0123456789' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d));
  const status = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  assert.equal(status, 2, stderr);
  assert.match(stderr, /--update-priority must be one of idle, low, normal \(got "fast"\)/);
  assert.equal(existsSync(join(dir, 'wrong')), false);
});
