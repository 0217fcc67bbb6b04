/**
 * exportFastText: an Accrete model as a fastText .bin (format version 12) that `fasttext predict`,
 * `predict-prob` and `test` load and that predicts as the model does. Only models fastText can
 * compute exactly are exported: fastText's tokenizer and hashing (imported models, or trained with
 * `--tokenizer fasttext --hashing fasttext`), no hidden layer, softmax or one-vs-all, the mean bag
 * and no CJK runs. Any other model is refused with an ExportRefusedError naming the option.
 */
import { ExportRefusedError } from '../errors.js';
import { LABEL_PREFIX } from '../data/fasttext.js';
import { usesBuckets } from '../features/featurizer.js';
import type { TextClassifier } from '../model/classifier.js';
import { FASTTEXT_MAGIC, FASTTEXT_VERSION, wordBytes, type FastTextArgs } from './fasttextBin.js';
import { writeFileAtomic, type FastTextBinWriter } from './fasttextBinWriter.js';

export interface ExportReport {
  file: string;
  bytes: number;
  words: number;
  labels: number;
  /** Labels written under another name (whitespace becomes `_`, as in fastText data files). */
  renamedLabels: { label: string; as: string }[];
}

/** Why `model` cannot be exported to fastText, or null when it can. */
export function exportRefusal(model: TextClassifier): string | null {
  return refusalOf(model)?.reason ?? null;
}

/** The first setting of `model` that fastText's model cannot hold, and why; null when there is none. */
function refusalOf(model: TextClassifier): { option: string; reason: string } | null {
  const c = model.config;
  if (c.tokenizer !== 'fasttext') {
    return { option: 'tokenizer', reason: "it cuts text with Accrete's tokenizer (NFKC, lower-casing, punctuation runs, <url> and <email>), while fastText splits on whitespace only, so fastText would compute other features for the same text; only models imported from fastText or trained with --tokenizer fasttext --hashing fasttext can be exported" };
  }
  if (usesBuckets(c) && c.hashing !== 'fasttext') {
    return { option: 'hashing', reason: 'it hashes word and char n-grams with FNV-1a, while fastText hashes signed bytes with 64-bit word n-grams, so its bucket rows would be read for other n-grams; train with --hashing fasttext' };
  }
  if (c.hidden > 0) return { option: 'hidden', reason: `it has a hidden layer (--hidden ${c.hidden}), which fastText's model (embedding bag, then the output layer) does not have` };
  if (c.loss !== 'softmax' && c.loss !== 'ova') return { option: 'loss', reason: `its loss is ${String(c.loss)} (--loss ${String(c.loss)}); fastText's file can hold softmax or ova` };
  if (c.bagNorm !== 'mean') return { option: 'bagNorm', reason: `its embedding bag is weighed by ${c.bagNorm} (--bagNorm ${c.bagNorm}), while fastText always takes the mean of the rows, so fastText would score every text otherwise` };
  if (c.cjkRuns) return { option: 'cjkRuns', reason: "its CJK char n-grams run across the segmenter's word boundaries (--cjkRuns), which fastText's whitespace tokenizer cannot reproduce" };
  return null;
}

/** Label names as fastText writes them: `__label__` + the label, whitespace as `_`. */
function fastTextLabels(model: TextClassifier): { names: string[]; renamed: ExportReport['renamedLabels'] } {
  const renamed: ExportReport['renamedLabels'] = [];
  const names = model.labels.map((label) => {
    const as = label.trim().replace(/\s+/g, '_');
    if (as !== label) renamed.push({ label, as });
    if (as.includes('\0')) throw refusal(`the label ${JSON.stringify(label)} contains a NUL character, which ends strings in fastText's file`);
    return LABEL_PREFIX + as;
  });
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw refusal(`two labels become "${n}" once whitespace is replaced by "_"`);
    seen.add(n);
  }
  return { names, renamed };
}

function refusal(why: string, option = 'labels'): ExportRefusedError {
  return new ExportRefusedError(option, why);
}

/** fastText's args for the model; ws, neg, lrUpdateRate and t only matter to training, and are kept from an import. */
function argsOf(model: TextClassifier): FastTextArgs {
  const c = model.config;
  const imported = (model.info.importedFrom as { args?: Partial<FastTextArgs> } | undefined)?.args ?? {};
  const bucket = usesBuckets(c) ? c.bucket : 0;
  return {
    dim: c.dim,
    ws: imported.ws ?? 5,
    epoch: c.epoch,
    minCount: c.minCount,
    neg: imported.neg ?? 5,
    wordNgrams: c.wordNgrams,
    loss: c.loss === 'softmax' ? 'softmax' : 'ova',
    model: 'supervised',
    bucket,
    minn: c.maxn > 0 ? c.minn : 0,
    maxn: c.maxn,
    lrUpdateRate: imported.lrUpdateRate ?? 100,
    t: imported.t ?? 1e-4,
  };
}

function writeArgs(w: FastTextBinWriter, a: FastTextArgs): void {
  const loss = a.loss === 'softmax' ? 3 : 4;
  for (const v of [a.dim, a.ws, a.epoch, a.minCount, a.neg, a.wordNgrams, loss, 3, a.bucket, a.minn, a.maxn, a.lrUpdateRate]) w.int32(v);
  w.float64(a.t);
}

/**
 * Writes `model` to `path` as a fastText .bin (atomically: a temporary file renamed into place).
 * Throws an AccreteError saying why when the model cannot be exported (see exportRefusal).
 */
export function exportFastText(model: TextClassifier, path: string): ExportReport {
  const why = refusalOf(model);
  if (why) throw refusal(why.reason, why.option);
  const { names, renamed } = fastTextLabels(model);
  const { vocab, params } = model;
  const words = vocab.words.map(wordBytes);
  const bad = words.findIndex((b) => b.includes(0));
  if (bad >= 0) throw refusal(`the word ${JSON.stringify(vocab.words[bad])} contains a NUL character, which ends strings in fastText's file`, 'words');
  const args = argsOf(model);
  const dim = params.input.cols;
  const bucket = model.featurizer.bucket;
  const nwords = vocab.wordCount;
  const ntokens = [...vocab.wordCounts, ...vocab.labelCounts].reduce((s, c) => s + c, 0);
  const bytes = writeFileAtomic(path, (w) => {
    w.int32(FASTTEXT_MAGIC);
    w.int32(FASTTEXT_VERSION);
    writeArgs(w, args);
    w.int32(nwords + names.length);
    w.int32(nwords);
    w.int32(names.length);
    w.int64(Math.max(1, ntokens));
    w.int64(-1); // no pruning index: not quantized
    words.forEach((b, i) => (w.cstring(b), w.int64(vocab.wordCounts[i]), w.int8(0)));
    names.forEach((n, i) => (w.cstring(Buffer.from(n, 'utf8')), w.int64(vocab.labelCounts[i]), w.int8(1)));
    w.int8(0); // input not quantized
    w.int64(nwords + bucket);
    w.int64(dim);
    // fastText's rows: words first, then buckets; Accrete's: buckets first, then words.
    w.floats(params.input.data.subarray(bucket * dim, (bucket + nwords) * dim));
    w.floats(params.input.data.subarray(0, bucket * dim));
    w.int8(0); // output not quantized
    w.int64(params.output.rows);
    w.int64(params.output.cols);
    w.floats(params.output.data.subarray(0, params.output.rows * params.output.cols));
  });
  return { file: path, bytes, words: nwords, labels: names.length, renamedLabels: renamed };
}
