/**
 * A SHA-256 of everything an update reads and writes of a learner: every tensor's bits (parameters
 * and Adam's moments), the vocabulary with its counts, the model info, Adam's step, and the memory
 * as its files hold it. Two learners with the same digest train alike: the tests compare the update
 * worker's resident learner with its version loaded from disk by it.
 */
import { createHash } from 'node:crypto';
import { namedTensors } from '../store/patch.js';
import type { Learner } from './residentModel.js';
import { partsOf } from '../update/memoryPatch.js';

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function learnerDigest({ model, memory }: Learner): string {
  const h = createHash('sha256');
  for (const [name, m] of namedTensors(model)) h.update(`${name} ${m.rows}x${m.cols}\n`).update(bytesOf(m.data.subarray(0, m.rows * m.cols)));
  const v = model.vocab;
  h.update(JSON.stringify([v.words, v.wordCounts, v.labels, v.labelCounts, model.info, model.optimizerState?.step ?? null]));
  if (memory) {
    const parts = partsOf(memory);
    h.update(JSON.stringify([parts.state, parts.guard]));
    for (const [name, t] of parts.tensors) h.update(`${name}\n`).update(bytesOf(t));
  }
  return h.digest('hex');
}
