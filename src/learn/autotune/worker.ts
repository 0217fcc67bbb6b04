/**
 * A lane worker of autotune (lanes.ts): opens a lane on the search's data, then runs the trials it
 * is sent one at a time. A done trial's model goes back as a handle on its shared memory (never
 * copied); this thread drops it at once, so the caller decides which model lives on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toExamples } from '../../data/example.js';
import { handleOf, type ModelHandle } from '../../offthread/transfer.js';
import { toWire, type WireError } from '../../errorWire.js';
import type { TrainReport } from '../train.js';
import { openLane, runTrial, type AutotuneTrial, type TrialBase, type TrialRequest } from './trial.js';

export type LaneReply =
  | { ok: true; trial: AutotuneTrial; hits: number; model: ModelHandle | null; report: TrainReport | null; seen: Uint8Array | null }
  | { ok: false; error: WireError };

if (parentPort) {
  const port = parentPort;
  const init = workerData as TrialBase;
  const lane = openLane({ ...init, examples: toExamples(init.examples, 'autotune lane'), validation: toExamples(init.validation, 'autotune lane') });
  port.on('message', (req: TrialRequest) => {
    runTrial(lane, req).then(
      ({ trial, hits, result }) => {
        const reply: LaneReply = { ok: true, trial, hits, model: result && handleOf(result.model), report: result?.report ?? null, seen: result?.seen ?? null };
        port.postMessage(reply, reply.seen ? [reply.seen.buffer as ArrayBuffer] : []);
      },
      (err: unknown) => port.postMessage({ ok: false, error: toWire(err) } satisfies LaneReply),
    );
  });
}
