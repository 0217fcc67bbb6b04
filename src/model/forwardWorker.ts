/**
 * A worker thread that runs forward passes: given a model's tensors in shared WebAssembly memory
 * (read in place, never copied) and texts as input rows, it answers each job with their top labels.
 * It runs the same predictProbs and pickTop as TextClassifier, so the answers are the same.
 */
import { parentPort } from 'node:worker_threads';
import { Arena, kernelModule } from './arena.js';
import { createScratch, predictProbs } from './forward.js';
import { createLoss } from './loss/loss.js';
import type { ForwardReply, ForwardRequest, ForwardSetup } from './forwardProtocol.js';
import { paramsAt } from './sharedParams.js';
import { topRows, type ProbsOfRows } from './topRows.js';

interface Predictor {
  probsOf: ProbsOfRows;
  labelCount: number;
  k: number;
  threshold: number;
}

function predictorOf(setup: ForwardSetup): Predictor {
  const params = paramsAt(Arena.attach(setup.memory), setup.params);
  const scratch = createScratch(params);
  const loss = createLoss(setup.loss);
  return {
    probsOf: (rows, start, end) => predictProbs(params, loss, rows, start, end, scratch, setup.tableSigmoid, setup.bagNorm),
    labelCount: setup.labelCount,
    k: setup.k,
    threshold: setup.threshold,
  };
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

if (parentPort) {
  const port = parentPort;
  // Compiled now, while the main thread is still loading the model.
  kernelModule();
  let predictor: Predictor | null = null;
  let setupError: string | null = null;
  port.on('message', (m: ForwardRequest) => {
    if (m.type === 'setup') {
      try {
        predictor = predictorOf(m);
        setupError = null;
      } catch (err) {
        setupError = `cannot attach the model: ${messageOf(err)}`;
      }
      return;
    }
    try {
      if (predictor === null) throw new Error(setupError ?? 'a job came before the model');
      const top = topRows(predictor.probsOf, predictor.labelCount, m.rows, m.ends, predictor.k, predictor.threshold);
      port.postMessage({ type: 'done', id: m.id, top } satisfies ForwardReply, [top.labels.buffer, top.scores.buffer]);
    } catch (err) {
      port.postMessage({ type: 'failed', id: m.id, message: messageOf(err) } satisfies ForwardReply);
    }
  });
  port.postMessage({ type: 'up' } satisfies ForwardReply);
}
