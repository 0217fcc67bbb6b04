/** Load phases of the service benchmark, run with autocannon against `accrete serve` on loopback. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { OpenLoopSpec } from './openLoop.js';

export interface LoadResult {
  requests: number;
  non2xx: number;
  errors: number;
  /** The fixed-rate client's failed requests by error code or HTTP status, when there were any. */
  failures?: Record<string, number>;
  /** The fixed-rate client's requests, when asked for (OpenLoopSpec.timeline): send time from the start and latency, ms. */
  timeline?: { sentMs: Float64Array; latencyMs: Float64Array };
  seconds: number;
  /** Completed requests per second. */
  throughput: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
}

export interface LoadSpec {
  url: string;
  connections: number;
  /** Seconds to run (or until `amount` requests). */
  duration?: number;
  amount?: number;
  /** Requests per second over all connections (open loop); default as fast as the server answers. */
  rate?: number;
  requests: { method: 'POST' | 'GET'; path: string; body?: string; headers?: Record<string, string> }[];
}

export async function load(spec: LoadSpec): Promise<LoadResult> {
  const started = performance.now();
  const r = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.duration ?? 10,
    amount: spec.amount,
    overallRate: spec.rate,
    timeout: 30,
    requests: spec.requests.map((q) => ({ ...q, headers: { 'content-type': 'application/json', ...q.headers } })),
  });
  const seconds = (performance.now() - started) / 1000;
  const done = r['2xx'] + r.non2xx;
  return {
    requests: done,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    seconds,
    throughput: done / seconds,
    latencyMs: { mean: r.latency.average, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
  };
}

/** A fixed-rate client running in its own process (openLoop.ts says why): `stop()` ends it early. */
export interface FixedRateRun {
  /** Settles once the client sends (its process is up). */
  started: Promise<void>;
  stop(): void;
  result: Promise<LoadResult>;
}

/**
 * Starts an open-loop client at `rate` requests/s for at most `maxSeconds`, in a child process
 * whose heap holds no more than the client (openLoop.ts).
 */
export function startFixedRate(spec: OpenLoopSpec): FixedRateRun {
  const child = fork(fileURLToPath(new URL('./openLoopProcess.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  let up = () => {};
  const started = new Promise<void>((resolve) => (up = resolve));
  const result = new Promise<LoadResult>((resolve, reject) => {
    child.on('message', (m: 'started' | LoadResult) => (m === 'started' ? up() : resolve(m)));
    child.once('exit', (code) => reject(new Error(`the fixed-rate client exited (${code}) without a result`)));
  });
  child.send(spec);
  // (a client that fails before it starts settles `started` too, and its error comes with `result`)
  return { started: Promise.race([started, result.then(() => {})]), stop: () => void (child.connected && child.send('stop')), result };
}

export const fixedRate = (spec: OpenLoopSpec): Promise<LoadResult> => startFixedRate(spec).result;
