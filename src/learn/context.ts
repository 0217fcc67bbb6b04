/** Builds the per-thread state one training step needs. */
import type { Config } from '../config.js';
import { createScratch, type Scratch } from '../model/forward.js';
import { createLoss } from '../model/loss/loss.js';
import type { Params } from '../model/params.js';
import type { Optimizer } from '../optim/optimizer.js';
import { SELECT_ALL, type Selection } from '../optim/selection.js';
import { Rng } from '../util/rng.js';
import type { StepContext } from './step.js';

/** `scratch`: a fresh one by default; pass reusableScratch(params) when runs follow each other on one model. */
export function stepContext(params: Params, cfg: Config, optimizer: Optimizer, rngSeed: number, selection: Selection = SELECT_ALL, scratch: Scratch = createScratch(params)): StepContext {
  return {
    params,
    loss: createLoss(cfg.loss),
    bagNorm: cfg.bagNorm,
    weightDecay: cfg.weightDecay,
    dropout: cfg.dropout,
    optimizer,
    selection,
    scratch,
    rng: new Rng(rngSeed),
  };
}

/** Indices 0..n-1, or only those with i % stride === offset (a worker's shard). */
export function indexRange(n: number, stride = 1, offset = 0): Int32Array {
  const out = new Int32Array(Math.max(0, Math.ceil((n - offset) / stride)));
  for (let k = 0, i = offset; i < n; i += stride, k++) out[k] = i;
  return out;
}
