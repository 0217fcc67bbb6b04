/**
 * Writing a whole model directory from a command (train, import-fasttext): under the directory's
 * write lock, with file-system errors turned into a message that names the directory.
 */
import type { TextClassifier } from '../model/classifier.js';
import { saveLearner, type ContinualMemory } from '../update/memory.js';
import { lockModelDir } from './modelLock.js';
import { asFileError } from './outputDir.js';

/** Saves `model` and `memory` whole at `out` for command `what` ("accrete train"), waiting up to `waitMs` for another writer. */
export function saveWholeLearner(model: TextClassifier, memory: ContinualMemory | null, out: string, what: string, waitMs: number): void {
  // The lock only keeps this write from landing in the middle of another command's: the directory is replaced.
  const held = lockModelDir(out, what, waitMs);
  try {
    saveLearner(model, memory, out, held.saveOptions);
  } catch (err) {
    throw asFileError(err, `cannot write the model to ${out}`);
  } finally {
    held.release();
  }
}
