/**
 * Where autotune's trials run: on the caller's thread (one lane), or on worker threads, one trial
 * each at a time, so that two trials use two cores. A trial's result does not depend on its lane:
 * each lane builds the same tokens and vocabulary, and a trial trains on one thread with its seed.
 */
import { Worker } from 'node:worker_threads';
import { modelAt } from '../../offthread/transfer.js';
import { fromWire } from '../../errorWire.js';
import { openLane, runTrial, type TrialBase, type TrialOutcome, type TrialRequest } from './trial.js';
import type { LaneReply } from './worker.js';

export interface TrialLane {
  run(req: TrialRequest): Promise<TrialOutcome>;
  close(): Promise<void>;
}

/** `count` lanes: the caller's thread for one, else as many worker threads. */
export function openLanes(base: TrialBase, count: number): TrialLane[] {
  if (count <= 1) {
    const lane = openLane(base);
    return [{ run: (req) => runTrial(lane, req), close: async () => {} }];
  }
  return Array.from({ length: count }, () => workerLane(base));
}

function workerLane(base: TrialBase): TrialLane {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: base });
  return {
    run: (req) =>
      new Promise<TrialOutcome>((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        worker.once('error', onError);
        worker.once('message', (reply: LaneReply) => {
          worker.off('error', onError);
          if (!reply.ok) return reject(fromWire(reply.error, "an autotune lane's thread"));
          const result = reply.model && reply.report && reply.seen ? { model: modelAt(reply.model), report: reply.report, seen: reply.seen } : null;
          resolve({ trial: reply.trial, hits: reply.hits, result });
        });
        worker.postMessage(req);
      }),
    close: async () => {
      await worker.terminate();
    },
  };
}
