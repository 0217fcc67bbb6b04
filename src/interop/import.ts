/**
 * importFastText: a fastText supervised .bin becomes an Accrete model that predicts as fastText
 * does. Words keep fastText's order (ids 0..nwords-1), labels lose their `__label__` prefix, the
 * input rows move from fastText's layout (words, then buckets) to Accrete's (buckets, then words,
 * so new words can append), the output layer is copied as it is, and the model records
 * `tokenizer: 'fasttext'` and `hashing: 'fasttext'` so it cuts and hashes text as fastText does.
 */
import { statSync } from 'node:fs';
import { configIssues, DEFAULTS, type Config, type Loss } from '../config.js';
import { LABEL_PREFIX } from '../data/fasttext.js';
import { ModelFileError } from '../errors.js';
import { usesBuckets } from '../features/featurizer.js';
import { TextClassifier } from '../model/classifier.js';
import { zeroParams, type Params } from '../model/params.js';
import { Vocab } from '../vocab/vocab.js';
import { FASTTEXT_MAGIC, FASTTEXT_VERSION, FastTextBinReader, LOSS_NAMES, MODEL_NAMES, type FastTextArgs, type FastTextEntry, type FastTextHeader } from './fasttextBin.js';

export interface ImportReport {
  file: string;
  version: number;
  args: FastTextArgs;
  words: number;
  labels: number;
  /** The loss the Accrete model uses (fastText's ns predicts as ova). */
  loss: Loss;
  /** Things the user should know: what was approximated, mapped or dropped. */
  warnings: string[];
}

export interface ImportResult {
  model: TextClassifier;
  report: ImportReport;
}

/** Reads magic, version and args. */
function readArgs(r: FastTextBinReader): { version: number; args: FastTextArgs } {
  if (r.size < 8) r.fail(`the file is ${r.size} bytes: too short to be a fastText model (empty or truncated)`);
  const magic = r.int32('the magic number');
  if (magic !== FASTTEXT_MAGIC) {
    const bytes = (n: number) => [0, 8, 16, 24].map((s) => ((n >>> s) & 0xff).toString(16).padStart(2, '0')).join(' ');
    r.fail(`not a fastText .bin model: its first bytes are ${bytes(magic)}, not fastText's magic number ${FASTTEXT_MAGIC} (${bytes(FASTTEXT_MAGIC)}); is it a .vec text file or an Accrete model directory?`);
  }
  const version = r.int32('the format version');
  if (version !== 11 && version !== FASTTEXT_VERSION) {
    r.fail(`fastText file format version ${version} is not supported: this reader knows versions 11 and 12 (fastText 0.1 to 0.9.2)${version > FASTTEXT_VERSION ? '; the file was written by a newer fastText' : ''}`);
  }
  const int = (name: string) => r.int32(`args.${name}`);
  const [dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate] = ['dim', 'ws', 'epoch', 'minCount', 'neg', 'wordNgrams', 'loss', 'model', 'bucket', 'minn', 'maxn', 'lrUpdateRate'].map(int);
  const t = r.float64('args.t');
  const lossName = LOSS_NAMES[loss as keyof typeof LOSS_NAMES];
  const modelName = MODEL_NAMES[model as keyof typeof MODEL_NAMES];
  if (!lossName) r.fail(`args.loss is ${loss}, not one of fastText's losses (1 hs, 2 ns, 3 softmax, 4 ova) (corrupted file)`);
  if (!modelName) r.fail(`args.model is ${model}, not one of fastText's models (1 cbow, 2 skipgram, 3 supervised) (corrupted file)`);
  const args: FastTextArgs = { dim, ws, epoch, minCount, neg, wordNgrams, loss: lossName, model: modelName, bucket, minn, maxn, lrUpdateRate, t };
  // fastText itself ignores char n-grams of version-11 supervised models (FastText::loadModel).
  if (version === 11 && modelName === 'supervised') args.maxn = 0;
  const bad = (['dim', 'wordNgrams'] as const).find((k) => args[k] < 1) ?? (['bucket', 'minn', 'maxn', 'epoch', 'minCount'] as const).find((k) => args[k] < 0);
  if (bad) r.fail(`args.${bad} is ${args[bad]} (corrupted file)`);
  return { version, args };
}

/** Reads the dictionary and the input matrix's shape: everything before the first float. */
function readHeader(r: FastTextBinReader): FastTextHeader {
  const { version, args } = readArgs(r);
  const size = r.int32('the dictionary size');
  const nwords = r.int32('the dictionary word count');
  const nlabels = r.int32('the dictionary label count');
  const ntokens = r.int64('the dictionary token count');
  const pruneidxSize = r.int64('the dictionary pruning index size');
  if (nwords < 0 || nlabels < 0 || size !== nwords + nlabels) r.fail(`the dictionary says ${size} entries = ${nwords} words + ${nlabels} labels, which does not add up (corrupted file)`);
  // An entry takes at least 10 bytes (NUL, int64 count, int8 type).
  if (r.pos + size * 10 > r.size) r.fail(`truncated: ${size} dictionary entries cannot fit in the ${r.size - r.pos} bytes left`);
  const entries: FastTextEntry[] = [];
  for (let i = 0; i < size; i++) {
    const word = r.cstring(`dictionary entry ${i}`);
    const count = r.int64(`the count of dictionary entry ${i}`);
    const type = r.int8(`the type of dictionary entry ${i}`);
    if (type !== 0 && type !== 1) r.fail(`dictionary entry ${i} has type ${type}, expected 0 (word) or 1 (label) (corrupted file)`);
    if ((type === 0) !== i < nwords) r.fail(`dictionary entry ${i} ("${word}") is a ${type === 0 ? 'word' : 'label'} where fastText keeps ${i < nwords ? 'words' : 'labels'} (corrupted file)`);
    if (count < 0) r.fail(`dictionary entry ${i} ("${word}") has count ${count} (corrupted file)`);
    entries.push({ word, count, type: type === 0 ? 'word' : 'label' });
  }
  if (pruneidxSize > 0) r.skip(pruneidxSize * 8, 'the pruning index');
  if (r.bool('the quantized flag')) {
    r.fail('is a quantized fastText model (.ftz, made by `fasttext quantize`): its input matrix is product-quantized codes, not weights one can keep training; import the .bin that was quantized instead');
  }
  if (pruneidxSize >= 0) r.fail(`the dictionary has a pruning index (${pruneidxSize} entries), which only quantized models have (corrupted file)`);
  const inputRows = r.int64('the input matrix row count');
  const inputCols = r.int64('the input matrix column count');
  return { version, args, entries, nwords, nlabels, ntokens, inputRows, inputCols };
}

/** The Accrete config of a fastText model, and what had to be mapped. */
function configOf(r: FastTextBinReader, args: FastTextArgs, warnings: string[]): Config {
  if (args.model !== 'supervised') {
    r.fail(`is a fastText ${args.model} word-vector model, not a classifier: it has no labels. To start a classifier from its vectors, use \`accrete train --pretrained-vectors FILE.vec\` with the .vec file fastText wrote beside it`);
  }
  if (args.loss === 'hs') {
    r.fail('was trained with -loss hs (hierarchical softmax): fastText predicts with it by walking a Huffman tree of the labels, which Accrete\'s output layer (one row per label, softmax or one-vs-all) cannot represent; retrain it in fastText with -loss softmax or -loss ova, then import that');
  }
  if (args.loss === 'ns') warnings.push('trained with -loss ns (negative sampling): it predicts as one-vs-all (a sigmoid per label), exactly as fastText predicts with it, and Accrete updates it with the one-vs-all loss over all labels');
  let { minn, maxn } = args;
  if (maxn > 0 && minn > maxn) {
    warnings.push(`minn ${minn} > maxn ${maxn}: the model has no char n-grams (as in fastText)`);
    minn = maxn = 0;
  }
  if (maxn > 0 && minn === 0) minn = 1; // the same n-grams: fastText's n starts at 1
  if (maxn === 0) minn = 0;
  const config: Config = {
    ...DEFAULTS,
    tokenizer: 'fasttext',
    hashing: 'fasttext',
    lowercase: false,
    maskUrls: false,
    dim: args.dim,
    wordNgrams: args.wordNgrams,
    minn,
    maxn,
    bucket: args.bucket,
    minCount: Math.max(1, args.minCount),
    loss: args.loss === 'softmax' ? 'softmax' : 'ova',
    epoch: Math.max(1, args.epoch),
  };
  const issues = configIssues(config);
  if (issues.length) r.fail(`its args make no usable model: ${issues.join('; ')} (corrupted file)`);
  return config;
}

function vocabOf(r: FastTextBinReader, header: FastTextHeader, warnings: string[]): Vocab {
  const vocab = new Vocab();
  let prefixless = 0;
  let raw = 0;
  for (const e of header.entries) {
    if (e.word.startsWith('\0')) raw++;
    if (e.type === 'word') {
      if (vocab.addWord(e.word, e.count) !== vocab.wordCount - 1) r.fail(`the word "${e.word}" is in the dictionary twice (corrupted file)`);
      continue;
    }
    const label = e.word.startsWith(LABEL_PREFIX) && e.word.length > LABEL_PREFIX.length ? e.word.slice(LABEL_PREFIX.length) : e.word;
    if (label === e.word) prefixless++;
    if (vocab.addLabel(label, e.count) !== vocab.labelCount - 1) r.fail(`the label "${e.word}" is in the dictionary twice (corrupted file)`);
  }
  if (prefixless > 0) warnings.push(`${prefixless} labels do not start with ${LABEL_PREFIX} (trained with another -label prefix?): kept whole`);
  if (raw > 0) warnings.push(`${raw} dictionary entries are not UTF-8 text: their rows are kept (and exported back) but no Accrete input can reach them`);
  return vocab;
}

/** Reads the matrices into fresh Accrete parameters, words' rows moved after the buckets. */
function readTensors(r: FastTextBinReader, header: FastTextHeader, config: Config, warnings: string[]): Params {
  const { args, nwords, nlabels, inputRows, inputCols } = header;
  if (inputCols !== args.dim || inputRows !== nwords + args.bucket) {
    r.fail(`the input matrix is ${inputRows}x${inputCols}, but ${nwords} words + ${args.bucket} buckets at dim ${args.dim} need ${nwords + args.bucket}x${args.dim} (corrupted file)`);
  }
  const dim = args.dim;
  const needed = inputRows * dim * 4 + 1 + 16 + nlabels * dim * 4;
  if (r.pos + needed > r.size) r.fail(`truncated: the matrices need ${needed} bytes after offset ${r.pos}, but only ${r.size - r.pos} are left`);
  const bucket = usesBuckets(config) ? config.bucket : 0;
  if (bucket === 0 && args.bucket > 0) warnings.push(`the ${args.bucket} bucket rows are unused (no word or char n-grams) and were left out`);
  const params = zeroParams({ inputRows: bucket + nwords, dim, hidden: 0, labels: nlabels });
  const input = params.input.data;
  r.floats(input.subarray(bucket * dim, (bucket + nwords) * dim), 'the word rows of the input matrix');
  if (bucket > 0) r.floats(input.subarray(0, bucket * dim), 'the bucket rows of the input matrix');
  else r.skip(args.bucket * dim * 4, 'the bucket rows of the input matrix');
  if (r.bool('the output matrix\'s quantized flag')) r.fail('has a quantized output matrix (qout) but an unquantized input matrix (corrupted file)');
  const rows = r.int64('the output matrix row count');
  const cols = r.int64('the output matrix column count');
  if (rows !== nlabels || cols !== dim) r.fail(`the output matrix is ${rows}x${cols}, expected ${nlabels} labels x ${dim} (corrupted file)`);
  r.floats(params.output.data, 'the output matrix');
  if (r.pos !== r.size) r.fail(`${r.size - r.pos} unexpected byte(s) after the output matrix (corrupted file, or not a fastText model)`);
  for (const [name, data] of [['input', input], ['output', params.output.data]] as const) {
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) r.fail(`the ${name} matrix holds NaN or Inf (at float ${i}): corrupted file, or a diverged training run`);
  }
  return params;
}

/**
 * Reads a fastText supervised model (.bin). Throws ModelFileError when the file is not one, is
 * truncated or corrupted, or is a kind Accrete cannot learn on (quantized, hierarchical softmax,
 * unsupervised), saying which.
 * @example const { model } = importFastText('model.bin'); model.predict('some text', { k: 2 })
 */
export function importFastText(path: string): ImportResult {
  let r: FastTextBinReader;
  try {
    r = new FastTextBinReader(path);
  } catch (cause) {
    if (cause instanceof ModelFileError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    throw new ModelFileError(path, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(cause)})`, { cause });
  }
  try {
    const warnings: string[] = [];
    const header = readHeader(r);
    const config = configOf(r, header.args, warnings);
    const vocab = vocabOf(r, header, warnings);
    if (header.nlabels === 0) r.fail('the dictionary has no labels: not a trained classifier (corrupted file)');
    const params = readTensors(r, header, config, warnings);
    const report: ImportReport = { file: path, version: header.version, args: header.args, words: header.nwords, labels: header.nlabels, loss: config.loss, warnings };
    const info = { importedFrom: { format: 'fasttext-bin', file: path, bytes: statSync(path).size, version: header.version, args: header.args, ntokens: header.ntokens, importedAt: new Date().toISOString() } };
    return { model: new TextClassifier(config, vocab, params, null, info), report };
  } finally {
    r.close();
  }
}
