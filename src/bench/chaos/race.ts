/**
 * Scenario 3, two servers racing for one registry: two `accrete serve` started in the same tick on
 * a registry nobody owns (free), on one whose owner was SIGKILLed and reaped (stale), on one whose
 * owner was SIGKILLed and is still a zombie because its parent never waits for it (zombie), and on
 * a registry that does not exist yet, both importing --model (fresh). Exactly one must come up; the
 * other must exit with the CONFLICT message. Every server that came up is then sent one feedback
 * event: two acknowledged writes in one try would be two writers. Apart from that, single restarts
 * right after a SIGKILL whose process is still a zombie must come up (never be refused).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { call } from '../../serve/testing.js';
import { log, max, median, notableLines } from './common.js';
import { procState, ServerProc } from '../../serve/serverProc.js';

export const RACE_MODES = ['free', 'stale', 'zombie', 'fresh'] as const;
export type RaceMode = (typeof RACE_MODES)[number];

export interface RaceTry {
  mode: RaceMode;
  up: number;
  /** Servers that acknowledged a feedback write. */
  writers: number;
  /** Refused with the CONFLICT message (exit status not 0, "another accrete serve ... uses the registry"). */
  conflicts: number;
  /** Exited for another reason: its last log line. */
  otherExits: string[];
  /** The dead owner was a zombie when the two started (zombie mode). */
  zombie: boolean | null;
  /** From the spawn to the URL of the server that came up. */
  upMs: number | null;
}

export interface RaceResult {
  tries: RaceTry[];
  byMode: Record<string, { tries: number; exactlyOne: number; doubleWriters: number; noneUp: number; otherExits: number }>;
  doubleWriters: number;
  noneUp: number;
  zombieRestarts: { tries: number; refused: number; zombieConfirmed: number; refusedLogs: string[] };
  upMs: { median: number | null; max: number | null };
  notable: string[];
  seconds: number;
}

const CONFLICT = /accrete serve: another accrete serve \(pid \d+.*\) uses the registry/;

/**
 * A server started, up, then SIGKILLed; `unreaped`: left a zombie. Returns it (the caller disposes
 * of it, which reaps it) and whether it was a zombie after the kill.
 */
async function killedOwner(registry: string, unreaped: boolean, logs: string[]): Promise<{ owner: ServerProc; zombie: boolean }> {
  const s = new ServerProc(['--registry', registry, '--no-drift'], {}, unreaped);
  const out = await s.outcome();
  if (!out.up) throw new Error(`the owner-to-be did not start:\n${s.log()}`);
  await s.kill9();
  await s.dead();
  const zombie = procState(await s.pid()) === 'Z';
  logs.push(s.log());
  return { owner: s, zombie };
}

export async function raceScenario(o: { dir: string; model: string; tries: number; zombieRestarts: number }): Promise<RaceResult> {
  const started = performance.now();
  const root = join(o.dir, 'race');
  mkdirSync(root, { recursive: true });
  const shared = join(root, 'shared', 'registry.db');
  const logs: string[] = [];
  // The shared registry, created and released.
  const first = new ServerProc(['--registry', shared, '--model', o.model, '--no-drift']);
  if (!(await first.outcome()).up) throw new Error(`cannot create the race registry:\n${first.log()}`);
  await first.stop();

  const tries: RaceTry[] = [];
  for (let i = 0; i < o.tries; i++) {
    const mode = RACE_MODES[i % RACE_MODES.length];
    const registry = mode === 'fresh' ? join(root, `fresh${i}`, 'registry.db') : shared;
    let zombie: boolean | null = null;
    let owner: ServerProc | null = null;
    if (mode === 'stale' || mode === 'zombie') {
      ({ owner, zombie } = await killedOwner(registry, mode === 'zombie', logs));
      if (mode === 'stale') {
        await owner.dispose(); // reaped
        zombie = null;
      }
    }
    const args = ['--registry', registry, '--no-drift', ...(mode === 'fresh' ? ['--model', o.model] : [])];
    const pair = [new ServerProc(args), new ServerProc(args)];
    const outs = await Promise.all(pair.map((s) => s.outcome()));
    let writers = 0;
    for (const [k, out] of outs.entries()) {
      if (!out.up) continue;
      const r = await call(out.url, 'POST', '/v1/feedback', { text: `race ${i} server ${k}`, label: 'noun.animal' }).catch(() => null);
      if (r?.status === 200) writers++;
    }
    const refused = pair.filter((_, k) => !outs[k].up);
    const t: RaceTry = {
      mode,
      up: outs.filter((x) => x.up).length,
      writers,
      conflicts: refused.filter((s) => CONFLICT.test(s.log())).length,
      otherExits: refused.filter((s) => !CONFLICT.test(s.log())).map((s) => s.log().trim().split('\n').slice(-2).join(' | ').slice(0, 400)),
      zombie,
      upMs: outs.find((x) => x.up)?.ms ?? null,
    };
    tries.push(t);
    logs.push(...pair.map((s) => s.log()));
    // Clean stops release the owner row, so the next free try finds the registry free.
    await Promise.all(pair.map((s) => (s.alive() ? s.stop() : s.dispose())));
    await owner?.dispose();
    log(`  race ${i + 1}/${o.tries} (${mode}${zombie ? ', owner a zombie' : ''}): ${t.up} up, ${t.writers} wrote, ${t.conflicts} refused with CONFLICT${t.otherExits.length ? `, OTHER EXIT: ${t.otherExits.join(' / ')}` : ''}`);
  }

  const zombieRestarts = { tries: 0, refused: 0, zombieConfirmed: 0, refusedLogs: [] as string[] };
  for (let i = 0; i < o.zombieRestarts; i++) {
    const { owner, zombie } = await killedOwner(shared, true, logs);
    const s = new ServerProc(['--registry', shared, '--no-drift']);
    const out = await s.outcome();
    zombieRestarts.tries++;
    if (zombie) zombieRestarts.zombieConfirmed++;
    if (!out.up) {
      zombieRestarts.refused++;
      zombieRestarts.refusedLogs.push(s.log().trim().slice(-400));
    }
    logs.push(s.log());
    await (s.alive() ? s.stop() : s.dispose());
    await owner.dispose();
    log(`  restart ${i + 1}/${o.zombieRestarts} right after kill -9, owner ${zombie ? 'a zombie' : 'gone'}: ${out.up ? 'up' : 'REFUSED'}`);
  }

  const byMode: RaceResult['byMode'] = {};
  for (const t of tries) {
    const m = (byMode[t.mode] ??= { tries: 0, exactlyOne: 0, doubleWriters: 0, noneUp: 0, otherExits: 0 });
    m.tries++;
    if (t.up === 1) m.exactlyOne++;
    if (t.up === 0) m.noneUp++;
    if (t.writers > 1 || t.up > 1) m.doubleWriters++;
    m.otherExits += t.otherExits.length;
  }
  const upMs = tries.flatMap((t) => (t.upMs === null ? [] : [t.upMs]));
  return {
    tries,
    byMode,
    doubleWriters: tries.filter((t) => t.writers > 1 || t.up > 1).length,
    noneUp: tries.filter((t) => t.up === 0).length,
    zombieRestarts,
    upMs: { median: median(upMs), max: max(upMs) },
    notable: notableLines(logs),
    seconds: (performance.now() - started) / 1000,
  };
}
