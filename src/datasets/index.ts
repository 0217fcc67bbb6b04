/**
 * Built-in corpora, parsed in-process from npm devDependencies (nothing is cached on disk):
 * - `spam-assassin`: 6,046 e-mails, spam vs ham, with a collection period in `time`;
 * - `wordnet`: 117k WordNet 3.1 glosses labelled with one of 45 lexicographer files.
 */
import type { Dataset, DatasetName } from './types.js';
import { loadSpamAssassin } from './spamAssassin.js';
import { loadWordnet } from './wordnet.js';
import { UsageError } from '../errors.js';

export type { Dataset, DatasetName } from './types.js';
export { splitTrainTest } from './split.js';

export const DATASET_NAMES: readonly DatasetName[] = ['spam-assassin', 'wordnet'];

/**
 * Loads a built-in corpus. Deterministic: the same examples in the same order every time.
 * @throws AccreteError `MISSING_DATASET` with the npm command to run when the package is absent.
 * @example (await loadDataset('wordnet')).examples[0] // { text: 'that which is perceived or known ...', labels: ['noun.Tops'] }
 */
export async function loadDataset(name: DatasetName): Promise<Dataset> {
  switch (name) {
    case 'spam-assassin':
      return loadSpamAssassin();
    case 'wordnet':
      return loadWordnet();
    default:
      throw new UsageError(`unknown dataset "${String(name)}"; must be one of [${DATASET_NAMES.join(', ')}]`);
  }
}
