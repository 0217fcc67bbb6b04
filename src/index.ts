/**
 * @file Accrete's public API: text classifiers that keep learning.
 *
 * Start with Learner: a model with its memory and directory, trained from an array, a file or an
 * async iterable, then predict, learn (the gated update, always with its memory), evaluate and save
 * (a patch where it was loaded from). Its train, learn, evaluate and load run in a worker thread
 * (the caller's event loop keeps turning) and take an AbortSignal and a progress callback. The
 * functions below are the lower layer it is made of, and run on the caller's thread. What is API
 * and how stable: docs/api.md.
 *
 * Examples are `{ text, label }` or `{ text, labels: [...] }` (ExampleInput): train, update, evaluate,
 * buildMemory and fingerprint take either, check them, and throw an AccreteError (code BAD_DATA)
 * naming the first bad one; readers return, and lower-level parts take, the `labels` form (Example).
 *
 * update(model, examples, { memory }) changes `model` in place, under an undo journal: when the gate
 * accepts, `model` (and `memory`, which takes the new examples) is the new version; when it rejects,
 * or training diverges (DivergenceError), every row, word, label and optimizer moment is put back
 * bit for bit. Copy the model first (loadModel again) to keep the parent. saveLearner/loadLearner
 * keep a model with that memory; saveModel/loadModel the model alone.
 *
 * @example
 * import { train, buildMemory, saveLearner } from 'accrete';
 * const examples = [{ text: 'win a free prize now', label: 'spam' }, { text: 'lunch at noon?', label: 'ham' }];
 * const { model, seen } = await train(examples, { epoch: 100, lr: 1 });
 * model.predict('free prize', { k: 1 }); // [{ label: 'spam', score: 0.986... }]
 * saveLearner(model, buildMemory(model, examples, { seen }), 'out/model');
 */

// Configuration and errors
export { DEFAULTS, resolveConfig, configIssues } from './config.js';
export type { Config, Loss, OptimizerName, TextConfig, ModelConfig, TrainConfig, TokenizerName, HashingName, BagNorm } from './config.js';
export { AccreteError, ConfigError, DataError, ModelFileError, DivergenceError, ExportRefusedError, StaleParentError, UsageError } from './errors.js';
export type { ErrorCode } from './errors.js';

// Data: examples and streaming readers
export type { Example, ExampleInput, DataFormat } from './data/example.js';
export { readExamples, readDataset, parseExamples, detectFormat, toFastTextLine, toJsonlLine } from './data/read.js';
export type { ReadOptions, ReadReport, BadLine } from './data/read.js';

// Text: normalisation, tokenisation, hashing
export { tokenize } from './text/tokenize.js';
export { normalize } from './text/normalize.js';
export { charNgrams } from './text/charNgrams.js';
export { fnv1a32 } from './text/hash.js';

// The model
export { TextClassifier } from './model/classifier.js';
export type { Prediction, PredictOptions, ModelInfo } from './model/classifier.js';
export { Vocab } from './vocab/vocab.js';

// The learner: a model with its memory and directory, trained, updated, evaluated and saved as one
// (train, learn, evaluate and load run in a worker thread; each takes `signal` and `onProgress`)
export { Learner } from './learner.js';
export type { ExampleSource, LearnerTrainOptions, LearnOptions, LearnerEvaluateOptions, LearnResult, LearnerSaved, LearnerLineage } from './learner.js';
export type { LearnerProgress, LearnerPhase, RunOptions } from './offthread/progress.js';
export { AbortError } from './offthread/abort.js';

// Training and evaluation
export { train } from './learn/train.js';
export type { TrainOptions, TrainReport, TrainResult, EpochReport } from './learn/train.js';
export type { AutotuneOptions, AutotuneReport, AutotuneTrial, AutotuneMetric, TrialSettings } from './learn/autotune.js';
export type { TrainProgress, ProgressListener } from './learn/progress.js';
export { evaluate } from './eval/evaluate.js';
export type { EvaluateOptions } from './eval/evaluate.js';
export { MetricsAccumulator } from './eval/metrics.js';
export type { Metrics, LabelMetrics } from './eval/metrics.js';

// Incremental updates and forgetting control
export { update, fingerprint, REPLAY_RATIO, REPLAY_INPUT, BALANCE, defaultBalance } from './update/update.js';
export { checkUpdateOptions, inRange, UPDATE_RANGES } from './update/options.js';
export type { NumericUpdateOption, OptionRange } from './update/options.js';
export { SMALL_VALID } from './update/gate.js';
export type { UpdateOptions, UpdateReport, UpdateDecision, ParamChange } from './update/update.js';
export type { UpdateWarning, UpdateWarningCode } from './update/warnings.js';
export { buildMemory, saveLearner, loadLearner, loadMemory, DEFAULT_REPLAY } from './update/memory.js';
export type { BuildMemoryOptions, ContinualMemory } from './update/memory.js';

export { parseSelection, SELECTION_HELP } from './update/selection.js';
export type { ReplayInput, SelectionSpec } from './update/selection.js';
export type { GateIssue, GateOptions, GateCode } from './update/gate.js';
export { ReplayBuffer } from './forgetting/replay.js';
export type { ReplayState } from './forgetting/replay.js';

// Continual-learning evaluation
export { averageAccuracy, backwardTransfer, forgetting, forwardTransfer, learningAccuracy, progressiveAccuracy } from './eval/continual.js';
export type { AccuracyMatrix } from './eval/continual.js';

// Model files
export { saveModel, loadModel, loadModelAsync, beginLoad, readModelJsonCopy as readModelJson, MODEL_FORMAT_VERSION } from './store/modelFiles.js';
export type { AsyncReadOptions, PendingModel } from './store/modelFiles.js';

// fastText interoperability: its .bin models in and out, its tokenizer and hashing, its .vec vectors
export { importFastText } from './interop/import.js';
export type { ImportResult, ImportReport } from './interop/import.js';
export { exportFastText, exportRefusal } from './interop/export.js';
export type { ExportReport } from './interop/export.js';
export { loadPretrainedVectors, readVecHeader } from './learn/pretrainedVectors.js';
export type { PretrainedReport, VecHeader } from './learn/pretrainedVectors.js';
export { fasttextTokens, fasttextHash } from './text/fasttext.js';

// Built-in datasets (need the corpora's npm packages)
export { loadDataset, splitTrainTest, DATASET_NAMES } from './datasets/index.js';
export type { Dataset, DatasetName } from './datasets/index.js';
