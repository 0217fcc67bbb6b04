/** Small helpers shared by the chaos scenarios. */
import { call } from '../../serve/testing.js';

export const log = (s: string) => process.stderr.write(s + '\n');
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

export const max = (xs: readonly number[]) => (xs.length === 0 ? null : Math.max(...xs));

/** Polls GET /v1/health until it answers 200; returns performance.now() then (throws after `ms`). */
export async function firstHealthy(url: string, ms = 30_000): Promise<number> {
  const deadline = performance.now() + ms;
  for (;;) {
    try {
      const r = await call(url, 'GET', '/v1/health', undefined, false, {}, 5_000);
      if (r.status === 200) return performance.now();
    } catch {
      // not yet
    }
    if (performance.now() > deadline) throw new Error(`${url}: no 200 on /v1/health in ${ms} ms`);
    await sleep(5);
  }
}

/**
 * Log lines worth a look: errors answered 500, uncaught exceptions, anything that failed, other
 * than the failures the benchmark causes on purpose; deduplicated, first `limit`.
 */
export function notableLines(logs: readonly string[], limit = 20): string[] {
  const seen = new Set<string>();
  for (const text of logs) {
    for (const line of text.split('\n')) {
      if (!/error on|uncaught|unhandled|TypeError|RangeError|SqliteError|at .*\.js:\d+|failed|cannot/i.test(line)) continue;
      // The faults the benchmark injects are expected.
      if (/injected fault/.test(line) && !/error on/.test(line)) continue;
      // An update interrupted by the clean stop at the end of a scenario.
      if (/failed: the server is shutting down/.test(line)) continue;
      seen.add(line.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'T').slice(0, 400));
      if (seen.size >= limit) return [...seen];
    }
  }
  return [...seen];
}
