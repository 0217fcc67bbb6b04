/**
 * The records of new versions, built in one place for both registries (SQLite and PostgreSQL):
 * an imported model directory, and an update job's accepted version.
 */
import { resolve } from 'node:path';
import { evaluate } from '../eval/evaluate.js';
import { loadLearner } from '../update/memory.js';
import { copyModelDir, versionPath } from './files.js';
import type { CommitInput } from './store.js';
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

/** The record of update job `job`'s accepted version `id`. */
export function updatedRecord(job: number, id: string, o: CommitInput): VersionRecord {
  return {
    id,
    parent: o.parent,
    createdAt: new Date().toISOString(),
    fingerprint: o.report.data.fingerprint,
    options: o.options,
    metrics: o.metrics,
    decision: { accepted: true, reasons: o.report.reasons, source: 'update' },
    path: versionPath(id),
    checksum: o.checksum,
    labels: o.labels,
    job,
  };
}
