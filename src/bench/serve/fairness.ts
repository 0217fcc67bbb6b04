/**
 * The fairness scenario of the serve benchmark: clients in a loop sending large predict batches
 * (1,000 CJK texts of 340 characters, the expensive kind: Han runs go through Intl.Segmenter) while
 * one client sends one-text predicts at a fixed rate. Measures the one-text latency (what one
 * client's large batch costs another's small request) and how many large batches were answered or
 * refused (503/429 with Retry-After, which the loop clients honour, capped at 2 s).
 */
import { Agent, request } from 'node:http';
import { fixedRate, type LoadResult } from './load.js';

export interface FairnessSpec {
  url: string;
  bigClients: number;
  texts: number;
  chars: number;
  seconds: number;
  /** One-text predicts per second (open loop). */
  smallRate: number;
  smallBodies: string[];
}

export interface FairnessResult {
  bigClients: number;
  texts: number;
  chars: number;
  bodyBytes: number;
  seconds: number;
  small: LoadResult;
  big: { answered: number; refused: number; other: number; retryAfter: string[]; latencyMs: { p50: number; max: number } };
}

/** A deterministic text of `n` Han characters (the common block U+4E00..U+62FF), from a small LCG. */
export function cjkText(n: number, seed: number): string {
  let x = (seed * 2654435761) >>> 0 || 1;
  const codes: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    codes.push(0x4e00 + (x >>> 8) % 0x1500);
  }
  return String.fromCharCode(...codes);
}

function post(agent: Agent, url: URL, body: string): Promise<{ status: number; retryAfter: string | null; ms: number }> {
  return new Promise((resolve) => {
    const sent = performance.now();
    const req = request({ host: url.hostname, port: url.port, path: '/v1/predict', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: 60_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: (res.headers['retry-after'] as string | undefined) ?? null, ms: performance.now() - sent }));
    });
    req.on('error', () => resolve({ status: 0, retryAfter: null, ms: performance.now() - sent }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

export async function fairness(spec: FairnessSpec): Promise<FairnessResult> {
  const url = new URL(spec.url);
  const bodies = Array.from({ length: spec.bigClients }, (_, c) => JSON.stringify({ texts: Array.from({ length: spec.texts }, (_, i) => cjkText(spec.chars, c * spec.texts + i + 1)) }));
  const big = { answered: 0, refused: 0, other: 0, retryAfter: [] as string[], latencies: [] as number[] };
  let stopping = false;
  const loop = async (c: number) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    while (!stopping) {
      const r = await post(agent, url, bodies[c]);
      if (r.status === 200) big.answered++, big.latencies.push(r.ms);
      else if (r.status === 503 || r.status === 429) {
        big.refused++;
        if (r.retryAfter !== null && big.retryAfter.length < 20) big.retryAfter.push(r.retryAfter);
        await new Promise((done) => setTimeout(done, Math.min(2, Number(r.retryAfter) || 1) * 1000));
      } else big.other++;
    }
    agent.destroy();
  };
  const loops = Array.from({ length: spec.bigClients }, (_, c) => loop(c));
  // Let the big clients fill the server before the one-text client starts measuring.
  await new Promise((done) => setTimeout(done, 1000));
  const small = await fixedRate({ url: spec.url, path: '/v1/predict', bodies: spec.smallBodies, rate: spec.smallRate, maxSeconds: spec.seconds, sockets: 512 });
  stopping = true;
  await Promise.all(loops);
  big.latencies.sort((a, b) => a - b);
  return {
    bigClients: spec.bigClients,
    texts: spec.texts,
    chars: spec.chars,
    bodyBytes: Buffer.byteLength(bodies[0]),
    seconds: spec.seconds,
    small,
    big: { answered: big.answered, refused: big.refused, other: big.other, retryAfter: big.retryAfter, latencyMs: { p50: big.latencies[Math.floor(big.latencies.length / 2)] ?? NaN, max: big.latencies.at(-1) ?? NaN } },
  };
}

export function renderFairness(runs: FairnessResult[]): string {
  const ms = (x: number) => x.toFixed(2);
  const rows = runs.map(
    (r) =>
      `| ${r.bigClients} x ${r.texts} texts of ${r.chars} chars (${(r.bodyBytes / 1e6).toFixed(2)} MB) | ${r.small.requests} | ${ms(r.small.latencyMs.p50)} | ${ms(r.small.latencyMs.p90)} | ${ms(r.small.latencyMs.p99)} | ${ms(r.small.latencyMs.max)} | ${r.small.non2xx + r.small.errors} | ${r.big.answered} | ${r.big.refused} | ${r.big.other} | ${ms(r.big.latencyMs.p50)} | ${r.big.retryAfter.slice(0, 5).join(', ') || '-'} |`,
  );
  return `| big clients in a loop | one-text predicts | p50 ms | p90 ms | p99 ms | max ms | failed | batches answered | refused | other | batch p50 ms | Retry-After |
|---|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
}
