/** The messages between a learner and its worker thread (runner.ts and worker.ts). */
import type { ReadOptions } from '../data/read.js';
import type { WireError } from '../errorWire.js';
import type { Example } from '../data/example.js';
import type { EvaluateOptions } from '../eval/evaluate.js';
import type { Metrics } from '../eval/metrics.js';
import type { AutotuneTrial } from '../learn/autotune.js';
import type { TrainOptions, TrainReport } from '../learn/train.js';
import type { ModelInfo, TextClassifier } from '../model/classifier.js';
import type { ModelBefore, Patch } from '../store/patch.js';
import type { UpdateOptions, UpdateReport } from '../update/update.js';
import type { UpdateWarning } from '../update/warnings.js';
import type { GateIssue } from '../update/gate.js';
import type { ListPatch } from '../util/listPatch.js';
import type { PackedExamples } from './pack.js';
import type { LearnerProgress } from './progress.js';
import type { ModelHandle, PackedMemory } from './transfer.js';

/** Examples for a job: a data file the worker reads itself, or examples packed on the main thread. */
export type JobSource = { file: string; read: ReadOptions } | { examples: PackedExamples };

/** Train's options as they cross: no functions (progress and trials come back as messages). */
export type TrainWireOptions = Omit<TrainOptions, 'onProgress' | 'onCheckpoint' | 'featureCache' | 'autotune'> & {
  autotune?: Omit<NonNullable<TrainOptions['autotune']>, 'onTrial'>;
};

export interface TrainJob {
  kind: 'train';
  source: JobSource;
  options: TrainWireOptions;
  replay: number;
  guardSize: number | undefined;
  /** Whether to post autotune's trials (the caller gave onTrial). */
  trials: boolean;
}

export interface LearnJob {
  kind: 'learn';
  /** The learner's model, to copy; null when the worker thread's kept copy is at `version` already. */
  model: ModelHandle | null;
  /** The learner's model's version (a number the learner gives each state of its model). */
  version: number;
  /** The version the model will be at once this update is applied (never given to another). */
  next: number;
  /** The model's info and source as they are now (a save changes them, not the version). */
  now: { info: ModelInfo; source: TextClassifier['source'] };
  memory: PackedMemory | null;
  source: JobSource;
  options: Omit<UpdateOptions, 'memory' | 'onRound'>;
}

export interface EvaluateJob {
  kind: 'evaluate';
  model: ModelHandle;
  source: JobSource;
  options: EvaluateOptions;
}

export interface LoadJob {
  kind: 'load';
  dir: string;
}

export type Job = TrainJob | LearnJob | EvaluateJob | LoadJob;

export interface TrainResult {
  model: ModelHandle;
  memory: PackedMemory | null;
  report: TrainReport;
}

export type LoadResult = Omit<TrainResult, 'report'>;

/** What an accepted update changed of a memory the learner had: list changes, so that kept examples stay the same objects. */
export interface MemoryChanges {
  head: PackedMemory['head'];
  replay: ListPatch<Example>;
  guard: ListPatch<Example>;
  fisher: PackedMemory['fisher'];
  seen: PackedMemory['seen'];
}

export type LearnResult =
  | { accepted: false; reasons: GateIssue[]; report: UpdateReport; warnings: UpdateWarning[] }
  | {
      accepted: true;
      reasons: GateIssue[];
      report: UpdateReport;
      warnings: UpdateWarning[];
      parent: ModelBefore;
      /** What to apply to the learner's model: the update, as a patch of it (of it with its n-gram table grown to `grownTable` rows, when given). */
      patch: Patch;
      /** The rows the update grew the n-gram table to (src/update/growTable.ts), when it did. */
      grownTable?: number;
      /** The memory after: changes of the learner's, or a whole one it started (it had none). */
      memory: { changes: MemoryChanges } | { started: PackedMemory } | null;
    };

export type JobResult = TrainResult | LearnResult | Metrics | LoadResult;

export type WorkerMessage =
  | { type: 'progress'; progress: LearnerProgress }
  | { type: 'trial'; trial: AutotuneTrial; best: AutotuneTrial }
  /** The learn job has copied the learner's tensors: the learner may change them again. */
  | { type: 'copied' }
  | { type: 'done'; result: JobResult }
  | { type: 'error'; error: WireError };
