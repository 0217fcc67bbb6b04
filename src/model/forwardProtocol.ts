/**
 * Messages between a ForwardThread (src/model/forwardThread.ts) and its worker
 * (src/model/forwardWorker.ts). Types only: nothing here is loaded at run time.
 */
import type { BagNorm, Loss } from '../config.js';
import type { ParamRefs } from './sharedParams.js';
import type { TopRows } from './topRows.js';

/** The model to predict with and what to return: sent once, before any job. */
export interface ForwardSetup {
  type: 'setup';
  memory: WebAssembly.Memory;
  params: ParamRefs;
  loss: Loss;
  bagNorm: BagNorm;
  tableSigmoid: boolean;
  /** Labels to choose among: the vocabulary's, as TextClassifier.topK does. */
  labelCount: number;
  k: number;
  threshold: number;
}

/** Texts as input rows: text i is rows [ends[i-1], ends[i]), text 0 from 0. */
export interface ForwardJob {
  type: 'job';
  id: number;
  rows: Int32Array;
  ends: Int32Array;
}

export type ForwardRequest = ForwardSetup | ForwardJob;

export type ForwardReply =
  /** The worker has loaded its code and compiled the kernels: jobs are answered without start-up delay. */
  | { type: 'up' }
  | { type: 'done'; id: number; top: TopRows }
  | { type: 'failed'; id: number; message: string };
