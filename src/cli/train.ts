/** `accrete train`: a new model from labelled data. */
import type { Example } from '../data/example.js';
import { checkVecDim } from '../learn/pretrainedVectors.js';
import { train } from '../learn/train.js';
import type { TextClassifier } from '../model/classifier.js';
import { GUARD_SHARE, guardSize, holdOutGuard, MAX_GUARD, MIN_GUARD, MIN_GUARDED_EXAMPLES } from '../update/guard.js';
import { buildMemory, DEFAULT_REPLAY } from '../update/memory.js';
import { releaseMemory } from '../util/gc.js';
import { capThreads, checkedConfig, configFromFlags, help, MODEL_FLAGS, optionalNumberWhere, optionalString, parseFlags, READ_FLAGS, readOptions, requireString, warnIneffective } from './args.js';
import { labelsOf, loadExamples, warnUnknownLabels } from './data.js';
import { LOCK_FLAGS, LOCK_HELP, waitMsOf } from './modelLock.js';
import { saveWholeLearner } from './saveWhole.js';
import { checkOutDir } from './outputDir.js';
import { progressView } from './progressBar.js';
import { AUTOTUNE_FLAGS, autotuneFlags, autotuneIssueAsFlag, autotuneTable } from './autotune.js';
import { SEARCHED, trialLine } from '../learn/autotune.js';
import { ConfigError, UsageError } from '../errors.js';
import { DEFAULTS, type Config } from '../config.js';
import { dataStats, fitDefaults, FITTED_KEYS, type FittedDefaults } from '../learn/dataDefaults.js';

export const trainHelp = `usage: accrete train --data FILE --out MODEL [options]

Trains a new text classifier and saves it as a model directory.

data:
  --data FILE          training examples (.jsonl, .csv, .tsv, or fastText .txt/.ft; '-' = stdin with --format)
  --valid FILE         validation examples, scored after every epoch
  --format F           jsonl | csv | tsv | fasttext (default: from the file extension)
  --skip-bad           skip and count bad lines instead of stopping at the first one
  --out MODEL          model directory to write (an existing model directory holding only
                       its own files is replaced atomically, once no other accrete command is
                       writing it)
${LOCK_HELP}
  --replay N           examples kept in the model's replay memory for later updates, 0 = none (${DEFAULT_REPLAY})
  --guard-size N       examples held out of training to guard later updates, 0 = train on all
                       (2% of the data, at most ${MAX_GUARD}; none when that is below ${MIN_GUARD}, i.e. under
                       ${MIN_GUARDED_EXAMPLES} examples, and updates then guard with part of the replay memory;
                       with --valid, the validation examples are the guard and nothing is held out)

defaults: what you leave out of --dim --lr --epoch --wordNgrams --minn/--maxn --bucket is fitted
to the data (its size, its script, how many of its words occur once) and printed; the model
directory stays within 10x the training texts' bytes. In brackets: fastText's defaults.
  --fasttext-defaults  use fastText's defaults (in brackets below) for what you leave out

model (fastText's names):
  --dim N              embedding size (100)
  --wordNgrams N       word n-gram length, hashed into buckets (1)
  --minn N, --maxn N   char n-gram lengths, 0 = none (0, 0)
  --bucket N           rows for hashed n-grams (2000000)
  --minCount N         minimum word count for the vocabulary (1)
  --loss L             softmax | ova (one-vs-all, multi-label) | hinge (one-vs-all linear
                       SVM loss, multi-label) (softmax)
  --bagNorm B          mean | sqrt | l2: the embedding bag as the mean of its rows (fastText's),
                       their sum / sqrt(n), or their sum over the L2 norm of the row counts; sqrt
                       and l2 keep long documents from diluting (mean)
  --cjkRuns            char n-grams of Chinese and Japanese run across word boundaries within
                       a run of CJK text, as fastText's do over a space-free run (off)
  --hidden N           hidden ReLU layer width, 0 = none (0)
  --dropout P          dropout on the hidden layer (0); with --hidden prefer --optimizer adam,
                       or keep an SGD --lr at 0.2 or below (larger steps kill the ReLUs)
  --no-lowercase       keep case      --no-punctuation   drop punctuation tokens
  --no-mask-urls       keep URLs and e-mail addresses as they are (default: <url>, <email>)
  --tokenizer T        accrete | fasttext: fastText's whitespace split, no normalisation (accrete)
  --hashing H          fnv1a | fasttext: fastText's n-gram hashing (fnv1a); a model trained with
                       --tokenizer fasttext --hashing fasttext can be exported with export-fasttext
  --pretrained-vectors FILE.vec
                       start the vocabulary words' rows from fastText or word2vec text vectors
                       (their dimension must equal --dim)

training:
  --lr R               learning rate, decayed linearly to 0 (0.1)
  --epoch N            passes over the data (5)
  --optimizer O        sgd | adam (sgd)
  --thread N           parallel workers (Hogwild), at most the machine's cores (1)
  --seed N             random seed; with --thread 1 the same seed gives the same model (0)
  --patience N         stop after N epochs without validation gain, keep the best (0 = off)
  --weightDecay A      L2 regularisation, applied lazily to the rows each step touches (0 = off)
  --json               print the training report as JSON on stdout (with "skipped": the bad
                       lines --skip-bad skipped)
  --quiet              no progress output (warnings are still printed)

autotune (search the model and training options on validation data; fastText's names):
  --autotune-validation FILE
                       examples to score each trial on; the best trial's model is saved.
                       Searched: --dim --epoch --lr --wordNgrams --minn/--maxn --bucket --loss
                       --hidden, except those given, which every trial keeps
                       (these examples then guard later updates, as --valid's do).
                       With --thread 2, two trials run at once, one thread each
  --autotune-duration S
                       seconds the search may take (300 unless --autotune-trials is given)
  --autotune-trials N  at most N trials; without --autotune-duration the search is the same
                       for the same --seed, whatever --thread
  --autotune-metric M  accuracy | macroF1: what the search maximises (accuracy)
  --autotune-model-size BYTES
                       bound (bucket + words) * dim * 4 bytes; suffixes K, M, G = 10^3, 10^6, 10^9 (1 GiB)`;

export async function trainCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    ...MODEL_FLAGS,
    data: { type: 'string' },
    valid: { type: 'string' },
    out: { type: 'string' },
    ...READ_FLAGS,
    ...LOCK_FLAGS,
    replay: { type: 'string' },
    'guard-size': { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    'pretrained-vectors': { type: 'string' },
    'fasttext-defaults': { type: 'boolean' },
    ...AUTOTUNE_FLAGS,
  });
  if (flags.help) return help(trainHelp);
  const dataPath = requireString(flags, 'data');
  const out = requireString(flags, 'out');
  // Every option is checked before the data is read: a typo should not cost a pass over a big file.
  const options = configFromFlags(flags);
  const cfg = checkedConfig(options);
  capThreads(options);
  const pretrainedVectors = optionalString(flags, 'pretrained-vectors');
  if (pretrainedVectors !== undefined) await checkVecDim(pretrainedVectors, cfg.dim);
  const replay = optionalNumberWhere(flags, 'replay', 'int', (n) => n >= 0, 'an integer >= 0') ?? DEFAULT_REPLAY;
  const guardFlag = optionalNumberWhere(flags, 'guard-size', 'int', (n) => n >= 0, 'an integer >= 0');
  const tune = autotuneFlags(flags);
  if (tune && optionalString(flags, 'valid') !== undefined) throw new UsageError('--valid cannot be combined with --autotune-validation: the search scores its trials on the autotune validation file');
  if (tune && cfg.patience > 0) throw new UsageError('--patience cannot be combined with --autotune-validation: trials are scored on the autotune validation file, and hopeless ones are stopped at half of their epochs');
  if (tune && pretrainedVectors !== undefined) throw new UsageError('--pretrained-vectors cannot be combined with --autotune-validation: the search changes --dim');
  const waitMs = waitMsOf(flags);
  checkOutDir(out);
  const quiet = Boolean(flags.quiet);
  const read = readOptions(flags);
  const data = await loadExamples(dataPath, read, 'there is nothing to train on');
  const all = data.examples;
  const validPath = optionalString(flags, 'valid') ?? tune?.validation;
  warnIneffective(cfg, validPath !== undefined);
  const validSet = validPath ? await loadExamples(validPath, read, tune ? 'autotune needs validation examples to score its trials on' : 'leave --valid out to train without validation') : undefined;
  const valid = validSet?.examples;
  const skipped = data.skipped + (validSet?.skipped ?? 0);
  // Without validation data, a few examples stay out of training so later updates are judged on
  // examples the model did not memorise (see update/guard.ts); without a memory there is no gate to serve.
  const held = valid || replay === 0 ? { train: all, guard: [] } : holdOutGuard(all, cfg.seed, guardFlag ?? guardSize(all.length));
  const examples = held.train;
  if (valid) warnUnknownLabels(validPath!, valid, labelsOf(examples), 'that are not in the training data');
  // Fitted to the data unless fastText's are asked for; autotune starts its search from them (and
  // searches them, unlike what the user set).
  // (pretrained vectors fix the dimension: their own, checked above against --dim or 100)
  // With every fitted setting given there is nothing to fit: the data's statistics (a pass of
  // tokenizing, 1.6 s of a 5.5 s SpamAssassin train) are not computed.
  const nothingToFit = !tune && FITTED_KEYS.every((k) => options[k] !== undefined);
  const fitted: Pick<FittedDefaults, 'settings' | 'reasons'> | null = flags['fasttext-defaults']
    ? null
    : nothingToFit
      ? { settings: {}, reasons: [] }
      : fitDefaults(dataStats(examples, cfg), { ...charsGiven(options), ...(pretrainedVectors !== undefined ? { dim: cfg.dim } : {}) });
  if (fitted && tune) {
    if (!quiet && fitted.reasons.length) process.stderr.write(`autotune starts from defaults fitted to the data (--fasttext-defaults for fastText's):\n${fitted.reasons.map((r) => `  ${r}`).join('\n')}\n`);
  } else if (fitted) {
    Object.assign(options, fitted.settings); // (only what options leaves out)
    checkedConfig(options);
    if (!quiet && fitted.reasons.length) process.stderr.write(`defaults fitted to the data (--fasttext-defaults for fastText's):\n${fitted.reasons.map((r) => `  ${r}`).join('\n')}\n`);
  }
  let result;
  if (tune && !quiet) {
    const fixed = SEARCHED.filter((k) => options[k] !== undefined);
    if (fixed.length) process.stderr.write(`note: autotune keeps what you set (${fixed.map((k) => `--${k} ${options[k]}`).join(', ')}) and searches the rest\n`);
  }
  if (tune) {
    result = await train(examples, {
      ...options,
      autotune: {
        validation: valid!,
        duration: tune.duration,
        trials: tune.trials,
        metric: tune.metric,
        modelSize: tune.modelSize,
        start: fitted?.settings,
        onTrial: quiet ? undefined : (t, best) => process.stderr.write(trialLine(t, best, tune.trials ?? null, tune.metric ?? 'accuracy') + '\n'),
      },
    }).catch((err: unknown) => {
      // Known only once the vocabulary is built (a size bound the words alone exceed): still wrong usage.
      throw err instanceof ConfigError && err.issues.every((i) => i.startsWith('autotune ')) ? new UsageError(err.issues.map(autotuneIssueAsFlag).join('; ')) : err;
    });
  } else {
    const view = progressView('train', quiet);
    try {
      result = await train(examples, { ...options, valid, pretrainedVectors, onProgress: (p) => view.update(p) });
    } finally {
      view.stop();
    }
  }
  const { model, report } = result;
  const search = result.autotune;
  model.info = { ...model.info, trainedOn: { file: dataPath, examples: report.examples }, train: report, ...(search ? { autotune: search } : {}) };
  releaseMemory(); // the training data is garbage now
  save(model, examples, replay, result.seen, out, valid ?? held.guard, waitMs);
  // Printed even with --quiet (like a warning): without it a small model's updates are guarded by
  // examples it memorised, and the gate hardly sees forgetting.
  if (!valid && replay > 0 && held.guard.length === 0 && guardFlag === undefined) process.stderr.write(noGuardNote(all.length) + '\n');
  if (flags.json) process.stdout.write(JSON.stringify({ ...report, guardHeldOut: held.guard.length, skipped, model: out, ...(search ? { autotune: search } : {}), ...(fitted ? { fitted: fitted.settings } : {}) }) + '\n');
  if (search && !quiet) process.stderr.write(autotuneTable(search) + '\n');
  if (!quiet) {
    const last = report.epochs.at(-1);
    const valid = last?.validAccuracy !== undefined ? `, validation accuracy ${(last.validAccuracy * 100).toFixed(2)}%` : '';
    const early = report.stoppedEarly ? ` (stopped early; kept epoch ${report.bestEpoch})` : '';
    const p = report.pretrained;
    if (p) process.stderr.write(`pretrained vectors: ${p.matched} of ${p.words} vocabulary words started from ${p.file} (${p.vectors} vectors)\n`);
    if (held.guard.length) process.stderr.write(`held out ${held.guard.length} of ${all.length} examples as the guard for later updates (--guard-size 0: train on all)\n`);
    process.stderr.write(
      `trained on ${report.examples} examples (${report.words} words, ${report.labels} labels) in ${report.seconds.toFixed(1)}s${valid}${early}\nsaved model to ${out}\n`,
    );
  }
  return 0;
}

/** The given options, where giving one of --minn and --maxn counts as giving both (fastText's default for the other). */
function charsGiven(options: Partial<Config>): Partial<Config> {
  if (options.minn === undefined && options.maxn === undefined) return options;
  return { ...options, minn: options.minn ?? DEFAULTS.minn, maxn: options.maxn ?? DEFAULTS.maxn };
}

/** Why a model of `n` examples got no guard, and what to do about it. */
export function noGuardNote(n: number): string {
  return (
    `note: no guard held out: ${n} examples are fewer than the ${MIN_GUARDED_EXAMPLES} it takes (${GUARD_SHARE * 100}%, at least ${MIN_GUARD}); ` +
    `updates will guard with part of the replay memory, which the model trained on, so the gate will hardly see forgetting. ` +
    `Hold some out with --guard-size N (${MIN_GUARD} or more), or give accrete update --guard FILE`
  );
}

/**
 * Saves the model with its memory for `accrete update`: a replay buffer, the Fisher information on
 * it and the input rows the training data touched (which training reports).
 */
function save(model: TextClassifier, examples: readonly Example[], replay: number, seen: Uint8Array, out: string, guard: readonly Example[], waitMs: number): void {
  // Examples never trained on (validation data, or the held-out guard) make the best guard for later updates.
  const memory = replay > 0 ? buildMemory(model, examples, { capacity: replay, seed: model.config.seed, seen, guard }) : null;
  saveWholeLearner(model, memory, out, 'accrete train', waitMs);
}

/** Lives in args.ts, so that commands which only need it do not load training; re-exported for update and compare. */
export { help };
