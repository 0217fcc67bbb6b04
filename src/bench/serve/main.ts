#!/usr/bin/env node
/**
 * `npm run bench:serve`: `accrete serve` under load, on loopback, with the load generators in this
 * process (autocannon) and, for the fixed rate, in a child process (load.ts: startFixedRate); server
 * and clients share the machine's cores, as they would on a 2-core box:
 *   predict    throughput and latency at 32 connections, 10 s (autocannon)
 *   feedback   20,000 events at 64 connections (autocannon), then counted in the registry
 *   update     predict latency at a fixed 500 requests/s (open loop, microsecond timing, after a
 *              second unmeasured): after 3 s of quiet, 6 s idle, then for as long as an update
 *              runs in its worker, from before it is posted to its answer; three times (each
 *              update learns 20,000 events: those of the feedback phase, then batches), with the
 *              median ratios
 *   fairness   one-text predict latency while 4 (then 8) clients send 1,000-text CJK batches in a
 *              loop, and how many batches were answered or refused (fairness.ts)
 * Writes bench/results/serve.md and serve.json, and serve-fairness.md and .json; progress on stderr.
 * `--only fairness` runs the fairness scenario alone (about a minute); `--clients 4,8` chooses its runs.
 * `--only update` runs the update scenario alone (feedback in batches), written to serve-update.md and .json.
 * `--update-priority low|normal` runs the server's update worker at that priority instead of idle.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Example } from '../../data/example.js';
import { readDataset } from '../../data/read.js';
import { train } from '../../learn/train.js';
import { Registry } from '../../registry/registry.js';
import { call, corpus, spawnServe, stop, TOKEN, type Spawned } from '../../serve/testing.js';
import { buildMemory, saveLearner } from '../../update/memory.js';
import { describeMachine } from '../machine.js';
import { fairness, renderFairness, type FairnessResult } from './fairness.js';
import { fixedRate, load, startFixedRate, type LoadResult } from './load.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FEEDBACK_EVENTS = 20_000;
/** Enough rounds that an update takes several seconds. */
const UPDATE_OPTIONS = { rounds: 200, patience: 200 };
const REPEATS = 3;
/** The longest measurement during an update: the whole of it, on a slow machine too. */
const DURING_MAX_SECONDS = 120;
/** Quiet time before each idle baseline. */
const SETTLE_MS = 3000;
/** The fairness scenario: big clients in a loop (4, then 8 to go past the queue bound), 12 s each. */
const FAIRNESS_CLIENTS = process.argv.includes('--clients') ? process.argv[process.argv.indexOf('--clients') + 1].split(',').map(Number) : [4, 8];
const FAIRNESS_SECONDS = 12;
/** The server's --update-priority (`--update-priority low` to compare with the default). */
const PRIORITY = process.argv.includes('--update-priority') ? process.argv[process.argv.indexOf('--update-priority') + 1] : 'idle';
const log = (s: string) => process.stderr.write(s + '\n');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface UpdateRun {
  idle: LoadResult;
  during: LoadResult;
  p99Ratio: number;
  p50Ratio: number;
  meanRatio: number;
  updateSeconds: number;
  /** false when the update outlasted the measurement (DURING_MAX_SECONDS). */
  coveredAll: boolean;
  accepted: boolean | null;
  examples: number | null;
  /** Requests during the update slower than idle p99, by tenth of the measurement (where the tail comes from). */
  slowByTenth: number[];
  /** The server's log lines of this update's job: its outcome and where its time went (worker and server steps, ms). */
  steps: string[];
}

/** How many requests took longer than `ms`, in each tenth of the run by send time. */
function slowByTenth(t: { sentMs: Float64Array; latencyMs: Float64Array }, ms: number): number[] {
  const tenths = new Array<number>(10).fill(0);
  // (in the order answered, not sent: the last sent is not the last entry)
  const span = t.sentMs.reduce((m, x) => Math.max(m, x), 0) || 1;
  t.latencyMs.forEach((l, i) => l > ms && tenths[Math.min(9, Math.floor((t.sentMs[i] / span) * 10))]++);
  return tenths;
}

/** Idle latency, then latency for as long as one update runs. */
async function updateRun(server: Spawned, bodies: string[]): Promise<UpdateRun> {
  const fixed = { url: server.url, path: '/v1/predict', bodies, rate: 500 };
  // The idle baseline starts once the feedback just sent has settled: right after 20,000 events
  // at 64 connections, one run's idle p99 was ~12 ms, which made its update look better than idle.
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const idle = await fixedRate({ ...fixed, maxSeconds: 6 });
  const logFrom = server.log().length;
  // The client sends before the update is posted, so that its first steps are measured too.
  const run = startFixedRate({ ...fixed, maxSeconds: DURING_MAX_SECONDS, timeline: true });
  await run.started;
  const started = performance.now();
  const answer = await call(server.url, 'POST', '/v1/update', UPDATE_OPTIONS, true, {}, 600_000);
  const ms = performance.now() - started;
  run.stop();
  const { timeline, ...during } = await run.result;
  const coveredAll = ms < DURING_MAX_SECONDS * 1000;
  return {
    idle,
    during,
    p99Ratio: during.latencyMs.p99 / idle.latencyMs.p99,
    p50Ratio: during.latencyMs.p50 / idle.latencyMs.p50,
    meanRatio: during.latencyMs.mean / idle.latencyMs.mean,
    updateSeconds: ms / 1000,
    coveredAll,
    slowByTenth: slowByTenth(timeline!, idle.latencyMs.p99),
    accepted: answer.json?.accepted ?? null,
    examples: answer.json?.report?.data?.new ?? null,
    steps: server.log().slice(logFrom).split('\n').filter((l) => /^update job \d+: (accepted|rejected)/.test(l)),
  };
}

async function fairnessRuns(url: string, examples: Example[]): Promise<FairnessResult[]> {
  const smallBodies = examples.slice(0, 64).map((e) => JSON.stringify({ text: e.text.split(' ')[0] }));
  const runs: FairnessResult[] = [];
  for (const bigClients of FAIRNESS_CLIENTS) {
    log(`fairness: ${bigClients} clients sending 1,000-text CJK batches, one-text predicts at 20/s, ${FAIRNESS_SECONDS} s`);
    runs.push(await fairness({ url, bigClients, texts: 1000, chars: 340, seconds: FAIRNESS_SECONDS, smallRate: 20, smallBodies }));
  }
  return runs;
}

function writeFairness(machine: ReturnType<typeof describeMachine>, runs: FairnessResult[]): string {
  const md = `# accrete serve: small predicts among large batches

${machine.date}, ${machine.cpu}, ${machine.nproc} cores, Node ${machine.node}, accrete ${machine.accrete}; load average at start ${machine.loadAverage.toFixed(2)}.
Same server and model as serve.md. Big clients send \`{"texts": [1,000 Han texts of 340 characters]}\` in a loop
(honouring Retry-After, capped at 2 s); one client sends one-word predicts at 20/s (open loop, microsecond timing).

${renderFairness(runs)}`;
  const out = join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'serve-fairness.json'), JSON.stringify({ machine, runs }, null, 2) + '\n');
  writeFileSync(join(out, 'serve-fairness.md'), md);
  return md;
}

async function main(): Promise<number> {
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
  if (only !== null && only !== 'fairness' && only !== 'update') throw new Error(`--only takes "fairness" or "update", got ${only}`);
  const machine = describeMachine(ROOT);
  const dir = mkdtempSync(join(tmpdir(), 'accrete-bench-serve-'));
  try {
    const examples = (await readDataset(corpus('wordnet5.train.txt'))).examples;
    const config = { dim: 50, bucket: 200_000, epoch: 10, lr: 0.5, wordNgrams: 2, seed: 1, thread: 1 };
    log('training the served model (WordNet, 5 labels, dim 50, bucket 200,000)');
    const { model, seen } = await train(examples, config);
    saveLearner(model, buildMemory(model, examples, { seen, guard: (await readDataset(corpus('wordnet5.test.txt'))).examples }), join(dir, 'model'));
    const registryFile = join(dir, 'reg', 'registry.db');
    const server = await spawnServe(['--registry', registryFile, '--model', join(dir, 'model'), '--no-drift', '--update-priority', PRIORITY]);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const predictRequests = examples.slice(0, 64).map((e) => ({ method: 'POST' as const, path: '/v1/predict', body: JSON.stringify({ text: e.text, k: 1 }) }));
    if (only === 'fairness') {
      const runs = await fairnessRuns(server.url, examples);
      await stop(server);
      process.stdout.write(writeFairness(machine, runs));
      return runs.every((r) => r.big.other === 0 && r.small.errors === 0) ? 0 : 1;
    }

    if (only === 'update') {
      const runs: UpdateRun[] = [];
      for (let i = 0; i < REPEATS; i++) {
        await moreFeedback(server.url, examples);
        log(`predict at 500 requests/s, idle then during an update (${i + 1}/${REPEATS})`);
        runs.push(await updateRun(server, predictRequests.map((q) => q.body)));
      }
      await stop(server);
      const md = renderUpdates(machine, runs, PRIORITY);
      process.stdout.write(md);
      const out = join(ROOT, 'bench', 'results');
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'serve-update.json'), JSON.stringify({ machine, model: { examples: examples.length, ...config }, updatePriority: PRIORITY, updates: runs }, null, 2) + '\n');
      writeFileSync(join(out, 'serve-update.md'), md);
      return runs.every((r) => r.during.non2xx + r.during.errors === 0) ? 0 : 1;
    }

    log('predict: 32 connections, 10 s');
    await load({ url: server.url, connections: 8, duration: 2, requests: predictRequests }); // warm-up
    const predict = await load({ url: server.url, connections: 32, duration: 10, requests: predictRequests });

    log(`feedback: ${FEEDBACK_EVENTS} events, 64 connections`);
    const feedbackRequests = examples.slice(0, 500).map((e) => ({ method: 'POST' as const, path: '/v1/feedback', headers: auth, body: JSON.stringify({ text: e.text, labels: e.labels }) }));
    const feedback = await load({ url: server.url, connections: 64, amount: FEEDBACK_EVENTS, duration: 300, requests: feedbackRequests });
    const storedBefore = (await call(server.url, 'GET', '/v1/stats', undefined, false)).json.feedback.stored as number;

    const runs: UpdateRun[] = [];
    for (let i = 0; i < REPEATS; i++) {
      if (i > 0) await moreFeedback(server.url, examples);
      log(`predict at 500 requests/s, idle then during an update (${i + 1}/${REPEATS})`);
      runs.push(await updateRun(server, predictRequests.map((q) => q.body)));
    }
    const fair = await fairnessRuns(server.url, examples);
    await stop(server);
    writeFairness(machine, fair);

    const registry = Registry.open(registryFile, { readonly: true });
    const counted = registry.feedbackCount();
    registry.close();
    const result = {
      machine,
      model: { examples: examples.length, ...config },
      predict,
      feedback: { ...feedback, events: FEEDBACK_EVENTS, storedBefore },
      countedAfter: counted,
      updates: runs,
      median: { p99Ratio: median(runs.map((r) => r.p99Ratio)), p50Ratio: median(runs.map((r) => r.p50Ratio)), meanRatio: median(runs.map((r) => r.meanRatio)) },
    };
    const md = render(result);
    process.stdout.write(md);
    const out = join(ROOT, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'serve.json'), JSON.stringify(result, null, 2) + '\n');
    writeFileSync(join(out, 'serve.md'), md);
    return storedBefore === FEEDBACK_EVENTS && feedback.non2xx === 0 && feedback.errors === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 20,000 more feedback events in batches of 1,000, for the next update. */
async function moreFeedback(url: string, examples: Example[]): Promise<void> {
  for (let b = 0; b < 20; b++) {
    const batch = Array.from({ length: 1000 }, (_, i) => examples[(b * 1000 + i) % examples.length]).map((e) => ({ text: e.text, labels: e.labels }));
    const r = await call(url, 'POST', '/v1/feedback', { examples: batch }, true, {}, 60_000);
    if (r.status !== 200) throw new Error(`feedback batch: ${r.status} ${r.text}`);
  }
}

const ms = (x: number) => x.toFixed(2);
const row = (name: string, r: LoadResult) =>
  `| ${name} | ${r.requests} | ${r.throughput.toFixed(0)} | ${ms(r.latencyMs.mean)} | ${ms(r.latencyMs.p50)} | ${ms(r.latencyMs.p90)} | ${ms(r.latencyMs.p99)} | ${ms(r.latencyMs.max)} | ${r.non2xx + r.errors} |`;

function render(r: { machine: ReturnType<typeof describeMachine>; predict: LoadResult; feedback: LoadResult & { events: number; storedBefore: number }; countedAfter: number; updates: UpdateRun[]; median: { p99Ratio: number; p50Ratio: number; meanRatio: number } }): string {
  const m = r.machine;
  const ratios = r.updates.map((u) => `${u.p99Ratio.toFixed(2)}x`).join(', ');
  return `# accrete serve under load

${m.date}, ${m.cpu}, ${m.nproc} cores, Node ${m.node}, accrete ${m.accrete}; load average at start ${m.loadAverage.toFixed(2)}.
Server (\`accrete serve\`, one process) and load generators (autocannon; for the fixed rate, an open-loop
client in a process of its own) on the same machine, loopback. Model: WordNet glosses, 5 labels, dim 50, word bigrams, 200,000 buckets.

| phase | requests | req/s | mean ms | p50 ms | p90 ms | p99 ms | max ms | errors |
|---|---|---|---|---|---|---|---|---|
${row('predict, 32 connections, 10 s', r.predict)}
${row(`feedback, 64 connections, ${r.feedback.events} events`, r.feedback)}
${updateRows(r.updates)}

- Feedback: ${r.feedback.events} events sent one per request at 64 connections; **${r.feedback.storedBefore}** in the registry right after (${r.feedback.storedBefore === r.feedback.events ? 'all persisted' : 'MISSING EVENTS'}); ${r.countedAfter} at the end with the batches of the later updates.
- Predict latency while an update runs, against idle just before it: p99 ${ratios} (median **${r.median.p99Ratio.toFixed(2)}x**), median p50 ${r.median.p50Ratio.toFixed(2)}x, median mean ${r.median.meanRatio.toFixed(2)}x.
${slowLines(r.updates)}
`;
}

/** Two table rows per update: the idle latency before it, and the latency during it. */
const updateRows = (runs: UpdateRun[]) =>
  runs
    .flatMap((u, i) => [
      row(`predict at 500/s, idle, 6 s (${i + 1})`, u.idle),
      row(`predict at 500/s, during update ${i + 1}: ${u.examples ?? '?'} events, ${u.updateSeconds.toFixed(1)} s, ${u.accepted === null ? 'no answer' : u.accepted ? 'accepted' : 'rejected'}${u.coveredAll ? '' : `, outlasted ${DURING_MAX_SECONDS} s`}`, u.during),
    ])
    .join('\n');

/** Where each update's slow requests were: counts per tenth of its measurement. */
const slowLines = (runs: UpdateRun[]) =>
  `- Requests slower than the idle p99 before them, by tenth of each update (first to last): ${runs.map((u, i) => `update ${i + 1}: ${u.slowByTenth.join(' ')}`).join('; ')}.`;

/** What failed, when anything did: " (update 1: ECONNRESET x3)". */
function failuresOf(runs: UpdateRun[]): string {
  const parts = runs.flatMap((u, i) => (u.during.failures ? [`update ${i + 1}: ${Object.entries(u.during.failures).map(([k, n]) => `${k} x${n}`).join(', ')}`] : []));
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/** The update scenario alone (--only update). */
function renderUpdates(m: ReturnType<typeof describeMachine>, runs: UpdateRun[], priority: string): string {
  const p99 = median(runs.map((r) => r.p99Ratio));
  const errors = runs.reduce((n, r) => n + r.during.non2xx + r.during.errors, 0);
  return `# accrete serve: predict latency during updates and swaps (\`--only update\`)

${m.date}, ${m.cpu}, ${m.nproc} cores, Node ${m.node}, accrete ${m.accrete}; load average at start ${m.loadAverage.toFixed(2)}.
Same server and model as serve.md (its update worker at \`--update-priority ${priority}\`); each update learns
20,000 feedback events sent in batches of 1,000. The fixed-rate client runs in a process of its own, sends for a
second unmeasured, and measures from before the update is posted to its answer, so the swap (the patch applied in
place) is covered too.

| phase | requests | req/s | mean ms | p50 ms | p90 ms | p99 ms | max ms | errors |
|---|---|---|---|---|---|---|---|---|
${updateRows(runs)}

- p99 during / idle: ${runs.map((u) => `${u.p99Ratio.toFixed(2)}x`).join(', ')} (median **${p99.toFixed(2)}x**; bound 1.5x: ${p99 <= 1.5 ? 'met' : '**not met**'}); error answers during updates: ${errors}${failuresOf(runs)}.
${slowLines(runs)}

The server's log line for each update: the worker's steps, then the server's (publish, patch, commit, swap; record for a rejection), in ms of wall time; a SQLite registry's commit and record run on its registry thread, so the server's thread does not spend them.

\`\`\`
${runs.flatMap((u) => u.steps).join('\n')}
\`\`\`
`;
}

process.exitCode = await main();
