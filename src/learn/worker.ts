/**
 * A Hogwild training worker (Recht et al. 2011), for shards 1 and up (hogwild.ts trains shard 0 on
 * the main thread): it trains its Shard, writing straight into parameter tensors in shared
 * WebAssembly memory, without locks, as fastText's threads do.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { FeaturizedData } from '../features/dataset.js';
import { Arena } from '../model/arena.js';
import { adamAt, paramsAt, type AdamRefs, type ParamRefs } from '../model/sharedParams.js';
import { Shard } from './shard.js';

export interface WorkerInit {
  cfg: Config;
  thread: number;
  threads: number;
  memory: WebAssembly.Memory;
  params: ParamRefs;
  adam: AdamRefs | null;
  data: FeaturizedData;
  /** progress[thread] = examples this worker finished in the current epoch. */
  progress: Int32Array;
}

export interface EpochRequest {
  /** 0-based epoch index and the planned number of epochs (for the learning-rate decay). */
  epoch: number;
  epochs: number;
}

export type WorkerReply = { ok: true; loss: number } | { ok: false; message: string; diverged: boolean };

if (parentPort) {
  const init = workerData as WorkerInit;
  const { cfg, thread, threads, data, progress } = init;
  const arena = Arena.attach(init.memory);
  const params = paramsAt(arena, init.params);
  const adamState = init.adam ? adamAt(arena, init.adam) : null;
  const shard = new Shard(params, adamState, data, cfg, thread, threads, progress);
  const port = parentPort;
  port.on('message', (req: EpochRequest) => {
    try {
      const loss = shard.epoch(req.epoch, req.epochs);
      port.postMessage({ ok: true, loss } satisfies WorkerReply);
    } catch (err) {
      const e = err as Error;
      port.postMessage({ ok: false, message: e.message, diverged: e.name === 'DivergenceError' } satisfies WorkerReply);
    }
  });
}
