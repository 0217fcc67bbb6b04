/** Test helpers: the built CLI run as a child process in a working directory. */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

export interface CliRunner {
  /** Runs `accrete ARGS` in the directory, with extra environment variables; any exit status. */
  accrete(args: string[], env?: Record<string, string>): SpawnSyncReturns<string>;
  /** Runs `accrete ARGS`, asserts exit 0 (with stderr in the message) and returns stdout. */
  ok(args: string[]): string;
}

export function cliRunner(cwd: string): CliRunner {
  const accrete = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
    if (r.error) throw r.error;
    return r;
  };
  const ok = (args: string[]) => {
    const r = accrete(args);
    assert.equal(r.status, 0, `accrete ${args.join(' ')}: ${r.stderr}\n${r.stdout.slice(0, 500)}`);
    return r.stdout;
  };
  return { accrete, ok };
}

/**
 * Runs `accrete ARGS` in `cwd` with ACCRETE_CRASH_AT=`point` until it reports reaching that point
 * on stderr, then kills it with SIGKILL (a crash there); resolves to the signal it ended by. Fails
 * when the command ends before the point.
 */
export async function killAtCrashPoint(cwd: string, args: string[], point: string): Promise<NodeJS.Signals | null> {
  const proc = spawn(process.execPath, [MAIN, ...args], { cwd, env: { ...process.env, ACCRETE_CRASH_AT: point }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<NodeJS.Signals | null>((done) => proc.on('exit', (_code, signal) => done(signal)));
  await new Promise<void>((reached, failed) => {
    proc.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.includes(`crash point: ${point}`)) reached();
    });
    proc.on('exit', () => failed(new Error(`accrete ${args.slice(0, 2).join(' ')} ended before ${point}: ${stderr}`)));
  });
  proc.kill('SIGKILL');
  return exited;
}
