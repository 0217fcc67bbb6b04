/** Loads a model directory in a worker thread (checksums verified, the memory files' too) and hands it over without copying its tensors. */
import { parentPort, workerData } from 'node:worker_threads';
import { toWire } from '../errorWire.js';
import { loadModel, verifyExtraFiles } from '../store/modelFiles.js';
import { toTransfer } from './transfer.js';

try {
  const { dir } = workerData as { dir: string };
  const model = loadModel(dir);
  verifyExtraFiles(dir);
  parentPort!.postMessage({ ok: true, model: toTransfer(model) });
} catch (err) {
  parentPort!.postMessage({ ok: false, error: toWire(err) });
}
