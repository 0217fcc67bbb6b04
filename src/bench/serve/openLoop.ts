/**
 * An open-loop client at a fixed rate (a request every 1/rate s, whatever the answers do), with
 * latencies measured to the microsecond (autocannon rounds to whole milliseconds). It runs in a
 * process of its own (openLoopProcess.ts): in the bench's process, whose heap holds the corpus and
 * the server's log, its full collections took both cores for 20-30 ms (four collector threads)
 * while an update held the server's other core, and the server's answers waited (perf sched).
 * It keeps no more than it reports: a preallocated array of latencies and a count in flight.
 */
import { Agent, request } from 'node:http';
import type { LoadResult } from './load.js';

export interface OpenLoopSpec {
  url: string;
  path: string;
  bodies: string[];
  rate: number;
  maxSeconds: number;
  sockets?: number;
  /** Also return each answered request's send time and latency (ms), in the order answered. */
  timeline?: boolean;
}

export async function openLoop(spec: OpenLoopSpec, stopped: () => boolean): Promise<LoadResult> {
  // Idle sockets close at 4 s, before the server's keep-alive timeout (5 s) closes them: a request
  // sent on a socket the server is closing fails with ECONNRESET, which is no answer of the server's.
  const agent = new Agent({ keepAlive: true, maxSockets: spec.sockets ?? 16, timeout: 4000 });
  const u = new URL(spec.url);
  const bodies = spec.bodies.map((b) => ({ body: b, bytes: Buffer.byteLength(b) }));
  const latencies = new Float64Array(Math.ceil(spec.rate * spec.maxSeconds) + 1);
  const sentAt = spec.timeline ? new Float64Array(latencies.length) : null;
  let answered = 0;
  let errors = 0;
  let non2xx = 0;
  let inFlight = 0;
  /** Failed requests by what failed: an error code, or the answer's status. */
  const failures: Record<string, number> = {};
  const failed = (kind: string) => (failures[kind] = (failures[kind] ?? 0) + 1);
  let drained: (() => void) | null = null;
  const settle = () => {
    if (--inFlight === 0 && drained) drained();
  };
  const started = performance.now();
  for (let i = 0; i < latencies.length; i++) {
    const due = started + (i * 1000) / spec.rate;
    const now = performance.now();
    if (now - started > spec.maxSeconds * 1000 || stopped()) break;
    if (due > now) await new Promise((r) => setTimeout(r, due - now));
    const { body, bytes } = bodies[i % bodies.length];
    inFlight++;
    const sent = performance.now();
    const req = request({ host: u.hostname, port: u.port, path: spec.path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': bytes }, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => {
        if (sentAt) sentAt[answered] = sent - started;
        latencies[answered++] = performance.now() - sent;
        if (res.statusCode! >= 300) non2xx++, failed(`HTTP ${res.statusCode}`);
        settle();
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => (errors++, failed(`${err.code ?? err.message}${req.reusedSocket ? ' on a reused socket' : ''}`), settle()));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  }
  if (inFlight > 0) await new Promise<void>((r) => (drained = r));
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  const timeline = sentAt ? { sentMs: sentAt.slice(0, answered), latencyMs: latencies.slice(0, answered) } : undefined;
  const sorted = latencies.subarray(0, answered).sort();
  const q = (p: number) => sorted[Math.min(answered - 1, Math.floor(p * answered))] ?? NaN;
  const mean = sorted.reduce((s, x) => s + x, 0) / Math.max(1, answered);
  return { requests: answered, non2xx, errors, ...(errors + non2xx > 0 ? { failures } : {}), ...(timeline ? { timeline } : {}), seconds, throughput: answered / seconds, latencyMs: { mean, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: answered ? sorted[answered - 1] : NaN } };
}
