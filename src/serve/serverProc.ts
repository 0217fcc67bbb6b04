/**
 * `accrete serve` processes for the owner race test and the chaos benchmark (Linux: reads /proc):
 * started either as children of this process or under a parent that never reaps them
 * (`sh -c 'serve & exec sleep'`), so that a server killed with SIGKILL stays a zombie, as it would
 * while a supervisor has not yet called wait(). The outcome of a start is "up" (it printed its
 * URL) or "exited" (with its log, e.g. a CONFLICT message).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { statFields } from '../util/processLiveness.js';
import { MAIN, TOKEN } from './testing.js';

export type Outcome = { up: true; url: string; ms: number } | { up: false; ms: number };

/** The state letter of a process (R, S, D, Z, ...) from /proc, or null when there is none. */
export function procState(pid: number): string | null {
  return statFields(`/proc/${pid}/stat`)?.[0] ?? null;
}

/** Gone, or a zombie: it runs no code any more. */
export const isDead = (pid: number) => {
  const s = procState(pid);
  return s === null || s === 'Z' || s === 'X';
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ServerProc {
  readonly startedAt = performance.now();
  private text = '';
  private serverPid: number | null = null;
  private readonly child: ChildProcess;
  private readonly childExit: Promise<void>;

  /** `unreaped`: the server's parent is a `sleep` that never waits for it. */
  constructor(
    args: string[],
    env: Record<string, string> = {},
    readonly unreaped = false,
  ) {
    const argv = [MAIN, 'serve', '--port', '0', ...args];
    const options = { env: { ...process.env, ACCRETE_TOKEN: TOKEN, ...env }, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
    this.child = unreaped ? spawn('/bin/sh', ['-c', '"$@" & echo $!; exec sleep 3600', 'sh', process.execPath, ...argv], options) : spawn(process.execPath, argv, options);
    if (!unreaped) this.serverPid = this.child.pid!;
    this.child.stdout!.on('data', (d: Buffer) => {
      const m = /^(\d+)$/m.exec(d.toString());
      if (unreaped && m && this.serverPid === null) this.serverPid = Number(m[1]);
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.text += d.toString()));
    this.childExit = new Promise((resolve) => this.child.on('exit', () => resolve()));
  }

  log(): string {
    return this.text;
  }

  get url(): string | null {
    return /serving \S+ from .* on (http:\/\/\S+:\d+)/.exec(this.text)?.[1] ?? null;
  }

  /** The server's pid, once known (at once for a child; from the wrapper's first line otherwise). */
  async pid(): Promise<number> {
    while (this.serverPid === null) await sleep(5);
    return this.serverPid;
  }

  alive(): boolean {
    if (!this.unreaped) return this.child.exitCode === null && this.child.signalCode === null && this.serverPid !== null && !isDead(this.serverPid);
    return this.serverPid === null || !isDead(this.serverPid);
  }

  /** Waits until the server prints its URL (up) or dies (exited), `timeoutMs` at most (then throws). */
  async outcome(timeoutMs = 60_000): Promise<Outcome> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const url = this.url;
      if (url) return { up: true, url, ms: performance.now() - this.startedAt };
      if (!this.alive()) {
        await sleep(20); // the last of its stderr
        const late = this.url;
        return late ? { up: true, url: late, ms: performance.now() - this.startedAt } : { up: false, ms: performance.now() - this.startedAt };
      }
      if (performance.now() > deadline) throw new Error(`the server neither came up nor exited in ${timeoutMs} ms; log:\n${this.text}`);
      await sleep(10);
    }
  }

  /** SIGKILL the server now (not the wrapper), without waiting. */
  async kill9(): Promise<void> {
    const pid = await this.pid();
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Waits until the server runs no code (exited, or a zombie). */
  async dead(timeoutMs = 20_000): Promise<void> {
    const pid = await this.pid();
    const deadline = performance.now() + timeoutMs;
    while (!isDead(pid)) {
      if (performance.now() > deadline) throw new Error(`pid ${pid} still alive ${timeoutMs} ms after SIGKILL`);
      await sleep(5);
    }
  }

  /** Kills the server and its wrapper and waits for both: nothing of it is left. */
  async dispose(): Promise<void> {
    if (this.alive()) await this.kill9();
    await this.dead();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.childExit;
    // An orphaned zombie is reaped by init, a moment later: wait for it (5 s at most).
    const pid = await this.pid();
    for (let i = 0; i < 500 && procState(pid) !== null; i++) await sleep(10);
  }

  /** SIGTERM (a clean stop: the owner row is released); SIGKILL after 15 s. */
  async stop(): Promise<void> {
    const pid = await this.pid();
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    try {
      await this.dead(15_000);
    } catch {
      await this.kill9();
    }
    await this.dispose();
  }
}
