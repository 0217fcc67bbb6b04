/**
 * Scenario 1, kill -9 under load: a server on one registry with --update-every (updates run by
 * themselves), feedback clients sending without pause, an operator calling update, activate and
 * rollback; the server is SIGKILLed at a random moment (or a random delay after an update or an
 * activation it was just sent), restarted on the same registry, and so on. Each restart: time from
 * its spawn to the first 200 on /v1/health, what recovery reported, and no claim left that no
 * running job holds. At the end, a clean stop and the registry checked read-only.
 */
import { join } from 'node:path';
import { call } from '../../serve/testing.js';
import { Rng } from '../../util/rng.js';
import { FeedbackLoad, byStatus } from './clients.js';
import { firstHealthy, log, max, median, notableLines, sleep } from './common.js';
import { Operator } from './ops.js';
import { ServerProc } from '../../serve/serverProc.js';
import { checkRegistry, maxJobId, readRegistry, staleClaims, type RegistryCheck } from './registryCheck.js';

type Aim = 'random' | 'update' | 'activate';

export interface KillRecord {
  aim: Aim;
  /** ms from the server's start (random) or from the targeted call (update, activate) to the kill. */
  delayMs: number;
  /** The targeted call had not been answered when the server died. */
  inFlight: boolean | null;
}

export interface RestartRecord {
  recoveryMs: number;
  interruptedJobs: number;
  releasedEvents: number;
  removedFiles: number;
  staleJobs: number;
  orphanClaims: number;
  /** The version the restarted server serves is not the registry's active one. */
  activeMismatch: string | null;
}

export interface KillsResult {
  kills: KillRecord[];
  restarts: RestartRecord[];
  /** Starts that did not come up (each one a bug: the registry's last owner is dead). */
  refusedRestarts: string[];
  acknowledged: number;
  feedbackStatuses: Record<string, number>;
  opStatuses: Operator['statuses'];
  serverErrors: string[];
  check: RegistryCheck;
  recoveryMs: { median: number | null; max: number | null };
  killsDuringUpdate: number;
  killsBeforeCommit: number;
  notable: string[];
  seconds: number;
}

export async function killScenario(o: { dir: string; model: string; examples: { text: string; label: string }[]; kills: number; seed: number }): Promise<KillsResult> {
  const started = performance.now();
  const registry = join(o.dir, 'kills', 'registry.db');
  const rng = new Rng(o.seed);
  let url: string | null = null;
  const load = new FeedbackLoad(() => url, o.examples, 6, o.seed);
  const operator = new Operator(() => url, new Rng(o.seed + 1));
  const kills: KillRecord[] = [];
  const restarts: RestartRecord[] = [];
  const refusedRestarts: string[] = [];
  const logs: string[] = [];
  load.start();
  operator.start();
  const AIMS: Aim[] = ['random', 'update', 'activate'];
  let server: ServerProc | null = null;
  try {
    for (let i = 0; i <= o.kills; i++) {
      const jobsBefore = i === 0 ? 0 : maxJobId(registry);
      server = new ServerProc(['--registry', registry, '--model', o.model, '--no-drift', '--update-every', '40']);
      const out = await server.outcome();
      if (!out.up) {
        refusedRestarts.push(server.log().trim().split('\n').slice(-3).join(' | '));
        logs.push(server.log());
        await server.dispose();
        log(`  start ${i}: did not come up: ${refusedRestarts.at(-1)}`);
        continue;
      }
      const healthy = await firstHealthy(out.url);
      const text = server.log();
      const recovered = /update job\(s\) ([\d, ]+) were interrupted; their (\d+) feedback/.exec(text);
      const removed = /removed unrecorded files (.*)$/m.exec(text);
      const stale = i === 0 ? { staleJobs: 0, orphanClaims: 0 } : staleClaims(registry, jobsBefore);
      const serving = (await call(out.url, 'GET', '/v1/health', undefined, false)).json?.version as string | undefined;
      const active = readRegistry(registry, (db) => (db.prepare(`SELECT value FROM meta WHERE key = 'active'`).get() as { value: string } | undefined)?.value);
      const activeMismatch = serving === active ? null : `serving ${serving}, registry's active ${active}`;
      if (i > 0) {
        restarts.push({
          recoveryMs: healthy - server.startedAt,
          interruptedJobs: recovered ? recovered[1].split(',').length : 0,
          releasedEvents: recovered ? Number(recovered[2]) : 0,
          removedFiles: removed ? removed[1].split(',').length : 0,
          ...stale,
          activeMismatch,
        });
      }
      url = out.url;
      if (i === o.kills) break; // the last start is stopped cleanly below
      const aim = AIMS[i % AIMS.length];
      let record: KillRecord;
      if (aim === 'random') {
        const delay = rng.uniform(300, 3000);
        await sleep(delay);
        record = { aim, delayMs: Math.round(delay), inFlight: null };
      } else {
        await sleep(rng.uniform(200, 1000));
        let answered = false;
        void operator.once(aim, url).then(() => (answered = true));
        const delay = rng.uniform(0, 1500);
        await sleep(delay);
        record = { aim, delayMs: Math.round(delay), inFlight: !answered };
      }
      url = null;
      await server.kill9();
      await server.dead();
      logs.push(server.log());
      await server.dispose();
      kills.push(record);
      log(`  kill ${kills.length}/${o.kills} (${record.aim}, ${record.delayMs} ms${record.inFlight === null ? '' : record.inFlight ? ', in flight' : ', answered'}); ${load.acked.length} events acknowledged so far`);
    }
    await sleep(1000);
    await load.stop();
    await operator.stop();
    url = null;
    if (server) {
      await server.stop();
      logs.push(server.log());
    }
  } finally {
    url = null;
    await load.stop();
    await operator.stop();
    await server?.dispose();
  }
  const check = checkRegistry(registry, load.acked);
  const recovery = restarts.map((r) => r.recoveryMs);
  return {
    kills,
    restarts,
    refusedRestarts,
    acknowledged: load.acked.length,
    feedbackStatuses: byStatus(load.answers),
    opStatuses: operator.statuses,
    serverErrors: operator.serverErrors,
    check,
    recoveryMs: { median: median(recovery), max: max(recovery) },
    killsDuringUpdate: restarts.filter((r) => r.interruptedJobs > 0).length,
    killsBeforeCommit: restarts.filter((r) => r.removedFiles > 0).length,
    notable: notableLines(logs),
    seconds: (performance.now() - started) / 1000,
  };
}
