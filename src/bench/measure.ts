/**
 * Running one child process and measuring it: wall time from spawn to exit, and peak resident set
 * size. The peak comes from GNU time (`/usr/bin/time -f %M`, the kernel's ru_maxrss of the child,
 * exact) when it is installed, else from polling /proc/PID/status VmHWM every 20 ms (the kernel's
 * own high-water mark, so only the last 20 ms before exit can be missed).
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export type RssSource = 'gnu-time' | 'proc-vmhwm';

export interface Measured {
  /** Milliseconds from spawn to exit (GNU time's own start-up, about a millisecond, included). */
  wallMs: number;
  /** Peak resident set size in KiB, 0 when it could not be read. */
  peakRssKb: number;
  rssSource: RssSource;
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** A file fed to the child's stdin (else stdin is empty). */
  stdinFile?: string;
  /** A file that receives the child's stdout (else it is captured as text). */
  stdoutFile?: string;
  /** Where GNU time writes its report. */
  scratchDir: string;
}

export function rssSource(): RssSource {
  return existsSync(GNU_TIME) ? 'gnu-time' : 'proc-vmhwm';
}

function readVmHwm(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // the process has just exited
  }
}

/** Runs `command args`, waits for it, and returns its wall time, peak RSS and output. */
export async function runMeasured(command: string, args: readonly string[], options: RunOptions): Promise<Measured> {
  const source = rssSource();
  const timeFile = join(options.scratchDir, `time-${process.pid}.txt`);
  const [cmd, argv] = source === 'gnu-time' ? [GNU_TIME, ['-f', '%M', '-o', timeFile, command, ...args]] : [command, [...args]];
  const stdin = options.stdinFile ? openSync(options.stdinFile, 'r') : 'ignore';
  const stdout = options.stdoutFile ? openSync(options.stdoutFile, 'w') : 'pipe';
  const start = process.hrtime.bigint();
  const child = spawn(cmd, argv, { stdio: [stdin, stdout, 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  let polled = 0;
  const poll = source === 'proc-vmhwm' ? setInterval(() => (polled = Math.max(polled, readVmHwm(child.pid ?? 0))), 20) : undefined;
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (poll) clearInterval(poll);
  for (const fd of [stdin, stdout]) if (typeof fd === 'number') closeSync(fd);
  let peakRssKb = polled;
  if (source === 'gnu-time' && existsSync(timeFile)) {
    // GNU time writes "Command exited with non-zero status N" before the value on failure.
    const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
    peakRssKb = Number(lines[lines.length - 1]) || 0;
    rmSync(timeFile);
  }
  return { wallMs, peakRssKb, rssSource: source, exitCode, stdout: out, stderr: err };
}
