/**
 * A patch: what one version of a model changed of its parent, both ways, so that applying it makes
 * the child out of the parent and reverting it gives the parent back, bit for bit, at the cost of
 * the rows that changed rather than of the model. Per tensor (the parameters and Adam's moments):
 * the ids of the rows whose values changed, their values before and after, and rows grown at the
 * end (new words, new labels); words and labels added, with the label counts before and after;
 * the model info (lineage) before and after; Adam's step before and after.
 * A changed row is kept once, as the XOR of its bit patterns before and after: XOR-ing it into the
 * parent gives the child and into the child gives the parent, and where weights moved a little it
 * is mostly zero bits, which the file codes small (rowCodec.ts). The file is safetensors
 * (docs/formats.md): per tensor `NAME/ids` and `NAME/delta` (U8, coded), and the rest as JSON under
 * the metadata key `patch`. Files of format version 1 (`NAME/ids` I32, `NAME/before` and
 * `NAME/after` F32) still load.
 */
import type { ModelInfo, TextClassifier } from '../model/classifier.js';
import type { Matrix } from '../model/matrix.js';
import { tensors } from '../model/params.js';
import { adamTensors } from '../optim/adam.js';
import { ModelFileError } from '../errors.js';
import { SafetensorsReader, writeSafetensors, type TensorLike } from './safetensors.js';
import type { ListPatch } from '../util/listPatch.js';
import { decodeIds, decodeWords, encodeIds, encodeWords } from './rowCodec.js';

export const PATCH_FORMAT = 'accrete-patch';
/** Written: 2 (rows as coded XORs). Read: 1 (rows before and after, as F32) and 2. */
export const PATCH_FORMAT_VERSION = 2;

/** The rows of one tensor that a patch changes. */
export interface RowChanges {
  name: string;
  cols: number;
  rowsBefore: number;
  rowsAfter: number;
  /** Changed rows below rowsBefore, ascending, then every grown row (rowsBefore .. rowsAfter - 1). */
  ids: Int32Array;
  /**
   * Per id, `cols` words: for a row below rowsBefore the XOR of its float32 bit patterns before and
   * after, for a grown row its bit patterns after.
   */
  delta: Int32Array;
}

/** How many of a RowChanges' ids are rows below rowsBefore (the rest are grown rows). */
export const changedBelow = (r: RowChanges) => r.ids.length - (r.rowsAfter - r.rowsBefore);

/** What a patch records besides the rows. */
export interface PatchHead {
  format: typeof PATCH_FORMAT;
  formatVersion: number;
  /** The state (checksum) of the model the patch applies to: its base's weights, or its last patch. */
  parent: string;
  words: { from: number; added: string[]; counts: number[] };
  labels: { from: number; added: string[]; countsBefore: number[]; countsAfter: number[] };
  info: { before: ModelInfo; after: ModelInfo };
  optimizerStep: { before: number; after: number } | null;
  tensors: { name: string; cols: number; rowsBefore: number; rowsAfter: number; changed: number }[];
  /** Changes to JSON files kept beside the model (the replay memory, the guard), both ways. */
  json?: JsonChange[];
}

/**
 * A JSON file beside the model that changed: an object with one long list (`key`: the replay
 * memory's `examples`), or a bare list (`key` null: the guard). The rest of an object (`head`) is
 * small and recorded whole, before and after; the list as what changed (listPatch.ts).
 */
export interface JsonChange {
  name: string;
  key: string | null;
  head: { before: Record<string, unknown>; after: Record<string, unknown> } | null;
  forward: ListPatch<unknown>;
  back: ListPatch<unknown>;
}

/** Rows of tensors kept beside the model (memory.safetensors: Fisher, seen rows) are named `FILE:TENSOR`. */
export const isExtraTensor = (name: string) => name.includes(':');

/**
 * The part of a patch that changes the model alone: its rows of the model's tensors, and its head
 * without the JSON changes (the replay memory and guard, which only an updater keeps). A server
 * applies no more than this, and receiving the rest cost its thread ~40 ms of decoding per
 * accepted update of 20,000 events (thousands of replayed examples, both ways).
 */
export function modelChange(patch: Patch): Patch {
  const { json: _json, ...head } = patch.head;
  return { head, rows: patch.rows.filter((r) => !isExtraTensor(r.name)) };
}

export interface Patch {
  head: PatchHead;
  rows: RowChanges[];
}

/** What a layer above the model changed in the files it keeps beside it, for the same patch. */
export interface ExtraChanges {
  json: JsonChange[];
  rows: RowChanges[];
}

/** Every tensor a patch may change, by name: the parameters, then Adam's moments (first.NAME, second.NAME). */
export function namedTensors(model: TextClassifier): Map<string, Matrix> {
  return new Map<string, Matrix>([...tensors(model.params), ...(model.optimizerState ? adamTensors(model.optimizerState) : [])]);
}

/** What a model was before a change: enough to diff it against what it became (see diffModel). */
export interface ModelBefore {
  state: string;
  words: number;
  labelCounts: number[];
  info: ModelInfo;
  optimizerStep: number | null;
  /**
   * Per tensor: rows it had, and the values of the rows that may have changed (the rest did not).
   * An update's parent reads them from its undo journal until the model's next update (update.ts).
   */
  tensors: Map<string, { rows: number; ids: Int32Array; values: Float32Array }>;
  /**
   * The parent's n-gram table (bucket), when known: an update that grew it renumbered the input
   * rows (src/update/growTable.ts), which no patch can say; such a version is saved whole.
   */
  bucket?: number;
}

/** Whether the update from `before` grew the model's n-gram table (then it cannot be a patch). */
export function renumbered(model: TextClassifier, before: ModelBefore): boolean {
  return before.bucket !== undefined && before.bucket !== model.config.bucket;
}

/**
 * The patch from `before` to the model as it is now. Rows listed in `before.tensors` are compared
 * value by value (only those that differ are kept); rows grown since are all kept. An update that
 * grew the n-gram table has no patch of its parent, only of its parent with the table grown alike
 * (growTable, bit for bit): `ofGrownParent` asks for that one, which a learner applies after
 * growing its own model (src/offthread/jobs.ts, Learner).
 */
export function diffModel(model: TextClassifier, before: ModelBefore, extras: ExtraChanges = { json: [], rows: [] }, { ofGrownParent = false } = {}): Patch {
  if (!ofGrownParent && renumbered(model, before)) throw new ModelFileError('(patch)', `the update grew the n-gram table from ${before.bucket} to ${model.config.bucket} rows, which renumbers the input rows: no patch can say that; save the model whole (saveLearner)`);
  const rows: RowChanges[] = [];
  for (const [name, m] of namedTensors(model)) {
    const b = before.tensors.get(name) ?? { rows: m.rows, ids: new Int32Array(0), values: new Float32Array(0) };
    const r = rowChanges(name, m.cols, b, m.data.subarray(0, m.rows * m.cols));
    if (r) rows.push(r);
  }
  const v = model.vocab;
  const step = model.optimizerState?.step ?? null;
  const head: PatchHead = {
    format: PATCH_FORMAT,
    formatVersion: PATCH_FORMAT_VERSION,
    parent: before.state,
    words: { from: before.words, added: v.words.slice(before.words), counts: v.wordCounts.slice(before.words) },
    labels: { from: before.labelCounts.length, added: v.labels.slice(before.labelCounts.length), countsBefore: [...before.labelCounts], countsAfter: [...v.labelCounts] },
    info: { before: before.info, after: model.info },
    optimizerStep: step === null || before.optimizerStep === null ? null : { before: before.optimizerStep, after: step },
    tensors: [...rows, ...extras.rows].map((r) => ({ name: r.name, cols: r.cols, rowsBefore: r.rowsBefore, rowsAfter: r.rowsAfter, changed: r.ids.length })),
    json: extras.json,
  };
  return { head, rows: [...rows, ...extras.rows] };
}

/** Values per block that diffRows compares natively before it looks at rows. */
const DIFF_BLOCK = 1024;

/**
 * The rows of a vector or matrix that differ between `before` (rowsBefore rows) and `after`, plus
 * the rows `after` grew: a RowChanges for a tensor kept beside the model (both versions in memory).
 */
export function diffRows(name: string, cols: number, before: Float32Array, after: Float32Array): RowChanges | null {
  const rowsBefore = before.length / cols;
  const rowsAfter = after.length / cols;
  if (rowsAfter < rowsBefore) throw new Error(`a patch of ${name}: it lost rows (${rowsBefore} -> ${rowsAfter})`);
  // The same array (a stale Fisher estimate kept as it was): nothing changed, and 2M rows need no scan.
  if (before === after) return null;
  const was = bitsOf(before);
  const now = bitsOf(after);
  // Unchanged, by a native compare (a stale Fisher estimate is carried along unchanged).
  if (rowsAfter === rowsBefore && Buffer.from(was.buffer, was.byteOffset, was.byteLength).equals(Buffer.from(now.buffer, now.byteOffset, now.byteLength))) return null;
  // A direct scan (rowChanges over every row id cost ~0.5 s per save for the 2M-row memory
  // tensors of the bench model); most rows of such a tensor do not change in an update, so blocks
  // of rows are compared natively first (memcmp) and only the blocks that differ row by row: 25 ms
  // a save for the 2M-row seen record in JS alone, a few ms this way.
  const changed: number[] = [];
  const wasBytes = Buffer.from(was.buffer, was.byteOffset, rowsBefore * cols * 4);
  const nowBytes = Buffer.from(now.buffer, now.byteOffset, rowsBefore * cols * 4);
  const block = Math.max(1, Math.floor(DIFF_BLOCK / cols));
  for (let first = 0; first < rowsBefore; first += block) {
    const last = Math.min(rowsBefore, first + block);
    if (wasBytes.compare(nowBytes, first * cols * 4, last * cols * 4, first * cols * 4, last * cols * 4) === 0) continue;
    for (let row = first; row < last; row++) {
      for (let at = row * cols, end = at + cols; at < end; at++) {
        if (now[at] !== was[at]) {
          changed.push(row);
          break;
        }
      }
    }
  }
  const grown = rowsAfter - rowsBefore;
  if (changed.length === 0 && grown === 0) return null;
  const ids = new Int32Array(changed.length + grown);
  const delta = new Int32Array(ids.length * cols);
  changed.forEach((row, i) => {
    ids[i] = row;
    for (let d = 0, at = row * cols, x = i * cols; d < cols; d++) delta[x + d] = now[at + d] ^ was[at + d];
  });
  for (let g = 0; g < grown; g++) {
    const i = changed.length + g;
    ids[i] = rowsBefore + g;
    delta.set(now.subarray(ids[i] * cols, (ids[i] + 1) * cols), i * cols);
  }
  return { name, cols, rowsBefore, rowsAfter, ids, delta };
}

/**
 * The RowChanges of a tensor that had `b.rows` rows and is `now`: of the rows `b` lists (with
 * their values before), those whose values differ, then every row grown since. Null when none.
 */
function rowChanges(name: string, cols: number, b: { rows: number; ids: Int32Array; values: Float32Array }, now: Float32Array): RowChanges | null {
  const rowsAfter = now.length / cols;
  if (rowsAfter < b.rows) throw new Error(`a patch of ${name}: it lost rows (${b.rows} -> ${rowsAfter})`);
  // Bit patterns, not values: -0 vs 0 and NaN payloads count as changes, so reverting is exact.
  const isNow = bitsOf(now);
  const was = bitsOf(b.values);
  const changed: number[] = [];
  for (let k = 0; k < b.ids.length; k++) {
    const row = b.ids[k];
    if (row >= b.rows) continue;
    for (let d = 0, at = row * cols, o = k * cols; d < cols; d++) {
      if (isNow[at + d] !== was[o + d]) {
        changed.push(k);
        break;
      }
    }
  }
  changed.sort((x, y) => b.ids[x] - b.ids[y]);
  const grown = rowsAfter - b.rows;
  if (changed.length === 0 && grown === 0) return null;
  const ids = new Int32Array(changed.length + grown);
  const delta = new Int32Array(ids.length * cols);
  changed.forEach((k, i) => {
    ids[i] = b.ids[k];
    for (let d = 0, at = ids[i] * cols, o = k * cols, x = i * cols; d < cols; d++) delta[x + d] = isNow[at + d] ^ was[o + d];
  });
  for (let g = 0; g < grown; g++) {
    const i = changed.length + g;
    ids[i] = b.rows + g;
    delta.set(isNow.subarray(ids[i] * cols, (ids[i] + 1) * cols), i * cols);
  }
  return { name, cols, rowsBefore: b.rows, rowsAfter, ids, delta };
}

/**
 * `values` with the rows of a chain of patches applied in order (each patch's RowChanges of this
 * tensor, with where it came from): the tensor after the last. One tensor is allocated for the
 * chain, not one per patch (a memory tensor of 2M rows and 20 patches: 160 MB copied otherwise).
 */
export function applyRowChain(values: Float32Array, chain: readonly { rows: RowChanges; where: string }[]): Float32Array {
  if (chain.length === 0) return values;
  const last = chain[chain.length - 1].rows;
  let out: Float32Array | null = null;
  let length = values.length;
  for (const { rows: r, where } of chain) {
    if (length !== r.rowsBefore * r.cols || r.cols !== last.cols || r.rowsAfter > last.rowsAfter) throw new ModelFileError(where, `the patch changes ${r.name} of ${r.rowsBefore} rows, but it has ${length / r.cols}`);
    if (!out) {
      out = new Float32Array(last.rowsAfter * last.cols);
      out.set(values);
    }
    length = r.rowsAfter * r.cols;
    writeRows(bitsOf(out.subarray(0, length)), r, 'apply');
  }
  return out!;
}

/** `values` (rowsBefore rows of `cols`) with one patch's rows applied: the tensor after (a copy). */
export function applyRows(values: Float32Array, r: RowChanges, where: string): Float32Array {
  return applyRowChain(values, [{ rows: r, where }]);
}

/** `values` (rowsAfter rows of `cols`) with the patch's rows reverted: the tensor before (a copy). */
export function revertRows(values: Float32Array, r: RowChanges, where: string): Float32Array {
  if (values.length !== r.rowsAfter * r.cols) throw new ModelFileError(where, `the patch's child has ${r.rowsAfter} rows of ${r.name}, not ${values.length / r.cols}`);
  const out = values.slice(0, r.rowsAfter * r.cols);
  writeRows(bitsOf(out), r, 'revert');
  return out.slice(0, r.rowsBefore * r.cols);
}

/**
 * Writes a patch's rows into `bits` (a tensor's bit patterns): `apply` XORs the changed rows and
 * sets the grown ones (which must exist), `revert` XORs the changed rows back (grown rows are left
 * for the caller to cut).
 */
function writeRows(bits: Int32Array, r: RowChanges, way: 'apply' | 'revert'): void {
  const { cols, ids, delta } = r;
  const below = changedBelow(r);
  for (let k = 0; k < below; k++) {
    for (let d = 0, at = ids[k] * cols, x = k * cols; d < cols; d++) bits[at + d] ^= delta[x + d];
  }
  if (way === 'apply') for (let k = below; k < ids.length; k++) bits.set(delta.subarray(k * cols, (k + 1) * cols), ids[k] * cols);
}

/** The same floats as int32 bit patterns (a view, no copy). */
const bitsOf = (a: Float32Array) => new Int32Array(a.buffer, a.byteOffset, a.length);

/** The tensors of a patch file: per RowChanges, its ids and its delta, coded (rowCodec.ts). */
function codedTensors(patch: Patch): [string, TensorLike][] {
  const bytes = (data: Uint8Array): TensorLike => ({ rows: data.length, cols: 1, data });
  return patch.rows.flatMap((r): [string, TensorLike][] => [
    [`${r.name}/ids`, bytes(encodeIds(r.ids))],
    [`${r.name}/delta`, bytes(encodeWords(r.delta))],
  ]);
}

/** About the bytes writePatch writes for `patch` (its coded tensors and its JSON), without writing it. */
export function patchBytes(patch: Patch): number {
  return codedTensors(patch).reduce((n, [, t]) => n + t.rows, 0) + Buffer.byteLength(JSON.stringify(patch.head));
}

/** Writes a patch file (fsynced); returns its XXH64 and size. */
export function writePatch(path: string, patch: Patch): { xxh64: string; bytes: number } {
  return writeSafetensors(path, codedTensors(patch), { patch: JSON.stringify(patch.head) });
}

/** Reads a patch file, checked against `expectedXxh64` (the manifest's record) and for consistency. */
export function readPatch(path: string, expectedXxh64: string): Patch {
  const reader = new SafetensorsReader(path);
  try {
    const raw = reader.header.__metadata__?.patch;
    let head: PatchHead;
    try {
      head = JSON.parse(typeof raw === 'string' ? raw : 'null') as PatchHead;
    } catch (cause) {
      throw new ModelFileError(path, 'the patch header is not valid JSON (corrupted file)', { cause });
    }
    if (head?.format !== PATCH_FORMAT) throw new ModelFileError(path, `not an Accrete patch (format ${JSON.stringify(head?.format)})`);
    if (head.formatVersion !== 1 && head.formatVersion !== 2) throw new ModelFileError(path, `patch format version ${String(head.formatVersion)} is not one this Accrete reads (1, 2); upgrade accrete`);
    if (!Array.isArray(head.tensors)) throw new ModelFileError(path, 'the patch lists no tensors (corrupted file)');
    for (const t of head.tensors) {
      if (!(Number.isSafeInteger(t.changed) && t.changed >= 0 && t.cols > 0 && t.rowsAfter >= t.rowsBefore && t.changed >= t.rowsAfter - t.rowsBefore)) {
        throw new ModelFileError(path, `the patch's entry for ${JSON.stringify(t.name)} contradicts itself (corrupted file)`);
      }
    }
    // Decoded only once the checksum says the bytes are the ones written.
    let rows: RowChanges[];
    if (head.formatVersion === 1) {
      const read = readRowsV1(reader, head);
      checkSum(path, read.xxh64, expectedXxh64);
      rows = read.rows;
    } else {
      const read = readRowsV2(reader, head);
      checkSum(path, read.xxh64, expectedXxh64);
      rows = read.rows.map((r) => decodeRows(r, path));
    }
    for (const r of rows) checkIds(path, r);
    return { head, rows };
  } finally {
    reader.close();
  }
}

function checkSum(path: string, xxh64: string, expected: string): void {
  if (xxh64 !== expected) throw new ModelFileError(path, 'checksum mismatch: the patch was changed or corrupted after it was written');
}

/** A RowChanges as read from a version 2 file, before decoding (after the checksum is known good). */
interface CodedRows extends Omit<RowChanges, 'ids' | 'delta'> {
  ids: Uint8Array;
  delta: Uint8Array;
  changed: number;
}

function readRowsV2(reader: SafetensorsReader, head: PatchHead): { rows: CodedRows[]; xxh64: string } {
  const rows: CodedRows[] = [];
  const targets: [string, TensorLike][] = [];
  for (const t of head.tensors) {
    const r: CodedRows = { name: t.name, cols: t.cols, rowsBefore: t.rowsBefore, rowsAfter: t.rowsAfter, changed: t.changed, ids: new Uint8Array(reader.entry(`${t.name}/ids`).shape[0]), delta: new Uint8Array(reader.entry(`${t.name}/delta`).shape[0]) };
    rows.push(r);
    targets.push([`${t.name}/ids`, { rows: r.ids.length, cols: 1, data: r.ids }], [`${t.name}/delta`, { rows: r.delta.length, cols: 1, data: r.delta }]);
  }
  return { rows, xxh64: reader.readAll(targets).xxh64 };
}

function decodeRows(r: CodedRows, path: string): RowChanges {
  const { changed, ...rest } = r;
  return { ...rest, ids: decodeIds(r.ids, changed, path, `the row ids of ${JSON.stringify(r.name)}`), delta: decodeWords(r.delta, changed * r.cols, path, `the rows of ${JSON.stringify(r.name)}`) };
}

/** Format version 1: per tensor, ids (I32), the changed rows before and every row after (F32), turned into deltas. */
function readRowsV1(reader: SafetensorsReader, head: PatchHead): { rows: RowChanges[]; xxh64: string } {
  const rows: RowChanges[] = [];
  const targets: [string, TensorLike][] = [];
  const plain: { before: Float32Array; after: Float32Array }[] = [];
  for (const t of head.tensors) {
    const beforeRows = reader.entry(`${t.name}/before`).shape[0];
    if (t.changed - beforeRows !== t.rowsAfter - t.rowsBefore) throw new ModelFileError(reader.path, `the patch's entry for ${JSON.stringify(t.name)} contradicts itself (corrupted file)`);
    const r: RowChanges = { name: t.name, cols: t.cols, rowsBefore: t.rowsBefore, rowsAfter: t.rowsAfter, ids: new Int32Array(t.changed), delta: new Int32Array(t.changed * t.cols) };
    const p = { before: new Float32Array(beforeRows * t.cols), after: new Float32Array(t.changed * t.cols) };
    rows.push(r);
    plain.push(p);
    targets.push([`${t.name}/ids`, { rows: t.changed, cols: 1, data: r.ids }], [`${t.name}/before`, { rows: beforeRows, cols: t.cols, data: p.before }], [`${t.name}/after`, { rows: t.changed, cols: t.cols, data: p.after }]);
  }
  const { xxh64 } = reader.readAll(targets);
  rows.forEach((r, i) => {
    const before = bitsOf(plain[i].before);
    r.delta.set(bitsOf(plain[i].after));
    for (let k = 0; k < before.length; k++) r.delta[k] ^= before[k];
  });
  return { rows, xxh64 };
}

/** Ids ascending below rowsBefore, then exactly the grown rows. */
function checkIds(path: string, r: RowChanges): void {
  const changedBefore = changedBelow(r);
  for (let i = 0; i < r.ids.length; i++) {
    const ok = i < changedBefore ? r.ids[i] >= 0 && r.ids[i] < r.rowsBefore && (i === 0 || r.ids[i] > r.ids[i - 1]) : r.ids[i] === r.rowsBefore + (i - changedBefore);
    if (!ok) throw new ModelFileError(path, `row id ${r.ids[i]} of ${JSON.stringify(r.name)} is out of order or out of range (corrupted file)`);
  }
}

/** Makes the child of `model` (which must be the patch's parent): rows, words, labels, info, Adam's step. */
export function applyPatch(model: TextClassifier, patch: Patch, where: string): void {
  applyPatchVocab(model, patch, where);
  applyPatchRows(model, patch, where);
}

/**
 * The words and labels a patch adds (the first half of applyPatch). A loader applies these first,
 * so that texts featurised while the weights are read get the child's input rows.
 */
export function applyPatchVocab(model: TextClassifier, patch: Patch, where: string): void {
  const { head } = patch;
  const v = model.vocab;
  if (v.wordCount !== head.words.from || v.labels.length !== head.labels.from) {
    throw new ModelFileError(where, `the patch was made for a model of ${head.words.from} words and ${head.labels.from} labels, not ${v.wordCount} and ${v.labels.length}`);
  }
  head.words.added.forEach((w, i) => v.addWord(w, head.words.counts[i]));
  for (const l of head.labels.added) v.addLabel(l, 0);
  head.labels.countsAfter.forEach((c, i) => (v.labelCounts[i] = c));
}

/** The rows, info and Adam's step of a patch (the second half of applyPatch). */
export function applyPatchRows(model: TextClassifier, patch: Patch, where: string): void {
  const named = namedTensors(model);
  const rows = patch.rows.filter((r) => !isExtraTensor(r.name));
  for (const r of rows) {
    const m = named.get(r.name);
    if (!m || m.cols !== r.cols || m.rows !== r.rowsBefore) throw new ModelFileError(where, `the patch changes ${r.name} of ${r.rowsBefore}x${r.cols}, but the model's is ${m ? `${m.rows}x${m.cols}` : 'absent'}`);
  }
  for (const r of rows) {
    const m = named.get(r.name)!;
    m.growRows(r.rowsAfter - r.rowsBefore);
    writeRows(bitsOf(m.data), r, 'apply');
  }
  model.info = structuredClone(patch.head.info.after);
  if (patch.head.optimizerStep && model.optimizerState) model.optimizerState.step = patch.head.optimizerStep.after;
}

/** Makes the parent of `model` (which must be the patch's child): the exact inverse of applyPatch. */
export function revertPatch(model: TextClassifier, patch: Patch, where: string): void {
  const { head } = patch;
  const v = model.vocab;
  const wordsAfter = head.words.from + head.words.added.length;
  if (v.wordCount !== wordsAfter || v.labels.length !== head.labels.countsAfter.length) {
    throw new ModelFileError(where, `the patch's child has ${wordsAfter} words and ${head.labels.countsAfter.length} labels, not ${v.wordCount} and ${v.labels.length}`);
  }
  const named = namedTensors(model);
  for (const r of patch.rows.filter((x) => !isExtraTensor(x.name))) {
    const m = named.get(r.name);
    if (!m || m.rows !== r.rowsAfter) throw new ModelFileError(where, `the patch's child has ${r.rowsAfter} rows of ${r.name}, not ${m?.rows ?? 'none'}`);
    writeRows(bitsOf(m.data), r, 'revert');
    m.truncateRows(r.rowsBefore);
  }
  v.restore({ wordCounts: v.wordCounts.slice(0, head.words.from), labelCounts: [...head.labels.countsBefore] });
  model.featurizer.forgetFrom(head.words.from);
  model.info = structuredClone(head.info.before);
  if (head.optimizerStep && model.optimizerState) model.optimizerState.step = head.optimizerStep.before;
}

