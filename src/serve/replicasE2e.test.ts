/**
 * The end-to-end check, with `accrete serve` processes on one private PostgreSQL 15: the
 * updater killed with SIGKILL during an update (another replica takes the lock, the interrupted
 * job's feedback is pending again, the next update succeeds), then PostgreSQL stopped with
 * `pg_ctl stop -m immediate` under feedback load (503 with Retry-After meanwhile, predictions go
 * on; after the restart every acknowledged event is in the database and the replicas take
 * feedback again without a restart). Also: a wrong connection string and a newer schema stop
 * `serve` with exit 2 and a message.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { newPool } from '../registry/postgres/connect.js';
import { postgresOrSkip } from '../testing/postgres.js';
import { LogTail } from '../testing/logTail.js';
import { call, kill, MAIN, plantTexts, spawnServe, stop, tinyModel, TOKEN, type Spawned } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-replicas-e2e-'));
before(async () => tinyModel(join(dir, 'base'), 200_000));
after(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What each spawned server said (its last 200 lines of stderr, where `accrete serve` logs, and of
 * stdout when piped) and whether it ended, stamped with the seconds since the test began, for the
 * diagnostics of a failed test.
 */
function serverLogs(t0 = Date.now()) {
  const stamp = () => `[+${((Date.now() - t0) / 1000).toFixed(2)} s] `;
  const servers: { name: string; tails: [string, LogTail][]; ended: string | null }[] = [];
  return {
    keep(name: string, s: Spawned): void {
      const entry = { name, tails: [] as [string, LogTail][], ended: null as string | null };
      for (const [label, stream] of [['stderr', s.proc.stderr], ['stdout', s.proc.stdout]] as const) {
        if (!stream) continue;
        const tail = new LogTail(200, stamp);
        // What it said before this listener: its start-up, up to the line that it listens.
        if (label === 'stderr') tail.push(s.log());
        stream.on('data', (d: Buffer) => tail.push(d.toString()));
        entry.tails.push([label, tail]);
      }
      const end = (code: number | null, signal: string | null) => (entry.ended = `${stamp()}exited (code ${code}, signal ${signal})`);
      if (s.proc.exitCode !== null || s.proc.signalCode !== null) end(s.proc.exitCode, s.proc.signalCode);
      else s.proc.on('exit', end);
      servers.push(entry);
    },
    /** How server `name` ended; null while it runs. */
    ended(name: string): string | null {
      return servers.find((e) => e.name === name)?.ended ?? null;
    },
    lines(): string[] {
      return servers.flatMap((e) => [
        `server ${e.name}: ${e.ended ?? 'still running'}`,
        ...(e.tails.length === 0 ? [`server ${e.name}: no output was captured`] : e.tails.flatMap(([label, tail]) => [`server ${e.name} ${label}:`, ...tail.lines().map((l) => `  ${e.name} | ${l}`)])),
      ]);
    },
  };
}

test('serve on PostgreSQL: a wrong connection string or a newer schema stops it with exit 2 and a message; so does a missing ACCRETE_TOKEN', async (t) => {
  const pg = await postgresOrSkip(t);
  if (!pg) return;
  const run = (args: string[], env: Record<string, string> = { ACCRETE_TOKEN: TOKEN }) => spawnSync(process.execPath, [MAIN, 'serve', '--port', '0', '--cache', join(dir, 'cache-bad'), ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  const refused = run(['--registry', `postgres://postgres@127.0.0.1:${pg.port}/nosuchdb`]);
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /cannot connect to the registry database postgres:\/\/postgres@127\.0\.0\.1:\d+\/nosuchdb: no such database/);
  const url = pg.createDatabase('newer');
  const pool = newPool(url);
  await pool.query(`CREATE TABLE accrete_meta (key text PRIMARY KEY, value text NOT NULL)`);
  await pool.query(`INSERT INTO accrete_meta VALUES ('schema_version', '7'), ('min_reader', '5'), ('registry_id', 'x')`);
  await pool.end();
  const newer = run(['--registry', url, '--model', join(dir, 'base')]);
  assert.equal(newer.status, 2, newer.stderr);
  assert.match(newer.stderr, /has schema version 7, which needs an Accrete that reads schema 5 or newer \(this one reads 1\); upgrade accrete/);
  const noToken = run(['--registry', url], { ACCRETE_TOKEN: '' });
  assert.equal(noToken.status, 2);
  assert.match(noToken.stderr, /set ACCRETE_TOKEN, the same on every replica/);
});

test('kill -9 of the updater during an update, then PostgreSQL stopped (immediate) under feedback load: nothing acknowledged is lost, and the replicas recover without a restart', async (t) => {
  const pg = await postgresOrSkip(t);
  if (!pg) return;
  const logs = serverLogs();
  try {
    const url = pg.createDatabase('e2e');
    const procs: Spawned[] = [];
    t.after(async () => {
      for (const p of procs) await stop(p).catch(() => undefined);
    });
    const serve = async (name: string, role: string, extra: string[] = [], env: Record<string, string> = {}) => {
      const p = await spawnServe(['--registry', url, '--cache', join(dir, name), '--role', role, '--no-drift', ...extra], env);
      procs.push(p);
      logs.keep(name, p);
      return p;
    };
    // The first updater holds every update at its first round, to be killed there.
    const a = await serve('a', 'both', ['--model', join(dir, 'base')], { ACCRETE_TEST_PAUSE: 'update' });
    const b = await serve('b', 'both');
    const c = await serve('c', 'serve');
    const texts = plantTexts(12).slice(1);
    for (const [i, r] of [a, b, c].entries()) {
      const fed = await call(r.url, 'POST', '/v1/feedback', { examples: texts.slice(i * 2, i * 2 + 2).map((text) => ({ text, label: 'noun.plant' })) });
      assert.equal(fed.status, 200, fed.text);
    }
    const pool = newPool(url);
    t.after(() => pool.end());
    const states = async () => Object.fromEntries((await pool.query<{ state: string; n: string }>('SELECT state, count(*) AS n FROM accrete_feedback GROUP BY state')).rows.map((r) => [r.state, Number(r.n)]));

    // The update runs on a (the updater), which is killed while it holds it.
    void call(a.url, 'POST', '/v1/update', {}, true, {}, 60_000).catch(() => undefined);
    await a.waitFor(/test pause: update/);
    assert.deepEqual(await states(), { claimed: 6 });
    await kill(a);
    // b takes the lock at its next check and gives the job's events back.
    await b.waitFor(/holds the updater lock/, 15_000);
    await b.waitFor(/were interrupted; their 6 feedback event\(s\) are pending again/, 15_000);
    assert.deepEqual(await states(), { pending: 6 });
    const up = await call(c.url, 'POST', '/v1/update', {}, true, {}, 60_000);
    assert.equal(up.status, 200, up.text);
    assert.equal(up.json.job, 2);
    assert.equal(up.json.report.data.new, 6, 'the next update learns the interrupted job\'s events');
    const jobs = (await pool.query<{ id: string; state: string }>('SELECT id, state FROM accrete_jobs ORDER BY id')).rows.map((r) => `${r.id}:${r.state}`);
    assert.deepEqual(jobs, ['1:interrupted', `2:${up.json.accepted ? 'accepted' : 'rejected'}`]);

    // Feedback load on b and c while PostgreSQL stops at once and comes back.
    const acked: number[] = [];
    const refusals: { status: number; retryAfter: string | undefined; code: string }[] = [];
    let predictionsDuringOutage = 0;
    let running = true;
    let down = false;
    const client = async (r: Spawned, k: number) => {
      for (let i = 0; running; i++) {
        const res = await call(r.url, 'POST', '/v1/feedback', { text: `load ${k} ${i} a small green plant`, label: 'noun.plant' }).catch(() => null);
        if (res?.status === 200) acked.push(...(res.json.ids as number[]));
        else if (res) refusals.push({ status: res.status, retryAfter: res.headers['retry-after'], code: res.json?.error?.code });
        if (down && (await call(r.url, 'POST', '/v1/predict', { text: 'a young wolf' }, false).catch(() => null))?.status === 200) predictionsDuringOutage++;
      }
    };
    const load = Array.from({ length: 8 }, (_, k) => client(k % 2 ? b : c, k));
    await sleep(500);
    pg.stop('immediate');
    down = true;
    // At least 2 s down, and (on a loaded machine) until the clients have met it: a refusal and an
    // answered prediction, within 20 s (the asserts below then say which never came).
    const downAt = Date.now();
    await sleep(2000);
    while ((refusals.length === 0 || predictionsDuringOutage === 0) && Date.now() - downAt < 20_000) await sleep(100);
    down = false;
    pg.restart();
    // The replicas take feedback again without a restart.
    const t0 = Date.now();
    const ackedBefore = acked.length;
    while (acked.length === ackedBefore && Date.now() - t0 < 20_000) await sleep(100);
    await sleep(500);
    running = false;
    await Promise.all(load);
    // No replica died on the way (a was killed on purpose): a dead one refuses every call from here on.
    for (const name of ['b', 'c']) assert.equal(logs.ended(name), null, `replica ${name} stopped during the outage (its log is in the diagnostics)`);
    assert.ok(refusals.length > 0, 'some feedback met the outage');
    for (const r of refusals) {
      assert.equal(r.status, 503, JSON.stringify(r));
      assert.equal(r.code, 'STORAGE');
      assert.ok(r.retryAfter && Number(r.retryAfter) > 0, 'with Retry-After');
    }
    assert.ok(predictionsDuringOutage > 0, 'predictions went on from memory');
    assert.ok(acked.length > ackedBefore, `feedback is taken again after the restart (in ${Date.now() - t0} ms)`);
    const stored = new Set((await pool.query<{ id: string }>('SELECT id FROM accrete_feedback WHERE id = ANY($1)', [acked])).rows.map((r) => Number(r.id)));
    const lost = acked.filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], `${acked.length} events acknowledged; every one is in the database`);
    // b (the updater now) still runs updates after the outage.
    const after = await call(b.url, 'POST', '/v1/update', {}, true, {}, 60_000);
    assert.equal(after.status, 200, after.text);
  } catch (err) {
    // The next failure explains itself: what each server said last, and whether it ended.
    for (const line of logs.lines()) t.diagnostic(line);
    throw err;
  }
});
