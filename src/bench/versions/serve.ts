/**
 * The server's side of `bench:versions`: `POST /v1/update` answered (rejected and accepted) against
 * the update's own work, and the registry's size after many accepted feedback updates of 10
 * examples, before and after `accrete models gc --keep 5`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { call, MAIN, TOKEN } from '../../serve/testing.js';
import type { Example } from '../../data/example.js';
import { uniqueBytes, UPDATE_BODY, type Setup } from './setup.js';

export interface ServeUpdate {
  accepted: boolean;
  answerMs: number;
  ownMs: number;
  /** The 1-minute load average when the answer came (the machine is shared). */
  load: number;
  /** The server's log line saying what the job ran on (the worker's kept copy, moved, or loaded from disk). */
  ranOn: string | null;
  /** The server's milliseconds per step of the job (worker and server side), from its log. */
  steps: string | null;
}

export interface ServeResult {
  baseBytes: number;
  rejected: ServeUpdate[];
  accepted: ServeUpdate[];
  /** Accepted updates asked for, and how many were accepted. */
  attempts: number;
  registryBytes: number;
  keep: number;
  registryBytesAfterGc: number;
  versionsAfterGc: number;
}

interface Server {
  url: string;
  /** The server's log so far. */
  log(): string;
  stop(): Promise<void>;
}

/** `accrete serve` on the registry (importing `model` first), once it listens. */
async function startServer(registry: string, model: string): Promise<Server> {
  const proc = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--registry', registry, '--model', model, '--no-drift'], { env: { ...process.env, ACCRETE_TOKEN: TOKEN }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not listen within 300 s:\n${log}`)), 300_000);
    proc.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      const m = /on (http:\/\/\S+:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(() => reject(new Error(`the server exited:\n${log}`)));
  });
  return {
    url,
    log: () => log,
    stop: async () => {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Feedback of `examples`, then POST /v1/update with `body`, timed from the request to the answer. */
async function feedbackUpdate(server: Server, examples: readonly Example[], body: object): Promise<ServeUpdate> {
  const url = server.url;
  const logFrom = server.log().length;
  const fed = await call(url, 'POST', '/v1/feedback', { examples: examples.map((e) => ({ text: e.text, labels: e.labels })) }, true, {}, 60_000);
  if (fed.status !== 200) throw new Error(`POST /v1/feedback: ${fed.status} ${fed.text}`);
  const t = performance.now();
  const up = await call(url, 'POST', '/v1/update', body, true, {}, 600_000);
  const answerMs = performance.now() - t;
  if (up.status !== 200) throw new Error(`POST /v1/update: ${up.status} ${up.text}`);
  const json = up.json as { accepted: boolean; report: { wallMs: number } | null };
  if (!json.report) throw new Error(`POST /v1/update ran no update: ${up.text}`);
  const ranOn = /update job \d+ ran on ([^\n]*)/.exec(server.log().slice(logFrom))?.[1] ?? null;
  // The job's last log line comes just before its answer: give it a moment to arrive on stderr.
  await new Promise((r) => setTimeout(r, 50));
  const steps = /update job \d+: (?:accepted|rejected)[^\n]*; ms: ([^\n]*)/.exec(server.log().slice(logFrom))?.[1] ?? null;
  return { accepted: json.accepted, answerMs, ownMs: json.report.wallMs, load: loadavg()[0], ranOn, steps };
}

/** The server's default --max-text: longer e-mails are left out of its feedback. */
const MAX_TEXT = 20_000;

export async function serveBench(s: Setup, cli: string, hamAll: readonly Example[], rejectedRuns: number, acceptedRuns: number, keep: number, log: (s: string) => void): Promise<ServeResult> {
  const fits = (e: Example) => e.text.length <= MAX_TEXT;
  const ham = hamAll.filter(fits);
  const pool = s.pool.filter(fits);
  const dir = join(s.work, 'registry');
  rmSync(dir, { recursive: true, force: true });
  const registry = join(dir, 'registry.db');
  log('accrete serve: importing the base into a new registry');
  const server = await startServer(registry, s.base);
  const rejected: ServeUpdate[] = [];
  const accepted: ServeUpdate[] = [];
  let attempts = 0;
  try {
    // Rejected: correctly labelled ham, default gate options (no gain beyond noise on this model).
    for (let i = 0; i < rejectedRuns; i++) {
      log(`POST /v1/update, expected rejected (${i + 1}/${rejectedRuns})`);
      const u = await feedbackUpdate(server, ham.slice(i * 10, i * 10 + 10), {});
      (u.accepted ? accepted : rejected).push(u);
    }
    // The gate turns some down (no gain beyond noise): ask until acceptedRuns are accepted, within bounds.
    for (let i = 0; accepted.length < acceptedRuns && i < acceptedRuns * 4; i++) {
      attempts++;
      // A new label each time: more of a label the model has learnt is no gain beyond noise, and the gate says no.
      const examples = pool.slice(i * 10, i * 10 + 10).map((e) => ({ ...e, labels: [`phishing-${i}`] }));
      const u = await feedbackUpdate(server, examples, UPDATE_BODY);
      (u.accepted ? accepted : rejected).push(u);
      log(`  ${attempts}: ${u.accepted ? 'accepted' : 'rejected'}, answered in ${Math.round(u.answerMs)} ms (own work ${Math.round(u.ownMs)} ms, load ${u.load.toFixed(1)}; ran on ${u.ranOn}; ms: ${u.steps})`);
      if (attempts % 5 === 0) log(`  ${attempts} feedback updates, ${accepted.length} accepted, registry ${(uniqueBytes(dir) / 1e6).toFixed(0)} MB`);
    }
  } finally {
    await server.stop();
  }
  const registryBytes = uniqueBytes(dir);
  log(`accrete models gc --keep ${keep}`);
  const gc = spawnSync(process.execPath, [cli, 'models', 'gc', '--keep', String(keep), '--registry', registry, '--json'], { encoding: 'utf8' });
  if (gc.status !== 0) throw new Error(`accrete models gc failed: ${gc.stderr}`);
  const list = spawnSync(process.execPath, [cli, 'models', 'list', '--registry', registry, '--json'], { encoding: 'utf8' });
  const versionsAfterGc = (JSON.parse(list.stdout) as { models: { bytes: number }[] }).models.filter((m) => m.bytes > 0).length;
  const registryBytesAfterGc = uniqueBytes(dir);
  rmSync(dir, { recursive: true, force: true });
  return { baseBytes: uniqueBytes(s.base), rejected, accepted, attempts, registryBytes, keep, registryBytesAfterGc, versionsAfterGc };
}
