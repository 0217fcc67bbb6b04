/**
 * Scenario 2, storage faults mid-load: feedback clients send without pause to a server with
 * --update-every (so updates, and their model saves, meet the faults too) while the fault seam
 * (ACCRETE_FAULT_FILE, util/faultSeam.ts) makes every registry write and model save fail as a
 * full disk, then a read-only file system, then an I/O error would, for a few seconds each, then
 * clears. Per fault: answers by status while it lasted (503 with Retry-After expected, never 500),
 * the time from clearing it to the first acknowledged feedback sent after, and how many log lines
 * the server wrote about it (one per kind per minute expected).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call } from '../../serve/testing.js';
import { FeedbackLoad, byStatus, type Answer } from './clients.js';
import { log, notableLines, sleep } from './common.js';
import { ServerProc } from '../../serve/serverProc.js';
import { checkRegistry, type RegistryCheck } from './registryCheck.js';

export const FAULTS = ['full', 'read-only', 'io'] as const;

export interface FaultRecord {
  fault: (typeof FAULTS)[number];
  seconds: number;
  /** Answers to feedback sent while the fault was set, by status. */
  statuses: Record<string, number>;
  /** 503 answers without a Retry-After header. */
  withoutRetryAfter: number;
  /** Answers with a status of 500 or more other than 503. */
  serverErrors: number;
  /** From clearing the fault to the first 200 answer to feedback sent after it (ms). */
  recoveryMs: number | null;
  /** Server log lines about this kind of storage fault. */
  logLines: number;
}

export interface FaultsResult {
  faults: FaultRecord[];
  acknowledged: number;
  feedbackStatuses: Record<string, number>;
  /** POST /v1/update after every fault had cleared. */
  updateAfter: { status: number; accepted: boolean | null };
  check: RegistryCheck;
  notable: string[];
  seconds: number;
}

export async function faultScenario(o: { dir: string; model: string; examples: { text: string; label: string }[]; faultSeconds: number; seed: number }): Promise<FaultsResult> {
  const started = performance.now();
  mkdirSync(join(o.dir, 'faults'), { recursive: true });
  const registry = join(o.dir, 'faults', 'registry.db');
  const faultFile = join(o.dir, 'faults', 'fault');
  writeFileSync(faultFile, '');
  const server = new ServerProc(['--registry', registry, '--model', o.model, '--no-drift', '--update-every', '40'], { ACCRETE_FAULT_FILE: faultFile });
  const out = await server.outcome();
  if (!out.up) throw new Error(`the fault scenario's server did not start:\n${server.log()}`);
  const url = out.url;
  const load = new FeedbackLoad(() => url, o.examples, 6, o.seed);
  const records: FaultRecord[] = [];
  let updateAfter: FaultsResult['updateAfter'] = { status: 0, accepted: null };
  load.start();
  try {
    await sleep(2000);
    for (const fault of FAULTS) {
      const linesBefore = faultLines(server.log(), fault);
      const on = performance.now();
      writeFileSync(faultFile, fault);
      await sleep(o.faultSeconds * 1000);
      writeFileSync(faultFile, '');
      const off = performance.now();
      // Answers to requests sent while the fault was set (those sent just before it may have been committed already).
      const during = load.answers.filter((a) => a.sent >= on && a.sent < off);
      await sleep(3000);
      const firstOk = load.answers.filter((a) => a.sent >= off && a.status === 200).sort((a, b) => a.at - b.at)[0];
      records.push(faultRecord(fault, o.faultSeconds, during, firstOk ? firstOk.at - off : null, faultLines(server.log(), fault) - linesBefore));
      log(`  ${fault}: ${JSON.stringify(records.at(-1)!.statuses)}, first 200 ${firstOk ? `${Math.round(firstOk.at - off)} ms` : 'never'} after clearing`);
    }
    await load.stop();
    // An automatic update may be running still (409): the API's update runs once it has finished.
    let r = null;
    for (let tries = 0; tries < 60 && (r === null || r.status === 409); tries++) {
      if (r !== null) await sleep(1000);
      r = await call(url, 'POST', '/v1/update', {}, true, {}, 60_000).catch(() => null);
    }
    updateAfter = { status: r?.status ?? 0, accepted: r?.json?.accepted ?? null };
    await server.stop();
  } finally {
    await load.stop();
    await server.dispose();
  }
  return {
    faults: records,
    acknowledged: load.acked.length,
    feedbackStatuses: byStatus(load.answers),
    updateAfter,
    check: checkRegistry(registry, load.acked),
    notable: notableLines([server.log()]),
    seconds: (performance.now() - started) / 1000,
  };
}

const faultLines = (text: string, fault: string) => text.split('\n').filter((l) => l.includes(`storage fault (${fault})`)).length;

function faultRecord(fault: FaultRecord['fault'], seconds: number, during: Answer[], recoveryMs: number | null, logLines: number): FaultRecord {
  return {
    fault,
    seconds,
    statuses: byStatus(during),
    withoutRetryAfter: during.filter((a) => a.status === 503 && !a.retryAfter).length,
    serverErrors: during.filter((a) => a.status >= 500 && a.status !== 503).length,
    recoveryMs,
    logLines,
  };
}
