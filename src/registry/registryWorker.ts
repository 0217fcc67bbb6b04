/**
 * The registry thread of a server (registryThread.ts starts it): a second connection to the
 * server's SQLite file, holding the same claim (Registry.adopt), which runs the statements whose
 * cost grows with the feedback — an update job's transactions (claiming its events, recording its
 * outcome and using or releasing them) and the reads that count or list events — one call after
 * another, each exactly the Registry method the server's thread ran before.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThread } from '../util/threadPriority.js';
import { Registry } from './registry.js';
import { toWire } from '../errorWire.js';
import type { ThreadCall, ThreadReply } from './threadCalls.js';

const { file, token } = workerData as { file: string; token: string };

// Bulk work, below the server's thread that answers requests (nice 10: util/threadPriority.ts).
// At nice 0 its claim of an update job's events (~130 ms for 20,000) took turns with that thread
// at each job's start, and predictions waited: see docs/decisions.md (2026-12-07, predictions
// during an update). Not SCHED_IDLE: it holds SQLite's write lock while it works.
lowerThisThread('low');

let registry: Registry | null = null;

/** The connection, opened at the first call (an error opening it is that call's answer; the next call tries again). */
function open(): Registry {
  if (registry) return registry;
  const r = Registry.open(file, { mustExist: true });
  try {
    r.adopt(token);
  } catch (err) {
    r.close();
    throw err;
  }
  return (registry = r);
}

parentPort!.on('message', (m: ThreadCall) => {
  let reply: ThreadReply;
  try {
    const r = open();
    const value = (r[m.method] as (...args: unknown[]) => unknown).apply(r, m.args);
    reply = { id: m.id, ok: true, value };
  } catch (err) {
    reply = { id: m.id, ok: false, error: toWire(err) };
  }
  parentPort!.postMessage(reply);
});
