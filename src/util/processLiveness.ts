/**
 * Whether a process that claimed something (a registry, a model directory) may still be running.
 * A claim names its host, pid and the process's start time, so that a dead claimant never blocks
 * anyone: a pid that is gone, a zombie not yet reaped after kill -9, or a pid reused by another
 * process (another start time) is dead. A claimant on another host cannot be checked and counts as
 * alive; without /proc (not Linux) a reused pid looks alive too.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Who claims: enough to tell later whether it still runs. */
export interface Claimant {
  host: string;
  pid: number;
  /** The process's start time (clock ticks after boot, /proc/PID/stat field 22); null where unknown. */
  start: string | null;
}

/**
 * The fields of a /proc stat file (Linux: /proc/PID/stat, /proc/PID/task/TID/stat) from field 3
 * (the state) on, so that field N of proc(5) is at N - 3; null when the file cannot be read.
 */
export function statFields(path: string): string[] | null {
  let stat: string;
  try {
    stat = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  // Field 2 (the command name, in parentheses) may hold spaces and parentheses: count after the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** State and start time of a process from /proc (Linux); null when there is no such process or no /proc. */
function procStat(pid: number): { state: string; start: string } | null {
  const fields = statFields(`/proc/${pid}/stat`);
  return fields && { state: fields[0], start: fields[22 - 3] };
}

/** The start time of process `pid` (Linux: field 22 of /proc/PID/stat), or null when it cannot be read. */
export function processStart(pid: number): string | null {
  return procStat(pid)?.start ?? null;
}

/** This process, as a claim names it. */
export function thisProcess(): Claimant {
  return { host: hostname(), pid: process.pid, start: processStart(process.pid) };
}

/** Whether the claimant may still be running (see the module comment). */
export function claimantAlive(c: Claimant): boolean {
  if (c.host !== hostname()) return true;
  try {
    process.kill(c.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: it exists and belongs to another user.
  }
  const stat = procStat(c.pid);
  if (stat === null) return process.platform !== 'linux';
  // Z: killed, waiting for its parent to reap it; X: dead.
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return c.start === null || c.start === stat.start;
}
