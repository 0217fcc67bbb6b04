/** The chaos benchmark's results as Markdown (bench/results/chaos.md) and the verdict on each invariant. */
import type { Machine } from '../machine.js';
import type { FaultsResult } from './faults.js';
import type { KillsResult } from './kills.js';
import type { RaceResult } from './race.js';
import type { RegistryCheck } from './registryCheck.js';

export interface ChaosResult {
  machine: Machine;
  quick: boolean;
  seed: number;
  kills: KillsResult;
  faults: FaultsResult;
  race: RaceResult;
  fuzz: string;
}

const serverErrors = (statuses: Record<string, number>) => Object.entries(statuses).filter(([s]) => Number(s) >= 500 && s !== '503').reduce((n, [, c]) => n + c, 0);
const ms = (x: number | null) => (x === null ? '-' : `${Math.round(x)}`);
const statuses = (s: Record<string, number>) =>
  Object.entries(s)
    .map(([k, v]) => `${k === '0' ? 'conn. error' : k}: ${v}`)
    .join(', ') || '-';

function checkProblems(c: RegistryCheck): string[] {
  const p: string[] = [];
  if (c.integrity !== 'ok') p.push(`integrity_check: ${c.integrity}`);
  if (c.lost > 0) p.push(`${c.lost} acknowledged event(s) lost (ids ${c.lostIds.join(', ')})`);
  if (c.duplicateAcks > 0) p.push(`${c.duplicateAcks} id(s) acknowledged twice`);
  if (c.orphanClaims > 0) p.push(`${c.orphanClaims} event(s) claimed by no running job`);
  if (c.runningJobs.length > 0) p.push(`job(s) ${c.runningJobs.join(', ')} still 'running' after a clean stop`);
  if ((c.states.claimed ?? 0) > 0) p.push(`${c.states.claimed} event(s) still claimed after a clean stop`);
  for (const v of c.badVersions) p.push(`version ${v} does not load as recorded`);
  return p;
}

/** Every broken invariant, one line each; empty when all held. */
export function problems(r: ChaosResult): string[] {
  const p: string[] = [];
  const k = r.kills;
  p.push(...checkProblems(k.check).map((x) => `kill -9: ${x}`));
  if (k.refusedRestarts.length) p.push(`kill -9: ${k.refusedRestarts.length} restart(s) did not come up: ${k.refusedRestarts[0]}`);
  const stale = k.restarts.filter((x) => x.staleJobs > 0 || x.orphanClaims > 0).length;
  if (stale) p.push(`kill -9: ${stale} restart(s) left a job running or events claimed from before the crash`);
  for (const x of k.restarts) if (x.activeMismatch) p.push(`kill -9: a restart serves another version than the registry's active one: ${x.activeMismatch}`);
  const k500 = serverErrors(k.feedbackStatuses) + Object.values(k.opStatuses).reduce((n, s) => n + serverErrors(s), 0);
  if (k500) p.push(`kill -9: ${k500} answer(s) with a 5xx other than 503: ${k.serverErrors.slice(0, 3).join(' / ')}`);
  const f = r.faults;
  p.push(...checkProblems(f.check).map((x) => `storage faults: ${x}`));
  for (const x of f.faults) {
    if (x.serverErrors) p.push(`storage faults (${x.fault}): ${x.serverErrors} answer(s) with a 5xx other than 503`);
    if (x.withoutRetryAfter) p.push(`storage faults (${x.fault}): ${x.withoutRetryAfter} 503 answer(s) without Retry-After`);
    if (x.recoveryMs === null) p.push(`storage faults (${x.fault}): no feedback acknowledged after the fault cleared`);
    if (x.logLines < 1 || x.logLines > 2) p.push(`storage faults (${x.fault}): ${x.logLines} log line(s) about it in ${x.seconds} s (1 expected)`);
  }
  if (serverErrors(f.feedbackStatuses)) p.push(`storage faults: ${serverErrors(f.feedbackStatuses)} feedback answer(s) with a 5xx other than 503`);
  if ((f.check.states.quarantined ?? 0) > 0) p.push(`storage faults: ${f.check.states.quarantined} event(s) quarantined (storage faults are not the data's fault)`);
  if (f.updateAfter.status !== 200) p.push(`storage faults: POST /v1/update after the faults answered ${f.updateAfter.status}`);
  const q = r.race;
  if (q.doubleWriters) p.push(`race: ${q.doubleWriters} tr(ies) with two servers up or two writers`);
  if (q.noneUp) p.push(`race: ${q.noneUp} tr(ies) where neither server came up`);
  const other = q.tries.flatMap((t) => t.otherExits);
  if (other.length) p.push(`race: ${other.length} server(s) exited without the CONFLICT message: ${other[0]}`);
  if (q.zombieRestarts.refused) p.push(`race: ${q.zombieRestarts.refused} restart(s) right after kill -9 refused: ${q.zombieRestarts.refusedLogs[0]}`);
  return p;
}

export function render(r: ChaosResult): string {
  const m = r.machine;
  const k = r.kills;
  const f = r.faults;
  const q = r.race;
  const faultRecovery = f.faults.flatMap((x) => (x.recoveryMs === null ? [] : [x.recoveryMs]));
  const aims = (aim: string) => k.kills.filter((x) => x.aim === aim);
  const broken = problems(r);
  const pending = (c: RegistryCheck) => c.states.pending ?? 0;
  return `# accrete serve under chaos${r.quick ? ' (--quick)' : ''}

${m.date}, ${m.cpu}, ${m.nproc} cores, Node ${m.node}, accrete ${m.accrete}; load average at start ${m.loadAverage.toFixed(2)} (a shared machine: timings are noisy).
\`npm run bench:chaos\`${r.quick ? ' -- --quick' : ''}, seed ${r.seed}. Model: the tests' tiny WordNet model (3 labels, dim 16). Every scenario runs real \`accrete serve\` processes
on loopback; the registry is checked afterwards, opened read-only.

| scenario | runs | acknowledged events | events lost | left pending | double writers seen | recovery ms (median / max) | 5xx other than 503 |
|---|---|---|---|---|---|---|---|
| kill -9 during updates, activations and feedback | ${k.kills.length} kills | ${k.acknowledged} | **${k.check.lost}** | ${pending(k.check)} | - | ${ms(k.recoveryMs.median)} / ${ms(k.recoveryMs.max)} (spawn to first 200 on /v1/health) | ${serverErrors(k.feedbackStatuses) + Object.values(k.opStatuses).reduce((n, s) => n + serverErrors(s), 0)} |
| full disk, read-only, I/O error mid-load | ${f.faults.length} faults of ${f.faults[0]?.seconds ?? 0} s | ${f.acknowledged} | **${f.check.lost}** | ${pending(f.check)} | - | ${ms(Math.min(...faultRecovery))} / ${ms(Math.max(...faultRecovery))} (clearing to first 200 on feedback) | ${serverErrors(f.feedbackStatuses)} |
| two servers racing on one registry | ${q.tries.length} tries + ${q.zombieRestarts.tries} restarts | ${q.tries.reduce((n, t) => n + t.writers, 0)} | - | - | **${q.doubleWriters}** | ${ms(q.upMs.median)} / ${ms(q.upMs.max)} (spawn to URL of the winner) | - |

${broken.length === 0 ? '**Every invariant held.**' : `**Broken invariants:**\n\n${broken.map((x) => `- ${x}`).join('\n')}`}

## 1. kill -9 at random points

${k.kills.length} SIGKILLs (${aims('random').length} at a random moment 0.3-3 s after the start, ${aims('update').length} 0-1.5 s after POST /v1/update, ${aims('activate').length} 0-1.5 s after an activation or rollback; ${k.kills.filter((x) => x.inFlight).length} of the targeted calls were still in flight) while 6 clients sent feedback without pause
and the server ran \`--update-every 40\`; each restart on the same registry. ${k.seconds.toFixed(0)} s.

- Restarts that found an interrupted update: ${k.killsDuringUpdate} (claims given back: ${k.restarts.reduce((n, x) => n + x.releasedEvents, 0)}, an event counted once per interrupted job that held it); that removed unrecorded version files (killed between save and commit): ${k.killsBeforeCommit}; restarts refused: ${k.refusedRestarts.length}.
- After each restart: jobs from before the crash still running ${k.restarts.reduce((n, x) => n + x.staleJobs, 0)}, events claimed by no running job ${k.restarts.reduce((n, x) => n + x.orphanClaims, 0)}, restarts serving another version than the registry's active one ${k.restarts.filter((x) => x.activeMismatch).length}.
- Registry at the end (after a clean stop): integrity_check ${k.check.integrity}; ${k.check.stored} events stored: ${statuses(k.check.states)}; jobs ${statuses(k.check.jobs)}; ${k.check.versions} versions, ${k.check.badVersions.length} not loading with their recorded checksum; active ${k.check.active}.
- Feedback answers: ${statuses(k.feedbackStatuses)}. Operator answers (409 to an update: an automatic one was running; to a rollback: no parent): update ${statuses(k.opStatuses.update)}; activate ${statuses(k.opStatuses.activate)}; rollback ${statuses(k.opStatuses.rollback)}.

## 2. Storage faults mid-load (ACCRETE_FAULT_FILE)

6 clients sending feedback without pause, \`--update-every 40\`; each fault set for ${f.faults[0]?.seconds ?? 0} s, then cleared. ${f.seconds.toFixed(0)} s.

| fault | answers to feedback sent during the fault | 503 without Retry-After | 5xx other than 503 | clearing to first 200 (ms) | log lines about it |
|---|---|---|---|---|---|
${f.faults.map((x) => `| ${x.fault} | ${statuses(x.statuses)} | ${x.withoutRetryAfter} | ${x.serverErrors} | ${ms(x.recoveryMs)} | ${x.logLines} |`).join('\n')}

- Registry at the end: integrity_check ${f.check.integrity}; ${f.check.stored} events stored: ${statuses(f.check.states)}; jobs ${statuses(f.check.jobs)}; ${f.check.badVersions.length} versions not loading as recorded.
- POST /v1/update after the faults: ${f.updateAfter.status}${f.updateAfter.accepted === null ? '' : f.updateAfter.accepted ? ' (accepted)' : ' (rejected by the gate)'}.

## 3. Two servers racing on one registry

| start | tries | exactly one up | none up | double writers | exits without the CONFLICT message |
|---|---|---|---|---|---|
${Object.entries(q.byMode)
  .map(([mode, x]) => `| ${MODE_NAMES[mode] ?? mode} | ${x.tries} | ${x.exactlyOne} | ${x.noneUp} | ${x.doubleWriters} | ${x.otherExits} |`)
  .join('\n')}

- Single restarts right after kill -9, the dead owner unreaped: ${q.zombieRestarts.tries} (owner confirmed a zombie in ${q.zombieRestarts.zombieConfirmed}), refused: **${q.zombieRestarts.refused}**.
- ${q.seconds.toFixed(0)} s.
${notable(r)}
## Fuzz

${r.fuzz}
`;
}

const MODE_NAMES: Record<string, string> = {
  free: 'both at once, registry free',
  stale: 'both at once after the owner was SIGKILLed and reaped',
  zombie: 'both at once after the owner was SIGKILLed, still a zombie',
  fresh: 'both at once on a new registry, both importing --model',
};

function notable(r: ChaosResult): string {
  const lines = [...r.kills.notable.map((l) => `kill -9: ${l}`), ...r.faults.notable.map((l) => `faults: ${l}`), ...r.race.notable.map((l) => `race: ${l}`)];
  return lines.length === 0 ? '' : `\n## Server log lines worth a look\n\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n`;
}
