/**
 * Helpers for the service's tests: a tiny model trained on the WordNet fixtures, a server in this
 * process or spawned as `accrete serve`, and HTTP calls that always end (each has a timeout).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Example } from '../data/example.js';
import { readDataset } from '../data/read.js';
import { train } from '../learn/train.js';
import { buildMemory, saveLearner } from '../update/memory.js';
import { startServer, type RunningServer } from './server.js';
import { Service, type ServiceOptions } from './service.js';

export const TOKEN = 'test-token-0123456789';
export const MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
export const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));

export function jsonl(name: string): Example[] {
  return readFileSync(corpus(name), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { text: string; label: string })
    .map((e) => ({ text: e.text, labels: [e.label] }));
}

/** Trains the tiny 3-label model (dim 16, 20000 buckets unless told) on wordnet3 and saves it with its memory and guard. */
export async function tinyModel(dir: string, bucket = 20000): Promise<void> {
  const examples = (await readDataset(corpus('wordnet3.train.jsonl'))).examples;
  const valid = (await readDataset(corpus('wordnet3.test.jsonl'))).examples;
  const { model, seen } = await train(examples, { dim: 16, bucket, epoch: 10, lr: 0.5, wordNgrams: 2, seed: 1, thread: 1 });
  saveLearner(model, buildMemory(model, examples, { capacity: 400, seed: 1, seen, guard: valid }), dir);
}

/** Texts of a class the tiny model has never seen (noun.plant, from wordnet5). */
export function plantTexts(n: number): string[] {
  return readFileSync(corpus('wordnet5.train.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('__label__noun.plant '))
    .slice(0, n)
    .map((l) => l.slice('__label__noun.plant '.length));
}

/** Feedback that teaches a lie: every animal gloss of the training set labelled as an artifact. */
export function poisonedFeedback(): { text: string; label: string }[] {
  return jsonl('wordnet3.train.jsonl')
    .filter((e) => e.labels[0] === 'noun.animal')
    .map((e) => ({ text: e.text, label: 'noun.artifact' }));
}

export async function inProcess(options: ServiceOptions): Promise<{ service: Service; server: RunningServer; url: string }> {
  const service = await Service.open({ log: () => {}, ...options });
  const server = await startServer(service, { port: 0, token: TOKEN });
  return { service, server, url: server.url };
}

/**
 * A model served in process for the tests of one file: `make` writes it into `dir`/base, and the
 * server starts before the tests and its directory is removed after. `url` and `service` are set
 * once the server is up; `logs` collects the service's log lines.
 */
export function servedModel(prefix: string, make: (modelDir: string) => Promise<void>): { dir: string; logs: string[]; url: string; service: Service } {
  const state = { dir: mkdtempSync(join(tmpdir(), prefix)), logs: [] as string[], url: '', service: null as unknown as Service };
  let close: (() => Promise<void>) | undefined;
  before(async () => {
    await make(join(state.dir, 'base'));
    const s = await inProcess({ registry: join(state.dir, 'reg', 'registry.db'), model: join(state.dir, 'base'), drift: false, log: (l) => state.logs.push(l) });
    state.url = s.url;
    state.service = s.service;
    close = () => s.server.close();
  });
  after(async () => {
    await close?.();
    rmSync(state.dir, { recursive: true, force: true });
  });
  return state;
}

/** The tiny model (tinyModel) served in process for the tests of one file (servedModel). */
export const servedTinyModel = (prefix: string) => servedModel(prefix, (dir) => tinyModel(dir));

export interface Reply {
  status: number;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
  headers: Record<string, string>;
}

/** One HTTP call (10 s at most by default); `token` true sends the test token. */
export async function call(url: string, method: string, path: string, body?: unknown, token: string | boolean = true, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<Reply> {
  const h: Record<string, string> = { ...headers };
  if (token) h.authorization = `Bearer ${token === true ? TOKEN : token}`;
  const res = await fetch(url + path, { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (the dashboard, /metrics)
  }
  return { status: res.status, json, text, headers: Object.fromEntries(res.headers) };
}

export interface Spawned {
  proc: ChildProcess;
  url: string;
  log: () => string;
  /** Resolves when stderr shows `pattern` (rejects after `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * Starts `accrete serve --port 0 ...` and waits until it listens. ACCRETE_SERVE_CPU_PROF=DIR (in
 * this process's environment) runs the server under `node --cpu-prof`, its profile written to DIR
 * when it exits cleanly (NODE_OPTIONS does not carry --cpu-prof).
 */
export async function spawnServe(args: string[], env: Record<string, string> = {}): Promise<Spawned> {
  const prof = process.env.ACCRETE_SERVE_CPU_PROF;
  const node = prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : [];
  const proc = spawn(process.execPath, [...node, MAIN, 'serve', '--port', '0', ...args], { env: { ...process.env, ACCRETE_TOKEN: TOKEN, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  proc.stderr!.on('data', (d: Buffer) => {
    log += d.toString();
    for (const w of waiters.filter((w) => w.pattern.test(log))) w.resolve();
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, ms = 20_000) =>
    new Promise<void>((resolve, reject) => {
      if (pattern.test(log)) return resolve();
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} in the server's log:\n${log}`)), ms);
      waiters.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
      void exited.then((code) => reject(new Error(`the server exited (${code}) before ${pattern}; log:\n${log}`)));
    });
  await waitFor(/ on http:\/\/\S+:\d+/);
  const url = /on (http:\/\/\S+:\d+)/.exec(log)![1];
  return { proc, url, log: () => log, waitFor, exited };
}

/** SIGKILL, and wait for the process to be gone. */
export async function kill(s: Spawned): Promise<void> {
  s.proc.kill('SIGKILL');
  await s.exited;
}

/** SIGTERM (a clean stop), and wait; SIGKILL after 10 s. */
export async function stop(s: Spawned): Promise<void> {
  s.proc.kill('SIGTERM');
  const timer = setTimeout(() => s.proc.kill('SIGKILL'), 10_000);
  await s.exited;
  clearTimeout(timer);
}
