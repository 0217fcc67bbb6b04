/**
 * One Hogwild shard: every `threads`-th example from `thread` on, trained with its own shuffles and
 * dropout and a learning rate that decays over its own position in the run. The main thread
 * trains shard 0 (hogwild.ts), a worker each of the others (worker.ts).
 */
import type { Config } from '../config.js';
import type { FeaturizedData } from '../features/dataset.js';
import type { Params } from '../model/params.js';
import type { AdamState } from '../optim/adam.js';
import { createOptimizer } from '../optim/optimizer.js';
import { Rng } from '../util/rng.js';
import { indexRange, stepContext } from './context.js';
import { runEpoch } from './epochs.js';
import type { StepContext } from './step.js';

export class Shard {
  private readonly ctx: StepContext;
  private readonly shuffler: Rng;
  private readonly order: Int32Array;

  /** `progress[thread]` is kept at the examples of this shard done in the current epoch. */
  constructor(
    params: Params,
    adam: AdamState | null,
    private readonly data: FeaturizedData,
    private readonly cfg: Config,
    private readonly thread: number,
    threads: number,
    private readonly progress: Int32Array,
  ) {
    const seed = cfg.seed * 7919 + thread + 1;
    this.ctx = stepContext(params, cfg, createOptimizer(cfg.optimizer, params, adam), seed);
    this.shuffler = new Rng(seed);
    this.order = indexRange(data.count, threads, thread);
  }

  /** Trains epoch `epoch` (0-based) of `epochs`; returns the mean loss. `onTick`: about twice a second. */
  epoch(epoch: number, epochs: number, onTick?: () => void): number {
    const { order, progress, thread } = this;
    this.shuffler.shuffle(order);
    Atomics.store(progress, thread, 0);
    const loss = runEpoch(this.ctx, this.data, order, {
      lr: this.cfg.lr,
      decay: true,
      doneBefore: epoch * order.length,
      total: epochs * order.length,
      onTick: (done) => {
        Atomics.store(progress, thread, done);
        onTick?.();
      },
    });
    Atomics.store(progress, thread, order.length);
    return loss;
  }
}
