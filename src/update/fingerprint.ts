/** The fingerprint an update's report records to name the data it learned. */
import { createHash } from 'node:crypto';
import { toExamples, type Example, type ExampleInput } from '../data/example.js';

/**
 * A SHA-256 (hex) of examples' texts and labels, in order: the same data gives the same
 * fingerprint, which an update's report records to name the data it learned.
 */
export function fingerprint(input: readonly ExampleInput[]): string {
  return fingerprintOf(toExamples(input, 'fingerprint: examples'));
}

/** fingerprint of examples already checked (update's own: no second pass over them). */
export function fingerprintOf(examples: readonly Example[]): string {
  const h = createHash('sha256');
  for (const e of examples) h.update(JSON.stringify([e.text, e.labels])).update('\n');
  return h.digest('hex');
}
