/** Loads a model directory in a worker thread (checksums verified) and hands it over without copying its tensors. */
import { parentPort, workerData } from 'node:worker_threads';
import { AccreteError } from '../errors.js';
import { loadModel } from '../store/modelFiles.js';
import { toTransfer } from './transfer.js';

try {
  parentPort!.postMessage({ ok: true, model: toTransfer(loadModel((workerData as { dir: string }).dir)) });
} catch (err) {
  parentPort!.postMessage({ ok: false, code: err instanceof AccreteError ? err.code : null, message: err instanceof Error ? err.message : String(err) });
}
