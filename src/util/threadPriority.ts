/**
 * The scheduling priority of the calling thread (Linux gives each thread its own, and threads it
 * starts inherit it). For background work, such as a server's updates, that must leave the CPU to
 * the threads that answer requests.
 *   idle    Linux's SCHED_IDLE policy: any other thread that wakes takes a CPU at once, and a CPU
 *           that runs only idle threads counts as free. Set through util-linux's `chrt` (Node has
 *           no call for it); where that fails, low.
 *   low     nice 10: a smaller share of a busy CPU, but no sooner a waking thread's.
 *   normal  as the thread started.
 * Why idle (bench:serve --only update, 2 cores, 500 predictions/s during 10-20 s updates): with
 * nice 10 the update still held a core while predictions waited behind the load generator, p99
 * during / idle 1.8-2.5x; with SCHED_IDLE 1.0-1.3x. The price: on a machine whose every core is
 * busy with other work, an idle thread barely runs (choose low there).
 */
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

export const THREAD_PRIORITIES = ['idle', 'low', 'normal'] as const;
export type ThreadPriority = (typeof THREAD_PRIORITIES)[number];

export const isThreadPriority = (s: string): s is ThreadPriority => (THREAD_PRIORITIES as readonly string[]).includes(s);

/** Nice value of `low` (and of `idle` where SCHED_IDLE cannot be had). */
const LOW_NICE = 10;

/** Lowers the calling thread to `priority`; returns what it got, in words for a log. */
export function lowerThisThread(priority: ThreadPriority): string {
  if (priority === 'normal') return 'normal';
  try {
    setPriority(LOW_NICE);
  } catch (err) {
    return `normal (nice ${LOW_NICE} was refused: ${(err as Error).message})`;
  }
  if (priority === 'low') return `low (nice ${LOW_NICE})`;
  const why = schedIdle();
  return why === null ? 'idle (SCHED_IDLE)' : `low (nice ${LOW_NICE}; SCHED_IDLE unavailable: ${why})`;
}

/** Puts the calling thread under SCHED_IDLE; null when done, else why not. */
function schedIdle(): string | null {
  if (process.platform !== 'linux') return `${process.platform} has no SCHED_IDLE`;
  let tid: string;
  try {
    // "PID/task/TID": the thread's own id, which chrt takes for -p.
    tid = readlinkSync('/proc/thread-self').split('/').pop()!;
  } catch (err) {
    return `no /proc/thread-self (${(err as Error).message})`;
  }
  const r = spawnSync('chrt', ['--idle', '--pid', '0', tid], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
  if (r.error) return `chrt: ${r.error.message}`;
  if (r.status !== 0) return `chrt exited with ${r.status}: ${r.stderr.toString().trim()}`;
  return null;
}
