/**
 * A pool of Hogwild workers over shared memory. The main thread stays free to draw progress and
 * to validate between epochs; each epoch is one message to every worker.
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import { DivergenceError } from '../errors.js';
import type { FeaturizedData } from '../features/dataset.js';
import type { Matrix } from '../model/matrix.js';
import type { Params } from '../model/params.js';
import type { AdamState } from '../optim/adam.js';
import type { EpochRequest, TensorRef, WorkerInit, WorkerReply } from './worker.js';

const shareable = (m: Matrix): TensorRef => ({ ptr: m.ptr, rows: m.rows, cols: m.cols });

export class HogwildPool {
  private readonly workers: Worker[] = [];
  readonly progress: Int32Array;

  constructor(params: Params, adam: AdamState | null, data: FeaturizedData, cfg: Config) {
    const threads = cfg.thread;
    this.progress = new Int32Array(new SharedArrayBuffer(4 * threads));
    const tensors = {
      input: shareable(params.input),
      hiddenWeight: params.hidden ? shareable(params.hidden.weight) : null,
      hiddenBias: params.hidden ? shareable(params.hidden.bias) : null,
      output: shareable(params.output),
    };
    const adamShared = adam
      ? { step: adam.step, first: adam.first.map((m) => (m ? shareable(m) : null)), second: adam.second.map((m) => (m ? shareable(m) : null)) }
      : null;
    for (let thread = 0; thread < threads; thread++) {
      const init: WorkerInit = { cfg, thread, threads, memory: params.arena.memory, tensors, adam: adamShared, data, progress: this.progress };
      this.workers.push(new Worker(new URL('./worker.js', import.meta.url), { workerData: init }));
    }
  }

  /** Examples finished in the current epoch, over all workers. */
  done(): number {
    let sum = 0;
    for (let i = 0; i < this.progress.length; i++) sum += Atomics.load(this.progress, i);
    return sum;
  }

  /** Runs one epoch on every worker; resolves with the mean loss. */
  async epoch(epoch: number, epochs: number): Promise<number> {
    const replies = await Promise.all(
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
    const failed = replies.find((r): r is Extract<WorkerReply, { ok: false }> => !r.ok);
    if (failed) {
      if (failed.diverged) throw new DivergenceError('a training worker');
      throw new Error(`a training worker failed: ${failed.message}`);
    }
    return replies.reduce((s, r) => s + (r.ok ? r.loss : 0), 0) / replies.length;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
