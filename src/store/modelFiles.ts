/**
 * Model directories: model.json (format, config, vocabulary, labels, lineage, metrics, checksums)
 * + weights.safetensors (+ optimizer.safetensors for Adam). Written atomically; loading checks the
 * format version, shapes and XXH64 checksums and says exactly what does not match.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configIssues, DEFAULTS, type Config } from '../config.js';
import { ModelFileError } from '../errors.js';
import { TextClassifier, type ModelInfo } from '../model/classifier.js';
import { Matrix } from '../model/matrix.js';
import { tensors, zeroParams, type ParamShape } from '../model/params.js';
import { adamSlots, type AdamState } from '../optim/adam.js';
import { Vocab } from '../vocab/vocab.js';
import { recoverInterruptedSave, writeDirAtomic } from './atomicDir.js';
import { SafetensorsReader, writeSafetensors } from './safetensors.js';
import { xxh64Hex } from './xxh64.js';

export const MODEL_FORMAT = 'accrete-model';
export const MODEL_FORMAT_VERSION = 1;
const WEIGHTS = 'weights.safetensors';
const OPTIMIZER = 'optimizer.safetensors';
const SLOT_NAMES = ['input', 'hidden.weight', 'hidden.bias', 'output'];

/** A file of the model directory with its XXH64 checksum (16 hex digits) and size. */
interface FileRef {
  name: string;
  xxh64: string;
  bytes: number;
}

export interface ModelJson {
  format: string;
  formatVersion: number;
  createdAt: string;
  config: Config;
  shape: ParamShape;
  words: string[];
  wordCounts: number[];
  labels: string[];
  labelCounts: number[];
  weights: FileRef;
  optimizer: (FileRef & { name: string; algorithm: 'adam'; step: number }) | null;
  info: ModelInfo;
  /** Files that layers above the model keep beside it (replay memory, Fisher), with checksums. */
  extraFiles?: FileRef[];
}

/** A file saved inside the model directory by a layer above the model. */
export interface ExtraFile {
  name: string;
  write(path: string): void;
}

/**
 * The checksum model.json records for `ref`. Development versions recorded SHA-256 instead;
 * those directories are refused with a message saying so rather than a checksum mismatch.
 */
function expectedChecksum(jsonPath: string, ref: FileRef): string {
  if (typeof ref?.xxh64 === 'string') return ref.xxh64;
  if (typeof ref === 'object' && ref !== null && 'sha256' in ref) throw new ModelFileError(jsonPath, `${ref.name} has a SHA-256 checksum and no xxh64: written by an older development version; retrain or re-save`);
  throw new ModelFileError(jsonPath, `no xxh64 checksum for ${String(ref?.name ?? 'a file')} (corrupted model.json)`);
}

function adamTensors(state: AdamState): [string, Matrix][] {
  const list: [string, Matrix][] = [];
  state.first.forEach((m, i) => m && list.push([`first.${SLOT_NAMES[i]}`, m]));
  state.second.forEach((m, i) => m && list.push([`second.${SLOT_NAMES[i]}`, m]));
  return list;
}

/** Saves `model` as a directory at `dir`, replacing what was there only once everything is on disk. */
export function saveModel(model: TextClassifier, dir: string, extras: readonly ExtraFile[] = []): ModelJson {
  let json: ModelJson | undefined;
  writeDirAtomic(dir, (tmp) => {
    const weights = writeSafetensors(join(tmp, WEIGHTS), tensors(model.params), { format: MODEL_FORMAT });
    const state = model.optimizerState;
    const optimizer = state ? { name: OPTIMIZER, algorithm: 'adam' as const, step: state.step, ...writeSafetensors(join(tmp, OPTIMIZER), adamTensors(state)) } : null;
    const extraFiles = extras.map((extra) => {
      extra.write(join(tmp, extra.name));
      const data = readFileSync(join(tmp, extra.name));
      return { name: extra.name, xxh64: xxh64Hex(data), bytes: data.length };
    });
    const p = model.params;
    json = {
      format: MODEL_FORMAT,
      formatVersion: MODEL_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      config: model.config,
      shape: { inputRows: p.input.rows, dim: p.input.cols, hidden: p.hidden?.weight.rows ?? 0, labels: p.output.rows },
      ...model.vocab.toJSON(),
      weights: { name: WEIGHTS, ...weights },
      optimizer,
      info: model.info,
      extraFiles,
    };
    writeFileSync(join(tmp, 'model.json'), JSON.stringify(json, null, 1) + '\n');
  });
  model.source = { dir, weightsChecksum: json!.weights.xxh64 };
  return json!;
}

/** Reads model.json alone (cheap: no tensors), checked for format and version. */
export function readModelJson(dir: string): ModelJson {
  recoverInterruptedSave(dir);
  const path = join(dir, 'model.json');
  if (!existsSync(path)) throw new ModelFileError(dir, existsSync(dir) ? 'no model.json here: not an Accrete model directory' : 'no such model directory');
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as ModelJson;
  } catch (cause) {
    throw new ModelFileError(path, 'model.json is not valid JSON (corrupted or truncated)', { cause });
  }
  if (json?.format !== MODEL_FORMAT) throw new ModelFileError(path, `format is ${JSON.stringify(json?.format)}, expected "${MODEL_FORMAT}"`);
  if (!Number.isInteger(json.formatVersion) || json.formatVersion < 1) throw new ModelFileError(path, `formatVersion is ${JSON.stringify(json.formatVersion)}, expected an integer from 1 to ${MODEL_FORMAT_VERSION}`);
  if (typeof json.formatVersion !== 'number' || json.formatVersion > MODEL_FORMAT_VERSION) {
    throw new ModelFileError(path, `model format version ${String(json.formatVersion)} is newer than this Accrete reads (${MODEL_FORMAT_VERSION}); upgrade accrete`);
  }
  return json;
}

function checkConsistent(path: string, json: ModelJson): Config {
  const config = { ...DEFAULTS, ...json.config };
  const issues = configIssues(config);
  if (issues.length) throw new ModelFileError(path, `stored config is invalid: ${issues.join('; ')}`);
  const { words, wordCounts, labels, labelCounts, shape } = json;
  if (typeof shape !== 'object' || shape === null || typeof json.weights?.name !== 'string') throw new ModelFileError(path, 'the "shape" or "weights" entry is missing');
  if (!Array.isArray(words) || !Array.isArray(labels) || words.length !== wordCounts?.length || labels.length !== labelCounts?.length) {
    throw new ModelFileError(path, 'vocabulary lists are missing or of different lengths');
  }
  if (new Set(words).size !== words.length || new Set(labels).size !== labels.length) throw new ModelFileError(path, 'vocabulary has duplicate entries');
  if (shape.labels !== labels.length) throw new ModelFileError(path, `${labels.length} labels but an output layer of ${shape.labels} rows`);
  return config;
}

/** Loads a model directory, verifying checksums; throws ModelFileError on any mismatch. */
export function loadModel(dir: string): TextClassifier {
  const json = readModelJson(dir);
  const path = join(dir, 'model.json');
  const config = checkConsistent(path, json);
  const weightsChecksum = expectedChecksum(path, json.weights);
  const optimizerChecksum = json.optimizer ? expectedChecksum(path, json.optimizer) : '';
  const vocab = Vocab.fromJSON(json);
  const params = zeroParams(json.shape);
  const model = new TextClassifier(config, vocab, params, null, json.info ?? {});
  if (model.featurizer.inputRows !== json.shape.inputRows) {
    throw new ModelFileError(path, `${json.shape.inputRows} input rows stored, but config and vocabulary need ${model.featurizer.inputRows}`);
  }
  readChecked(join(dir, json.weights.name), weightsChecksum, tensors(params));
  model.source = { dir, weightsChecksum };
  if (json.optimizer) {
    const zerosLike = (m: Matrix | null) => (m ? Matrix.zeros(m.rows, m.cols, params.arena, m.capacity - m.rows) : null);
    const first = adamSlots(params).map(zerosLike);
    const second = adamSlots(params).map(zerosLike);
    const state: AdamState = { step: json.optimizer.step, first, second };
    readChecked(join(dir, json.optimizer.name), optimizerChecksum, adamTensors(state));
    model.optimizerState = state;
  }
  return model;
}

/** Reads the tensors of `file` into `targets`, checking the file's XXH64 against `expected`. */
function readChecked(file: string, expected: string, targets: [string, Matrix][]): void {
  if (!existsSync(file)) throw new ModelFileError(file, 'file is missing');
  const reader = new SafetensorsReader(file);
  try {
    const got = reader.readAll(targets);
    if (got.xxh64 !== expected) throw new ModelFileError(file, 'checksum mismatch: the file was changed or corrupted after it was saved');
  } finally {
    reader.close();
  }
}

/** The contents of an extra file, checked against model.json (pass it when already read); null when the model has none by that name. */
export function readExtraFile(dir: string, name: string, json: ModelJson = readModelJson(dir)): Buffer | null {
  const ref = json.extraFiles?.find((f) => f.name === name);
  if (!ref) return null;
  const expected = expectedChecksum(join(dir, 'model.json'), ref);
  const path = join(dir, name);
  if (!existsSync(path)) throw new ModelFileError(path, 'file is missing');
  const data = readFileSync(path);
  if (xxh64Hex(data) !== expected) throw new ModelFileError(path, 'checksum mismatch: the file was changed or corrupted after it was saved');
  return data;
}
