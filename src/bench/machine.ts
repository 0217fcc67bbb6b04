/** The machine a benchmark ran on, for the results' header: numbers mean little without it. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  fastText: string;
  /** The Accrete commit benchmarked, and whether the working tree had uncommitted changes. */
  accrete: string;
  /** 1-minute load average when the benchmark started: other work on the machine skews timings. */
  loadAverage: number;
  date: string;
  /** Wall time of `node -e 0` (median of 5): the floor under every timing of Accrete's CLI. */
  nodeStartMs: number;
  /** The same without NODE_EXTRA_CA_CERTS, when the environment sets it (Node then reads that CA bundle at start). */
  nodeStartWithoutExtraCaMs?: number;
}

/** Median wall time of starting Node and exiting at once, in `env`. */
function nodeStartMs(env: NodeJS.ProcessEnv): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0'], { env, stdio: 'ignore' });
    times.push(performance.now() - t);
  }
  return Math.round(times.sort((a, b) => a - b)[2]);
}

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** fastText has no --version flag; ask the package manager that installed it. */
function fastTextVersion(): string {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'fasttext'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '' ? `${r.stdout.trim()} (Debian package)` : 'unknown';
}

function accreteVersion(repoRoot: string): string {
  const head = spawnSync('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['-C', repoRoot, 'status', '--porcelain', '--untracked-files=no', '--', 'src'], { encoding: 'utf8' });
  return `commit ${head.stdout.trim()}${dirty.stdout.trim() !== '' ? ' with uncommitted changes in src/' : ''}`;
}

export function describeMachine(repoRoot: string): Machine {
  return {
    nproc: availableParallelism(),
    cpu: cpuModel(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    fastText: fastTextVersion(),
    accrete: accreteVersion(repoRoot),
    loadAverage: Math.round(loadavg()[0] * 100) / 100,
    date: new Date().toISOString(),
    nodeStartMs: nodeStartMs(process.env),
    ...(process.env.NODE_EXTRA_CA_CERTS ? { nodeStartWithoutExtraCaMs: nodeStartMs({ ...process.env, NODE_EXTRA_CA_CERTS: undefined }) } : {}),
  };
}
