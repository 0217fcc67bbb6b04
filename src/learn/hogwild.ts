/**
 * Hogwild training over shared memory: this thread takes shard 0 of every epoch itself and
 * `thread - 1` workers take the others, all writing into the same tensors without locks. A worker
 * for every shard left this thread idle while it cost its own V8 isolate (about 7 MB of peak RSS).
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import { DivergenceError } from '../errors.js';
import type { FeaturizedData } from '../features/dataset.js';
import type { Params } from '../model/params.js';
import type { AdamState } from '../optim/adam.js';
import { adamRefs, paramRefs } from '../model/sharedParams.js';
import { Shard } from './shard.js';
import type { EpochRequest, WorkerInit, WorkerReply } from './worker.js';

export class HogwildPool {
  private readonly workers: Worker[] = [];
  readonly progress: Int32Array;
  /** Shard 0, trained on this thread. */
  private readonly own: Shard;

  constructor(params: Params, adam: AdamState | null, data: FeaturizedData, cfg: Config) {
    const threads = cfg.thread;
    this.progress = new Int32Array(new SharedArrayBuffer(4 * threads));
    this.own = new Shard(params, adam, data, cfg, 0, threads, this.progress);
    const refs = paramRefs(params);
    const adamShared = adam ? adamRefs(adam) : null;
    for (let thread = 1; thread < threads; thread++) {
      const init: WorkerInit = { cfg, thread, threads, memory: params.arena.memory, params: refs, adam: adamShared, data, progress: this.progress };
      this.workers.push(new Worker(new URL('./worker.js', import.meta.url), { workerData: init }));
    }
  }

  /** Examples finished in the current epoch, over all workers. */
  done(): number {
    let sum = 0;
    for (let i = 0; i < this.progress.length; i++) sum += Atomics.load(this.progress, i);
    return sum;
  }

  /**
   * Runs one epoch on every shard; resolves with the mean loss. This thread is busy with shard 0
   * meanwhile (timers wait): `onTick` is called about twice a second from its loop.
   */
  async epoch(epoch: number, epochs: number, onTick?: () => void): Promise<number> {
    const pending = Promise.all(
      this.workers.map(
        (w) =>
          new Promise<WorkerReply>((resolve, reject) => {
            const onError = (err: Error) => reject(err);
            w.once('error', onError);
            w.once('message', (reply: WorkerReply) => {
              w.off('error', onError);
              resolve(reply);
            });
            w.postMessage({ epoch, epochs } satisfies EpochRequest);
          }),
      ),
    );
    // Should shard 0 throw, the workers' replies are not awaited: close() ends them.
    pending.catch(() => {});
    const ownLoss = this.own.epoch(epoch, epochs, onTick);
    const replies = await pending;
    const failed = replies.find((r): r is Extract<WorkerReply, { ok: false }> => !r.ok);
    if (failed) {
      if (failed.diverged) throw new DivergenceError('a training worker');
      throw new Error(`a training worker failed: ${failed.message}`);
    }
    return replies.reduce((s, r) => s + (r.ok ? r.loss : 0), ownLoss) / (replies.length + 1);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
