/**
 * Pretrained word vectors in the text format fastText (.vec) and word2vec write: a header line
 * "count dim", then one line per word, "word v1 ... vdim" (fastText adds a trailing space). Lines
 * without a header (GloVe) are read too: the first line's width gives the dimension. They start the
 * input rows of the model's vocabulary words, as fastText's -pretrainedVectors does.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { AccreteError, DataError } from '../errors.js';
import type { TextClassifier } from '../model/classifier.js';

export interface VecHeader {
  /** Vectors the header announces (null without a header line). */
  count: number | null;
  dim: number;
}

export interface PretrainedReport {
  file: string;
  dim: number;
  /** Vectors in the file. */
  vectors: number;
  /** Vocabulary words whose rows were set from the file, and the vocabulary's size. */
  matched: number;
  words: number;
}

const HEADER = /^\s*(\d+)\s+(\d+)\s*$/;

/** The file's lines; a read error becomes a clear AccreteError, and the file is closed however the reader stops. */
async function* lines(path: string): AsyncGenerator<string> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    yield* rl;
  } catch (err) {
    throw fileError(path, err);
  } finally {
    rl.close();
    stream.destroy();
  }
}

function fileError(path: string, cause: unknown): AccreteError {
  const code = (cause as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (cause as Error).message;
  return new AccreteError('BAD_DATA', `cannot read pretrained vectors ${path}: ${why}`, { cause });
}

/** The word and the value fields of one vector line ("word v1 ... vdim", single spaces). */
function split(line: string): { word: string; fields: string[] } {
  const trimmed = line.replace(/[ \r]+$/, '');
  const space = trimmed.indexOf(' ');
  if (space < 0) return { word: trimmed, fields: [] };
  return { word: trimmed.slice(0, space), fields: trimmed.slice(space + 1).split(' ').filter((f) => f !== '') };
}

/** Reads the first line: the header, or for a headerless file the dimension of its first vector. */
export async function readVecHeader(path: string): Promise<VecHeader> {
  for await (const line of lines(path)) {
    const m = HEADER.exec(line);
    if (m) return { count: Number(m[1]), dim: Number(m[2]) };
    const { fields } = split(line);
    if (fields.length === 0) throw new DataError(path, 1, 'expected a header line "count dim" or a vector line "word v1 v2 ..."');
    return { count: null, dim: fields.length };
  }
  throw new DataError(path, 1, 'the file is empty: expected a header line "count dim" and vectors');
}

/** Throws a clear error when the file's vectors do not have `dim` components. */
export async function checkVecDim(path: string, dim: number): Promise<VecHeader> {
  const header = await readVecHeader(path);
  if (header.dim !== dim) {
    throw new AccreteError('BAD_CONFIG', `the pretrained vectors in ${path} have ${header.dim} dimensions but the model has --dim ${dim}; they must match: pass --dim ${header.dim}`);
  }
  return header;
}

/**
 * Sets the input rows of `model`'s vocabulary words from a .vec file. A word takes the vector of the
 * same token in the file; failing that (Accrete's tokenizer lower-cases and normalises), the vector
 * of the first file word that tokenizes to exactly it. Words of the file that the vocabulary lacks
 * are skipped (fastText adds them to its dictionary; Accrete keeps the model to its data).
 */
export async function loadPretrainedVectors(model: TextClassifier, path: string): Promise<PretrainedReport> {
  const dim = model.params.input.cols;
  const header = await checkVecDim(path, dim);
  const { vocab, featurizer, params } = model;
  /** 2: set from the same token; 1: set from a token that normalises to it. */
  const setBy = new Uint8Array(vocab.wordCount);
  const normalise = model.config.tokenizer !== 'fasttext';
  let vectors = 0;
  let no = 0;
  for await (const line of lines(path)) {
    no++;
    if (no === 1 && header.count !== null) continue;
    if (line.trim() === '') continue;
    vectors++;
    const { word, fields } = split(line);
    let id = vocab.idOf(word);
    let how = 2;
    if (id < 0 && normalise) {
      const tokens = model.tokenize(word);
      id = tokens.length === 1 ? vocab.idOf(tokens[0]) : -1;
      how = 1;
    }
    if (id < 0 || setBy[id] >= how) continue;
    if (fields.length !== dim) throw new DataError(path, no, `expected ${dim} values after the word "${word}", found ${fields.length}`);
    const row = params.input.row(featurizer.bucket + id);
    for (let d = 0; d < dim; d++) {
      const v = Number(fields[d]);
      if (!Number.isFinite(v)) throw new DataError(path, no, `"${fields[d]}" is not a finite number`);
      row[d] = v;
    }
    setBy[id] = how;
  }
  if (header.count !== null && vectors < header.count) {
    throw new DataError(path, no, `the header announces ${header.count} vectors but the file has ${vectors} (truncated?)`);
  }
  const matched = setBy.reduce((n, s) => n + (s > 0 ? 1 : 0), 0);
  return { file: path, dim, vectors, matched, words: vocab.wordCount };
}
