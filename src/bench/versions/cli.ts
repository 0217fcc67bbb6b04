/**
 * The CLI's side of `bench:versions`: bytes written and wall time of `accrete update` in place (10
 * and 100 new examples) against the model directory's bytes and `accrete predict` on an empty input
 * (loading alone); and loading a model of 20 patches against the same model compacted.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { runMeasured } from '../measure.js';
import { median } from '../table.js';
import { loadLearner, memoryAfterUpdate, memoryBefore, saveLearnerPatch } from '../../update/memory.js';
import { update } from '../../update/update.js';
import { readManifest } from '../../store/manifest.js';
import { bytesWrittenSince, filesOf, linkCopy, uniqueBytes, UPDATE_BODY, UPDATE_FLAGS, writeJsonl, type Setup } from './setup.js';

export interface UpdateRun {
  examples: number;
  accepted: boolean;
  /** `patch`, or `whole` (a compaction: reported apart). */
  savedAs: string | null;
  bytesWritten: number;
  endToEndMs: number;
  /** The update report's wallMs: the update's own work. */
  ownMs: number;
  /** The 1-minute load average when the run started (the machine is shared). */
  load?: number;
}

export interface CliResult {
  modelDirBytes: number;
  updates: UpdateRun[];
  predictEmptyMs: number[];
  /** The 1-minute load average when each `accrete predict` run started. */
  predictLoads?: number[];
  load: { patches: number; patchBytes: number; patchedMs: number[]; compactedMs: number[]; inProcessPatchedMs: number[]; inProcessCompactedMs: number[]; compactMs: number; deterministic: boolean };
}

/** `accrete update` in place on a fresh link copy of the base, measured from outside. */
async function updateRun(s: Setup, cli: string, n: number, from: number): Promise<UpdateRun> {
  const dir = join(s.work, `update-${n}`);
  linkCopy(s.base, dir);
  const data = join(s.work, `update-${n}.jsonl`);
  writeJsonl(data, s.pool.slice(from, from + n));
  const before = filesOf(dir);
  const load = loadavg()[0];
  const m = await runMeasured(process.execPath, [cli, 'update', '--model', dir, '--data', data, ...UPDATE_FLAGS, '--json', '--quiet'], { scratchDir: s.work });
  if (m.exitCode !== 0 && m.exitCode !== 3) throw new Error(`accrete update failed (exit ${m.exitCode}): ${m.stderr}`);
  const out = JSON.parse(m.stdout) as { accepted: boolean; saved: { as: string } | null; report: { wallMs: number } };
  const run = { examples: n, accepted: out.accepted, savedAs: out.saved?.as ?? null, bytesWritten: bytesWrittenSince(dir, before), endToEndMs: m.wallMs, ownMs: out.report.wallMs, load };
  rmSync(dir, { recursive: true, force: true });
  return run;
}

async function predictEmpty(cli: string, dir: string, scratch: string): Promise<number> {
  const m = await runMeasured(process.execPath, [cli, 'predict', '--model', dir], { stdinFile: '/dev/null', scratchDir: scratch });
  if (m.exitCode !== 0) throw new Error(`accrete predict failed (exit ${m.exitCode}): ${m.stderr}`);
  return m.wallMs;
}

/**
 * A model of `count` patches, each an update of 10 new examples (gate off), saved as the CLI saves
 * an update in place but never compacted (accrete update would fold them once they pass 25% of the
 * base: this measures what loading them costs).
 */
function patchedModel(s: Setup, dir: string, count: number, log: (s: string) => void): void {
  linkCopy(s.base, dir);
  const { model, memory } = loadLearner(dir);
  let made = 0;
  for (let i = 0; made < count && i < count * 3; i++) {
    const examples = s.pool.slice(200 + i * 10, 210 + i * 10);
    const was = memory ? memoryBefore(memory) : null;
    // Without the gate: after a few updates of the same new label, more of it is no gain beyond noise.
    const decision = update(model, examples, { ...UPDATE_BODY, memory, gate: false });
    if (!decision.accepted) continue;
    const kept = memoryAfterUpdate(model, memory, examples, {});
    if (!saveLearnerPatch(model, kept, decision.parent, was, dir)) throw new Error('the update could not be saved as a patch');
    made++;
    if (made % 5 === 0) log(`  ${made} patches`);
  }
  if (made < count) throw new Error(`only ${made} of ${count * 3} updates were accepted`);
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Runs the CLI measurements: `repeats` of each. */
export async function cliBench(s: Setup, cli: string, repeats: number, log: (s: string) => void): Promise<CliResult> {
  const modelDirBytes = uniqueBytes(s.base);
  const updates: UpdateRun[] = [];
  const predictEmptyMs: number[] = [];
  const predictLoads: number[] = [];
  await predictEmpty(cli, s.base, s.work); // warm the page cache
  // Alternated: each repeat runs an update of 10, one of 100, and loading alone, one after another.
  for (let r = 0; r < repeats; r++) {
    for (const n of [10, 100]) {
      log(`accrete update, ${n} new examples (${r + 1}/${repeats})`);
      updates.push(await updateRun(s, cli, n, r * 100));
    }
    predictLoads.push(loadavg()[0]);
    predictEmptyMs.push(await predictEmpty(cli, s.base, s.work));
  }

  const patches = 20;
  const patched = join(s.work, 'patched');
  log(`a model of ${patches} patches of 10-example updates`);
  patchedModel(s, patched, patches, log);
  const patchBytes = readManifest(patched)!.patches.reduce((n, p) => n + p.bytes, 0);
  const compacted = [join(s.work, 'compacted-1'), join(s.work, 'compacted-2')];
  let compactMs = 0;
  for (const c of compacted) {
    linkCopy(patched, c);
    const m = await runMeasured(process.execPath, [cli, 'compact', c, '--quiet'], { scratchDir: s.work });
    if (m.exitCode !== 0) throw new Error(`accrete compact failed: ${m.stderr}`);
    compactMs = m.wallMs;
  }
  const files = ['weights.safetensors', 'memory.safetensors', 'replay.json', 'guard.json', 'model.json'];
  const deterministic = files.every((f) => sha(join(compacted[0], f)) === sha(join(compacted[1], f)));
  const load = { patches, patchBytes, patchedMs: [] as number[], compactedMs: [] as number[], inProcessPatchedMs: [] as number[], inProcessCompactedMs: [] as number[], compactMs, deterministic };
  await predictEmpty(cli, patched, s.work);
  await predictEmpty(cli, compacted[0], s.work);
  for (let r = 0; r < Math.max(repeats, 3); r++) {
    log(`loading: ${patches} patches vs compacted (${r + 1})`);
    load.patchedMs.push(await predictEmpty(cli, patched, s.work));
    load.compactedMs.push(await predictEmpty(cli, compacted[0], s.work));
    for (const [dir, into] of [[patched, load.inProcessPatchedMs], [compacted[0], load.inProcessCompactedMs]] as const) {
      const t = performance.now();
      loadLearner(dir);
      into.push(performance.now() - t);
    }
  }
  for (const d of [patched, ...compacted]) rmSync(d, { recursive: true, force: true });
  return { modelDirBytes, updates, predictEmptyMs, predictLoads, load };
}

export const med = (xs: readonly number[]) => (xs.length ? median(xs) : NaN);
