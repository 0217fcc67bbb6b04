/**
 * Model directories: model.json (format, config, vocabulary, labels, lineage, metrics, checksums)
 * + weights.safetensors (+ optimizer.safetensors for Adam). Written atomically, over an existing
 * directory only when it holds nothing but a model's files; loading checks the format version, file
 * names, config, shapes and XXH64 checksums and says exactly what does not match.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { configIssues, DEFAULTS, type Config } from '../config.js';
import { ModelFileError } from '../errors.js';
import { inputRowsOf } from '../features/featurizer.js';
import { TextClassifier, type ModelInfo } from '../model/classifier.js';
import { Matrix } from '../model/matrix.js';
import { tensors, zeroParams, type ParamShape } from '../model/params.js';
import { adamSlots, adamTensors, type AdamState } from '../optim/adam.js';
import { DuplicateWordError, Vocab } from '../vocab/vocab.js';
import { recoverForReader, writeDirAtomic, type WriteDirOptions } from './atomicDir.js';
import { dirIdentity, readWhileSwapping, readWhileSwappingAsync } from './swapRetry.js';
import { SafetensorsReader, writeSafetensors, type AsyncReadOptions } from './safetensors.js';
import { WEIGHTS_FILE, type WeightsPrefetch } from './weightsPrefetch.js';
import { xxh64Hex } from './xxh64.js';
import { appendPatch, MANIFEST_FILE, PATCH_DIR, readManifest, readPatches, stateOf, type PatchRef } from './manifest.js';
import { applyPatchRows, applyPatchVocab, diffModel, type ExtraChanges, type ModelBefore } from './patch.js';

export const MODEL_FORMAT = 'accrete-model';
export const MODEL_FORMAT_VERSION = 1;
const OPTIMIZER = 'optimizer.safetensors';

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


/** Names quoted for a message, the first few of them. */
function quoteNames(names: readonly string[], shown = 5): string {
  const more = names.length > shown ? ` and ${names.length - shown} more` : '';
  return names.slice(0, shown).map((n) => JSON.stringify(n)).join(', ') + more;
}

/** The files the model.json in `dir` lists, itself included; null when it cannot be read. */
function listedFiles(dir: string): Set<string> | null {
  let json: ModelJson;
  try {
    json = readModelJson(dir);
  } catch {
    return null;
  }
  const refs = [json.weights, json.optimizer, ...(Array.isArray(json.extraFiles) ? json.extraFiles : [])];
  return new Set(['model.json', MANIFEST_FILE, PATCH_DIR, ...refs.flatMap((ref) => (typeof ref?.name === 'string' ? [ref.name] : []))]);
}

/**
 * Why a model must not be saved at `dir`, or null when it may. Saving replaces the whole directory,
 * so an existing one may hold only the files of the model saved there (those its model.json lists):
 * anything else was put there by someone else and would be deleted.
 */
export function replaceProblem(dir: string): string | null {
  if (!existsSync(dir)) return null;
  if (!statSync(dir).isDirectory()) return 'it exists and is not a directory';
  const entries = readdirSync(dir);
  if (entries.length === 0) return null;
  if (!entries.includes('model.json')) return 'it is a directory that is not an Accrete model (no model.json); refusing to replace it';
  const listed = listedFiles(dir);
  if (listed === null) return "its model.json cannot be read (loading the model says why), so it is unknown which entries are the model's files; refusing to replace it (delete the directory yourself if it holds nothing else you need)";
  const foreign = entries.filter((name) => !listed.has(name)).sort();
  if (foreign.length === 0) return null;
  return `it holds entries that are not files of the model saved there (its model.json does not list them): ${quoteNames(foreign)}; saving replaces the whole directory and would delete them, so move them elsewhere or save the model to another directory`;
}

/** Whether `dir` holds an Accrete model (read without side effects: no recovery of an interrupted save). */
function holdsModel(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { format?: unknown } | null)?.format === MODEL_FORMAT;
  } catch {
    return false;
  }
}

/** The closest directory above `dir` that holds an Accrete model, or null: no model belongs inside another's directory. */
export function enclosingModelDir(dir: string): string | null {
  for (let p = dirname(resolve(dir)); ; p = dirname(p)) {
    if (holdsModel(p)) return p;
    if (dirname(p) === p) return null;
  }
}

/**
 * How saveModel writes: the swap's fence (WriteDirOptions), and `createdAt` for model.json (now by
 * default). A compaction keeps its base's, so that folding the same patches gives the same bytes.
 */
export interface SaveOptions extends WriteDirOptions {
  createdAt?: string;
}

/**
 * Saves `model` as a directory at `dir`, replacing what was there only once everything is on disk.
 * Refuses (ModelFileError) to replace a directory holding anything but a model's files: see replaceProblem.
 */
export function saveModel(model: TextClassifier, dir: string, extras: readonly ExtraFile[] = [], options: SaveOptions = {}): ModelJson {
  const problem = replaceProblem(dir);
  if (problem) throw new ModelFileError(dir, `cannot save a model here: ${problem}`);
  let json: ModelJson | undefined;
  writeDirAtomic(dir, (tmp) => {
    const weights = writeSafetensors(join(tmp, WEIGHTS_FILE), tensors(model.params), { format: MODEL_FORMAT });
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
      createdAt: options.createdAt ?? new Date().toISOString(),
      config: model.config,
      shape: { inputRows: p.input.rows, dim: p.input.cols, hidden: p.hidden?.weight.rows ?? 0, labels: p.output.rows },
      ...model.vocab.toJSON(),
      weights: { name: WEIGHTS_FILE, ...weights },
      optimizer,
      info: model.info,
      extraFiles,
    };
    writeFileSync(join(tmp, 'model.json'), JSON.stringify(json, null, 1) + '\n');
  }, options);
  model.source = { dir, weightsChecksum: json!.weights.xxh64 };
  return json!;
}

/** Whether `name` names a file in the directory itself: no path separators, not `.` or `..`. */
function isPlainFileName(name: unknown): boolean {
  return typeof name === 'string' && name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

/** Throws unless every file model.json lists has a plain file name: it must not lead out of the directory. */
function checkFileNames(path: string, json: ModelJson): void {
  if (json.extraFiles !== undefined && !Array.isArray(json.extraFiles)) throw new ModelFileError(path, '"extraFiles" is not a list');
  for (const ref of [json.weights, json.optimizer, ...(json.extraFiles ?? [])] as unknown[]) {
    if (typeof ref !== 'object' || ref === null || !('name' in ref) || isPlainFileName(ref.name)) continue;
    throw new ModelFileError(path, `file name ${JSON.stringify(ref.name)} is not a plain file name (no path separators, not "." or ".."): model files are read only from the model directory itself`);
  }
}

/**
 * The model.json files parsed last, by path, with their bytes: a command reads the same model.json
 * several times (the lock's fencing check, the output check, the model, its memory, the save), and
 * one of 1.1 MB (a vocabulary of 50,000 words) takes 15-40 ms to parse. The bytes are read every
 * time and compared whole (a fraction of a millisecond), so a changed file is never answered from
 * here, whatever its timestamps say; another path with the same bytes (a hard link) is answered too. Parsed objects are frozen (shared by every reader).
 */
const parsed = new Map<string, { bytes: Buffer; json: unknown }>();
const PARSED_KEPT = 4;

/**
 * model.json at `path` parsed (JSON.parse throws as usual on bad JSON), from the cache when its bytes
 * are the ones parsed last. Reads only: no recovery of an interrupted save (see readModelJson).
 * @internal
 */
export function parseModelJsonFile(path: string): unknown {
  const bytes = readFileSync(path);
  // The same path, or another link to the same bytes (a registry's versions share their base's model.json).
  const hit = parsed.get(path);
  if (hit && hit.bytes.equals(bytes)) return hit.json;
  for (const other of parsed.values()) if (other.bytes.length === bytes.length && other.bytes.equals(bytes)) return other.json;
  const json = freezeModelJson(JSON.parse(bytes.toString('utf8')) as unknown);
  parsed.delete(path);
  parsed.set(path, { bytes, json });
  if (parsed.size > PARSED_KEPT) parsed.delete(parsed.keys().next().value!);
  return json;
}

/** Freezes a parsed model.json and the parts of it readers get as they are (lists, config, file entries), so a reader cannot change another's copy. */
function freezeModelJson(json: unknown): unknown {
  if (typeof json !== 'object' || json === null) return json;
  const j = json as Record<string, unknown>;
  for (const key of ['config', 'shape', 'weights', 'optimizer', 'info', 'words', 'wordCounts', 'labels', 'labelCounts', 'extraFiles']) {
    const v = j[key];
    if (typeof v === 'object' && v !== null) Object.freeze(v);
  }
  if (Array.isArray(j.extraFiles)) for (const ref of j.extraFiles) if (typeof ref === 'object' && ref !== null) Object.freeze(ref);
  return Object.freeze(json);
}

/**
 * Reads model.json alone (cheap: no tensors), checked for format, version and file names. The
 * object is shared by every reader of the same bytes (parsed once: see parseModelJsonFile) and
 * frozen; readModelJsonCopy gives a copy of one's own.
 */
export function readModelJson(dir: string): ModelJson {
  recoverForReader(dir);
  const path = join(dir, 'model.json');
  if (!existsSync(path)) throw new ModelFileError(dir, existsSync(dir) ? 'no model.json here: not an Accrete model directory' : 'no such model directory');
  let json: ModelJson;
  try {
    json = parseModelJsonFile(path) as ModelJson;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw cause;
    throw new ModelFileError(path, 'model.json is not valid JSON (corrupted or truncated)', { cause });
  }
  if (json?.format !== MODEL_FORMAT) throw new ModelFileError(path, `format is ${JSON.stringify(json?.format)}, expected "${MODEL_FORMAT}"`);
  if (!Number.isInteger(json.formatVersion) || json.formatVersion < 1) throw new ModelFileError(path, `formatVersion is ${JSON.stringify(json.formatVersion)}, expected an integer from 1 to ${MODEL_FORMAT_VERSION}`);
  if (typeof json.formatVersion !== 'number' || json.formatVersion > MODEL_FORMAT_VERSION) {
    throw new ModelFileError(path, `model format version ${String(json.formatVersion)} is newer than this Accrete reads (${MODEL_FORMAT_VERSION}); upgrade accrete`);
  }
  checkFileNames(path, json);
  return json;
}

/** readModelJson, as a copy the caller may change (the library's readModelJson). */
export function readModelJsonCopy(dir: string): ModelJson {
  return structuredClone(readModelJson(dir));
}

function checkConsistent(path: string, json: ModelJson): Config {
  // Defaults fill only settings newer than the file; without "config" a model would silently load
  // with other settings (another tokenizer, other n-grams) than it was trained with.
  if (typeof json.config !== 'object' || json.config === null || Array.isArray(json.config)) {
    throw new ModelFileError(path, 'the "config" entry is missing or not an object: the settings the model was trained with (tokenizer, n-grams, ...) are unknown');
  }
  const config = { ...DEFAULTS, ...json.config };
  const issues = configIssues(config);
  if (issues.length) throw new ModelFileError(path, `stored config is invalid: ${issues.join('; ')}`);
  const { words, wordCounts, labels, labelCounts, shape } = json;
  if (typeof shape !== 'object' || shape === null || typeof json.weights?.name !== 'string') throw new ModelFileError(path, 'the "shape" or "weights" entry is missing');
  for (const key of ['dim', 'hidden'] as const) {
    if (config[key] !== shape[key]) throw new ModelFileError(path, `config.${key} is ${config[key]} but shape.${key} is ${JSON.stringify(shape[key])}: model.json contradicts itself`);
  }
  if (!Array.isArray(words) || !Array.isArray(labels) || words.length !== wordCounts?.length || labels.length !== labelCounts?.length) {
    throw new ModelFileError(path, 'vocabulary lists are missing or of different lengths');
  }
  // Duplicate words are caught while the vocabulary is built (see vocabOf): no set of 1M words here.
  if (new Set(labels).size !== labels.length) throw new ModelFileError(path, 'vocabulary has duplicate entries');
  if (shape.labels !== labels.length) throw new ModelFileError(path, `${labels.length} labels but an output layer of ${shape.labels} rows`);
  return config;
}

function vocabOf(path: string, json: ModelJson): Vocab {
  try {
    return Vocab.fromJSON(json);
  } catch (err) {
    if (err instanceof DuplicateWordError) throw new ModelFileError(path, 'vocabulary has duplicate entries', { cause: err });
    throw err;
  }
}

/** A file to read into tensors, with the checksum model.json records for it. */
interface TensorFile {
  path: string;
  expected: string;
  targets: [string, Matrix][];
  /** The same file, already being read into `targets` (see weightsPrefetch.ts). */
  early?: WeightsPrefetch;
}

/**
 * A load up to reading the tensors: model.json checked, parameters allocated (zero), the files to
 * read. `assemble` builds the vocabulary and the model around those parameters; it is separate so
 * that async loads start reading the weights before it.
 */
interface PreparedLoad {
  files: TensorFile[];
  /** `many`: many texts will be featurised before the weights are in (Featurizer.expectMany). */
  assemble(many?: boolean): AssembledModel;
}

/**
 * A model whose weights are not in yet. `finish` hands it out: call it only once every file is
 * read and its checksum verified.
 */
interface AssembledModel {
  /** Text to input rows, which needs no weights. */
  features(text: string): Int32Array;
  finish(): TextClassifier;
}

/** `prefetched`: weights read ahead, taken when they are the ones model.json names, with its shapes. */
function prepareLoad(dir: string, prefetched: WeightsPrefetch | null = null): PreparedLoad {
  const json = readModelJson(dir);
  const path = join(dir, 'model.json');
  const config = checkConsistent(path, json);
  const weightsChecksum = expectedChecksum(path, json.weights);
  const optimizerChecksum = json.optimizer ? expectedChecksum(path, json.optimizer) : '';
  const inputRows = inputRowsOf(config, json.words.length);
  if (inputRows !== json.shape.inputRows) throw new ModelFileError(path, `${json.shape.inputRows} input rows stored, but config and vocabulary need ${inputRows}`);
  const weightsPath = join(dir, json.weights.name);
  // Sizes in model.json are checked against the files before anything is allocated: a corrupted
  // shape could otherwise ask for terabytes (a crash, not a ModelFileError).
  checkFitsFile(path, weightsPath, json.shape, 1);
  if (json.optimizer) checkFitsFile(path, join(dir, json.optimizer.name), json.shape, 2);
  const early = prefetched?.fits(weightsPath, json.shape) ? prefetched : undefined;
  if (!early) prefetched?.cancel();
  const params = early ? early.params : zeroParams(json.shape);
  const files: TensorFile[] = [{ path: weightsPath, expected: weightsChecksum, targets: tensors(params), early }];
  let state: AdamState | null = null;
  if (json.optimizer) {
    const zerosLike = (m: Matrix | null) => (m ? Matrix.zeros(m.rows, m.cols, params.arena, m.capacity - m.rows) : null);
    state = { step: json.optimizer.step, first: adamSlots(params).map(zerosLike), second: adamSlots(params).map(zerosLike) };
    files.push({ path: join(dir, json.optimizer.name), expected: optimizerChecksum, targets: adamTensors(state) });
  }
  // A base plus patches (manifest.js): the patches are small, read and verified up front; their
  // words join the vocabulary before any text is featurised, their rows once the base is in.
  const manifest = readManifest(dir);
  if (manifest && manifest.base !== weightsChecksum) throw new ModelFileError(join(dir, MANIFEST_FILE), `names the base ${manifest.base}, but ${json.weights.name} is ${weightsChecksum}: the base was replaced under its patches`);
  const patches = manifest ? readPatches(dir, manifest).map((patch, i) => ({ patch, where: join(dir, PATCH_DIR, manifest.patches[i].name) })) : [];
  const assemble = (many = false): AssembledModel => {
    const model = new TextClassifier(config, vocabOf(path, json), params, null, structuredClone(json.info ?? {}));
    for (const { patch, where } of patches) applyPatchVocab(model, patch, where);
    if (many) model.featurizer.expectMany();
    return {
      features: (text) => model.features(text),
      finish: () => {
        model.optimizerState = state;
        for (const { patch, where } of patches) applyPatchRows(model, patch, where);
        model.source = { dir, weightsChecksum: manifest ? stateOf(manifest) : weightsChecksum };
        return model;
      },
    };
  };
  return { files, assemble };
}

/** The float32 bytes of the tensors a shape describes (without the spare rows kept for growth). */
function tensorBytes(shape: ParamShape): number {
  const width = shape.hidden > 0 ? shape.hidden : shape.dim;
  return 4 * (shape.inputRows * shape.dim + shape.hidden * shape.dim + shape.hidden + shape.labels * width);
}

/** Throws unless `file` is large enough for `copies` times the tensors of `shape` (and the shape is made of sane counts). */
function checkFitsFile(jsonPath: string, file: string, shape: ParamShape, copies: number): void {
  for (const key of ['inputRows', 'dim', 'hidden', 'labels'] as const) {
    if (!Number.isSafeInteger(shape[key]) || shape[key] < 0) throw new ModelFileError(jsonPath, `shape.${key} is ${JSON.stringify(shape[key])?.slice(0, 40)}, not a count (corrupted model.json)`);
  }
  if (!existsSync(file)) throw new ModelFileError(file, 'file is missing');
  const need = copies * tensorBytes(shape);
  const size = statSync(file).size;
  if (!Number.isSafeInteger(need) || need > size) throw new ModelFileError(file, `model.json's shape needs ${need} bytes of tensors, but the file has ${size} (truncated, or model.json corrupted)`);
}

/**
 * Loads a model directory, verifying checksums; throws ModelFileError on any mismatch. A load that
 * another process's save overtook (model.json of one version, weights of the next) is read again.
 */
export function loadModel(dir: string): TextClassifier {
  return readWhileSwapping(dir, () => loadModelOnce(dir));
}

function loadModelOnce(dir: string): TextClassifier {
  const load = prepareLoad(dir);
  const model = load.assemble();
  for (const file of load.files) {
    const reader = openTensorFile(file);
    try {
      checkSum(file, reader.readAll(file.targets));
    } finally {
      reader.close();
    }
  }
  return model.finish();
}

/** How loadModelAsync reads: pieces in flight at once and their size (see SafetensorsReader.readAllAsync). */
export type { AsyncReadOptions };

/**
 * loadModel with the tensor reads on libuv's thread pool, several at a time: the same model and the
 * same ModelFileErrors (as a rejection), and the calling thread is free while the bytes come in.
 */
export async function loadModelAsync(dir: string, options: AsyncReadOptions = {}): Promise<TextClassifier> {
  return readWhileSwappingAsync(dir, () => beginLoad(dir, options).ready);
}

/** A model whose weights are still being read: it can featurise text, and predicts only once `ready`. */
export interface PendingModel {
  /** Input rows of a text (a view, valid until the next call): featurising needs no weights. */
  features(text: string): Int32Array;
  /** The model, once every file is read and its checksum verified; rejects with loadModel's errors. */
  readonly ready: Promise<TextClassifier>;
}

/**
 * Starts loading a model directory: model.json and the vocabulary now (their errors are thrown
 * here), the weights in the background. Nothing can predict before the weights are verified,
 * since the model itself is only handed out by `ready`. `prefetched` (prefetchWeights(dir)) may
 * have started reading the weights already: they are used if they prove to be the right ones.
 */
export function beginLoad(dir: string, options: AsyncReadOptions = {}, prefetched: WeightsPrefetch | null = null): PendingModel {
  let load: PreparedLoad;
  // The identity of the directory whose model.json was read: a save that replaces it before the
  // weights are read makes their checksums fail, and the error then says what happened.
  let identity: string | null = null;
  try {
    load = readWhileSwapping(dir, () => {
      identity = dirIdentity(dir);
      return prepareLoad(dir, prefetched);
    });
  } catch (err) {
    prefetched?.cancel();
    throw err;
  }
  const reading = readFilesAsync(load.files, options).catch((err: unknown) => {
    if (err instanceof ModelFileError && dirIdentity(dir) !== identity) {
      throw new ModelFileError(dir, `the model was replaced by another save (accrete update or train) while it was being read; run again (${err.message})`, { cause: err });
    }
    throw err;
  });
  // Should assemble() throw, the reads end unobserved (and close their files when done).
  reading.catch(() => {});
  // A pending model is for streams of texts (accrete predict): its featurizer gets ready for many.
  const model = load.assemble(true);
  const ready = reading.then(() => model.finish());
  // A caller busy featurising may await `ready` only later: its failure is not unhandled meanwhile.
  ready.catch(() => {});
  return { features: model.features, ready };
}

async function readFilesAsync(files: TensorFile[], options: AsyncReadOptions): Promise<void> {
  for (const file of files) {
    // Read ahead and verified: done. Otherwise (a failed read, another file) read it again, as usual.
    if (file.early && (await file.early.checksum) === file.expected) continue;
    const reader = openTensorFile(file);
    try {
      checkSum(file, await reader.readAllAsync(file.targets, options));
    } finally {
      reader.close();
    }
  }
}

function openTensorFile(file: TensorFile): SafetensorsReader {
  if (!existsSync(file.path)) throw new ModelFileError(file.path, 'file is missing');
  return new SafetensorsReader(file.path);
}

function checkSum(file: TensorFile, got: { xxh64: string }): void {
  if (got.xxh64 !== file.expected) throw new ModelFileError(file.path, 'checksum mismatch: the file was changed or corrupted after it was saved');
}

/**
 * The contents of an extra file, checked against model.json (pass it when already read); null when the model has none by that name.
 * @internal (left out of the published .d.ts: its Buffer would make library users install @types/node)
 */
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

/**
 * Verifies every extra file model.json lists (replay memory, guard, Fisher) against its checksum,
 * without parsing them: a server checks them when it starts serving a version, as it checks the
 * weights, so that a damaged memory is found then rather than by every later update failing.
 */
export function verifyExtraFiles(dir: string): void {
  const json = readModelJson(dir);
  for (const ref of json.extraFiles ?? []) readExtraFile(dir, ref.name, json);
}

/**
 * Saves what `model` changed since `before` as a patch of the directory it was loaded from (or
 * `dir`, which must hold the same parent): the patch file and the manifest, never the base.
 * Throws CONFLICT when the directory moved on meanwhile. The model's source names the new state.
 */
export function savePatch(model: TextClassifier, before: ModelBefore, dir = model.source?.dir, extras?: ExtraChanges): PatchRef {
  if (!dir) throw new ModelFileError('(unsaved model)', 'savePatch needs the directory of the model the update started from');
  const json = readModelJson(dir);
  const ref = appendPatch(dir, expectedChecksum(join(dir, 'model.json'), json.weights), diffModel(model, before, extras));
  model.source = { dir, weightsChecksum: ref.xxh64 };
  return ref;
}
