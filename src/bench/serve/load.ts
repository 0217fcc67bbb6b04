/** Load phases of the service benchmark, run with autocannon against `accrete serve` on loopback. */
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';

export interface LoadResult {
  requests: number;
  non2xx: number;
  errors: number;
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

/**
 * An open-loop client at a fixed rate (a request every 1/rate s, whatever the answers do), with
 * latencies measured to the microsecond (autocannon rounds to whole milliseconds). Runs until
 * `stop()` says so or `maxSeconds` pass.
 */
export async function fixedRate(spec: { url: string; path: string; bodies: string[]; rate: number; maxSeconds: number; stop?: () => boolean; sockets?: number }): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.sockets ?? 16 });
  const u = new URL(spec.url);
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; ; i++) {
    const due = started + (i * 1000) / spec.rate;
    const now = performance.now();
    if (now - started > spec.maxSeconds * 1000 || spec.stop?.()) break;
    if (due > now) await new Promise((r) => setTimeout(r, due - now));
    const body = spec.bodies[i % spec.bodies.length];
    inFlight.push(
      new Promise<void>((resolve) => {
        const sent = performance.now();
        const req = request({ host: u.hostname, port: u.port, path: spec.path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: 30_000 }, (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - sent);
            if (res.statusCode! >= 300) non2xx++;
            resolve();
          });
        });
        req.on('error', () => (errors++, resolve()));
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.end(body);
      }),
    );
  }
  await Promise.all(inFlight);
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  const mean = latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length);
  return { requests: latencies.length, non2xx, errors, seconds, throughput: latencies.length / seconds, latencyMs: { mean, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: latencies.at(-1) ?? NaN } };
}
