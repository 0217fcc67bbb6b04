/** What the registry records: versions, update jobs and feedback events, as plain values. */
import type { Metrics } from '../eval/metrics.js';
import type { GateIssue } from '../update/gate.js';

/** Metrics of one set of examples, without the confusion matrix. */
export interface MetricsSummary {
  n: number;
  accuracy: number;
  macroF1: number;
  perLabel: { label: string; precision: number; recall: number; f1: number; support: number }[];
}

/** A version's scores: on the guard set and on the validation part of the data it learned (null when there was none). */
export interface VersionMetrics {
  guard: MetricsSummary | null;
  fresh: MetricsSummary | null;
  /** The parent's scores on the same sets, for an update. */
  before?: { guard: MetricsSummary | null; fresh: MetricsSummary | null } | null;
}

/** How a version came to be, and what the gate said. */
export interface Decision {
  accepted: boolean;
  reasons: GateIssue[];
  source: 'import' | 'update';
}

export interface VersionRecord {
  id: string;
  parent: string | null;
  createdAt: string;
  /** SHA-256 of the data it learned (of the imported model's training data when known). */
  fingerprint: string | null;
  options: Record<string, unknown>;
  metrics: VersionMetrics;
  decision: Decision;
  /** The model directory, relative to the registry's folder. */
  path: string;
  /** XXH64 of weights.safetensors, as model.json records it. */
  checksum: string;
  labels: string[];
  job: number | null;
  /** When garbage collection removed its files (null while they are kept). */
  removedAt?: string | null;
}

/** 'queued': asked for by a replica that does not run updates (PostgreSQL); the updater runs it. */
export type JobState = 'queued' | 'running' | 'accepted' | 'rejected' | 'failed' | 'interrupted';
/**
 * Why a failed job failed, as its control run told: `environment` (the files, the disk or the
 * options: the same update on known-good examples failed too; nothing is quarantined) or `data`
 * (known-good examples update fine: the events that make it fail are quarantined).
 */
export type JobFault = 'environment' | 'data';
export type JobTrigger = 'api' | 'every-n' | 'drift' | 'cli';

export interface JobRecord {
  id: number;
  state: JobState;
  trigger: JobTrigger;
  parent: string;
  /** The version the job made (accepted jobs only). */
  version: string | null;
  options: Record<string, unknown>;
  /** The range of the ids of the feedback events it claimed (after < id <= upto; not every id in it need be its). */
  feedback: { after: number; upto: number };
  examples: number;
  createdAt: string;
  finishedAt: string | null;
  reasons: GateIssue[] | null;
  metrics: VersionMetrics | null;
  error: string | null;
  /** A failed job's diagnosis (null otherwise, or before it is known). */
  fault: JobFault | null;
}

/** One piece of feedback: a text, its true labels, and what the serving model had predicted. */
export interface FeedbackEvent {
  text: string;
  labels: string[];
  weight?: number;
  predicted: string | null;
  score: number | null;
  version: string | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
  source: string;
}

export function summarize(m: Metrics | null | undefined): MetricsSummary | null {
  if (!m) return null;
  return { n: m.n, accuracy: m.accuracy, macroF1: m.macroF1, perLabel: m.perLabel.map(({ label, precision, recall, f1, support }) => ({ label, precision, recall, f1, support })) };
}
