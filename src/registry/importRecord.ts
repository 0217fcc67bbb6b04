/**
 * The record of a model directory imported into a registry (SQLite or PostgreSQL): the copy is
 * loaded (which verifies it) and scored on its saved guard set. One place for both stores.
 */
import { resolve } from 'node:path';
import { evaluate } from '../eval/evaluate.js';
import { loadLearner } from '../update/memory.js';
import { copyModelDir, versionPath } from './files.js';
import { summarize, type VersionRecord } from './types.js';

/** Copies `dir` to `target` (the version's directory), loads the copy and describes it as version `id`. */
export function importCopy(id: string, dir: string, target: string): VersionRecord {
  copyModelDir(dir, target);
  const { model, memory } = loadLearner(target);
  const info = model.info as { lineage?: { dataFingerprint?: string } };
  const guard = memory?.guard?.length ? summarize(evaluate(model, memory.guard)) : null;
  return {
    id,
    parent: null,
    createdAt: new Date().toISOString(),
    fingerprint: info.lineage?.dataFingerprint ?? null,
    options: { importedFrom: resolve(dir), config: model.config },
    metrics: { guard, fresh: null },
    decision: { accepted: true, reasons: [], source: 'import' },
    path: versionPath(id),
    checksum: model.source!.weightsChecksum,
    labels: [...model.labels],
    job: null,
  };
}
