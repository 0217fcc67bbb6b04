/**
 * A Hogwild training worker (Recht et al. 2011), for shards 1 and up (hogwild.ts trains shard 0 on
 * the main thread): it steps through its shard of the data and writes
 * straight into parameter tensors in shared WebAssembly memory, without locks, as fastText's
 * threads do.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { FeaturizedData } from '../features/dataset.js';
import { Arena } from '../model/arena.js';
import { matrixAt, paramsAt, type ParamRefs, type TensorRef } from '../model/sharedParams.js';
import { createOptimizer } from '../optim/optimizer.js';
import { Rng } from '../util/rng.js';
import { indexRange, stepContext } from './context.js';
import { runEpoch } from './epochs.js';

export interface WorkerInit {
  cfg: Config;
  thread: number;
  threads: number;
  memory: WebAssembly.Memory;
  params: ParamRefs;
  adam: { step: number; first: (TensorRef | null)[]; second: (TensorRef | null)[] } | null;
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

/** The seed of shard `thread`'s shuffles and dropout. */
export function shardSeed(cfg: Config, thread: number): number {
  return cfg.seed * 7919 + thread + 1;
}

if (parentPort) {
  const init = workerData as WorkerInit;
  const { cfg, thread, threads, data, progress } = init;
  const arena = Arena.attach(init.memory);
  const params = paramsAt(arena, init.params);
  const toMatrix = (t: TensorRef | null) => (t ? matrixAt(arena, t) : null);
  const adamState = init.adam ? { step: init.adam.step, first: init.adam.first.map(toMatrix), second: init.adam.second.map(toMatrix) } : null;
  const optimizer = createOptimizer(cfg.optimizer, params, adamState);
  const seed = shardSeed(cfg, thread);
  const ctx = stepContext(params, cfg, optimizer, seed);
  const shuffler = new Rng(seed);
  const order = indexRange(data.count, threads, thread);
  const port = parentPort;
  port.on('message', (req: EpochRequest) => {
    try {
      shuffler.shuffle(order);
      Atomics.store(progress, thread, 0);
      const loss = runEpoch(ctx, data, order, {
        lr: cfg.lr,
        decay: true,
        // The decay follows this worker's own position in the run: its shard is 1/threads of the data.
        doneBefore: req.epoch * order.length,
        total: req.epochs * order.length,
        onTick: (done) => Atomics.store(progress, thread, done),
      });
      Atomics.store(progress, thread, order.length);
      port.postMessage({ ok: true, loss } satisfies WorkerReply);
    } catch (err) {
      const e = err as Error;
      port.postMessage({ ok: false, message: e.message, diverged: e.name === 'DivergenceError' } satisfies WorkerReply);
    }
  });
}
