/** `accrete update`: a new version of a model from new data; the gate accepts it (exit 0) or rejects it (exit 3). */
import { resolve } from 'node:path';
import type { Example } from '../data/example.js';
import { AccreteError, DivergenceError, UsageError } from '../errors.js';
import type { TextClassifier } from '../model/classifier.js';
import { GATE_DEFAULTS } from '../update/gate.js';
import { MAX_GUARD, MIN_GUARDED_EXAMPLES } from '../update/guard.js';
import { DEFAULT_REPLAY, loadLearnerAsync, memoryAfterUpdate, memoryBefore, saveLearner, type ContinualMemory, type MemoryBefore } from '../update/memory.js';
import { saveUpdated, type SavedVersion } from '../update/saveVersion.js';
import type { ModelBefore } from '../store/patch.js';
import { inRange, UPDATE_RANGES, type NumericUpdateOption } from '../update/options.js';
import { parseSelection, REPLAY_INPUT_HELP, SELECTION_HELP, type ReplayInput } from '../update/selection.js';
import { REPLAY_INPUT, REPLAY_RATIO, update, type UpdateOptions } from '../update/update.js';
import { FEW_SHOT_REPLAY_RATIO } from '../update/fewShot.js';
import { updateWarnings } from '../update/warnings.js';
import { help, optionalNumberWhere, optionalOutput, optionalString, parseFlags, READ_FLAGS, readOptions, requireString, type Flags, type ReadOptions } from './args.js';
import { loadExamples, type Loaded } from './data.js';
import { gatePolicyOf } from './gateFlags.js';
import { asFileError, checkOutDir } from './outputDir.js';
import { LOCK_FLAGS, LOCK_HELP, lockModelDir, waitMsOf } from './modelLock.js';
import { formatRound, formatUpdateReport } from './updateReport.js';
import type { WriteDirOptions } from '../store/atomicDir.js';

export const updateHelp = `usage: accrete update --model MODEL --data FILE [--valid FILE] [--guard FILE] [--out MODEL2] [options]

Teaches a model new examples (new words and new labels too) without starting over, in rounds of
{select parameters, train them, validate}, then asks the gate: the new version is kept only when it
learned something and did not hurt what the model knew. Accepted: written to --out, or in place
(atomically). Rejected: nothing is written. One command writes a model directory at a time: another
update (or train) of the same directory waits for it (--wait), then starts from the version it
saved. Exit status 0 accepted, 3 rejected, 2 wrong usage, 1 any other error (also: the directory
was still being written by another command after --wait).

data:
  --model MODEL        model directory (with the replay memory \`accrete train\` saves beside it)
  --data FILE          the new examples (.jsonl, .csv, .tsv, fastText .txt)
  --valid FILE         validation examples of the new kind (default: 20% of --data, at most 1000,
                       when it has >= 10; else all of it)
  --guard FILE         examples of what the model knew, watched by the gate
                       (default: the guard accrete train saved, its --valid examples or those it
                       held out of training: 2% of the data, at most ${MAX_GUARD}, none under
                       ${MIN_GUARDED_EXAMPLES} examples; without one, up to 20% of the replay memory, at most
                       ${MAX_GUARD}, is kept out of replay as the guard, but the model trained on those
                       examples, so the gate hardly sees forgetting: give --guard for small models)
  --out MODEL2         write the new version here and leave MODEL alone (default: replace MODEL)
${LOCK_HELP}
  --format F           jsonl | csv | tsv | fasttext, for every data file (default: from the extension)
  --skip-bad           skip and count bad lines

update:
  --select S           parameters each round may change (all):
                       ${SELECTION_HELP}
  --rounds R           most rounds (5); small batches of new labels may need more
  --patience P         stop after P rounds without validation gain (2)
  --budget-ms MS       time budget in milliseconds (none)
  --lr R               learning rate, decayed linearly over the update (the model's for 50 new
                       examples or more, down to a tenth of it for a single one; at least 1 when
                       10-199 examples teach new labels)
  --replay N           replay memory capacity, 0 = no replay (the memory's; ${DEFAULT_REPLAY} for a new one)
  --replay-ratio R     replayed examples per new example in each round, at least 32 (${REPLAY_RATIO};
                       ${FEW_SHOT_REPLAY_RATIO} when 10-199 examples teach new labels); more keeps old labels a
                       little better and costs time
  --replay-input W     input rows replayed examples train: shared (only rows the new examples
                       also touch: small patches) or all (${REPLAY_INPUT})
  --ewc L              EWC strength lambda, 0 = off (0); replay already limits forgetting, and EWC
                       mostly holds back learning: start at 0.1-1 and watch new-data accuracy (on
                       WordNet 100 learned new labels at 21-65% on arrival instead of 66-84%; on a
                       3-label set 1 halved a new label's accuracy and 10 left 15%)
  --distill T          distillation from the parent at temperature T, 0 = off (0)
  --balance S          softmax only: strength of the logit adjustment against the update's label
                       mix, 0 = off (1 = the exact correction; more keeps old labels better and
                       learns new ones less; default 1 for one example, rising to 1.5 from 50 on)
  --no-align           softmax only: keep the new labels' output rows as trained (default: scale
                       them to the old labels' mean norm, which counters the lean to what was
                       learned last)
  --no-grow-table      keep the n-gram table's rows as they are (default: grow them, predictions
                       unchanged, once the data seen has outgrown the table the model was trained
                       with, within the size bound; the version is then saved whole)
  --seed N             random seed (the model's)

gate:
  --max-drop D         largest allowed drop of guard accuracy and guard macro-F1, as a fraction:
                       0.02 = 2 points (${GATE_DEFAULTS.maxDrop}); also what new labels may take of
                       the guard beyond their share of the examples seen
  --label-tolerance T  largest allowed drop of one label's guard F1, as a fraction (${GATE_DEFAULTS.labelTolerance});
                       adding labels takes some F1 from old ones, so a stream of new labels may need 0.2-0.3
  --gate-policy P      weighted | guard: how a loss on the guard is weighed (${GATE_DEFAULTS.policy}).
                       weighted: allowed when the gain on the new data (beyond its label mix)
                       outweighs it, both weighed by --new-share, so the model follows drift;
                       guard: any guard loss beyond noise and --max-drop rejects the update
  --new-share W        the share of traffic expected to look like the new data, in [0, 1]
                       (${GATE_DEFAULTS.newShare}); weighted policy only

output:
  --json               one JSON object on stdout: accepted, model, reasons, report, skipped (the
                       bad lines --skip-bad skipped in every file read), wallMs
  --quiet              no progress lines (the report and warnings are still printed)`;

const FLAGS = {
  model: { type: 'string' },
  data: { type: 'string' },
  valid: { type: 'string' },
  guard: { type: 'string' },
  out: { type: 'string' },
  ...READ_FLAGS,
  ...LOCK_FLAGS,
  select: { type: 'string' },
  rounds: { type: 'string' },
  patience: { type: 'string' },
  'budget-ms': { type: 'string' },
  lr: { type: 'string' },
  replay: { type: 'string' },
  ewc: { type: 'string' },
  distill: { type: 'string' },
  balance: { type: 'string' },
  'replay-ratio': { type: 'string' },
  'replay-input': { type: 'string' },
  'no-align': { type: 'boolean' },
  'no-grow-table': { type: 'boolean' },
  seed: { type: 'string' },
  'max-drop': { type: 'string' },
  'label-tolerance': { type: 'string' },
  'gate-policy': { type: 'string' },
  'new-share': { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

/** The update options given by flags, every one checked (before anything is read). */
function optionsFromFlags(flags: Flags): UpdateOptions {
  // The library's own ranges (update/options.ts): the CLI accepts exactly what update() does.
  const num = (flag: string, key: NumericUpdateOption) => {
    const range = UPDATE_RANGES[key];
    return optionalNumberWhere(flags, flag, range.kind, (n) => inRange(range, n), range.expected);
  };
  const select = optionalString(flags, 'select');
  const options: UpdateOptions = {
    select: select === undefined ? undefined : parseSelection(select),
    rounds: num('rounds', 'rounds'),
    patience: num('patience', 'patience'),
    budgetMs: num('budget-ms', 'budgetMs'),
    lr: num('lr', 'lr'),
    replay: num('replay', 'replay'),
    ewc: num('ewc', 'ewc'),
    distill: num('distill', 'distill'),
    balance: num('balance', 'balance'),
    replayRatio: num('replay-ratio', 'replayRatio'),
    replayInput: replayInputOf(optionalString(flags, 'replay-input')),
    align: flags['no-align'] ? false : undefined,
    growTable: flags['no-grow-table'] ? false : undefined,
    seed: num('seed', 'seed'),
    maxDrop: num('max-drop', 'maxDrop'),
    labelTolerance: num('label-tolerance', 'labelTolerance'),
    policy: gatePolicyOf(optionalString(flags, 'gate-policy')),
    newShare: num('new-share', 'newShare'),
  };
  for (const key of Object.keys(options) as (keyof UpdateOptions)[]) if (options[key] === undefined) delete options[key];
  return options;
}

function replayInputOf(flag: string | undefined): ReplayInput | undefined {
  if (flag === undefined) return undefined;
  if (flag !== 'shared' && flag !== 'all') throw new UsageError(`--replay-input must be one of ${REPLAY_INPUT_HELP}, got ${flag}`);
  return flag;
}

export async function updateCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, FLAGS);
  if (flags.help) return help(updateHelp);
  const modelDir = requireString(flags, 'model');
  const dataPath = requireString(flags, 'data');
  const out = optionalOutput(flags, 'out') ?? modelDir;
  const options = optionsFromFlags(flags);
  const quiet = Boolean(flags.quiet);
  const read = readOptions(flags);
  const waitMs = waitMsOf(flags);

  const started = performance.now();
  checkOutDir(out);
  // Locked before the model is read: an update that waited for another starts from the version it saved.
  const held = lockModelDir(out, 'accrete update', waitMs);
  try {
    return await updateLocked({ flags, modelDir, dataPath, out, options, quiet, read, started, fence: held.saveOptions });
  } finally {
    held.release();
  }
}

/** An update as the flags ask for it; `fence` guards the save (see lockModelDir). */
interface UpdateRun {
  flags: Flags;
  modelDir: string;
  dataPath: string;
  out: string;
  options: UpdateOptions;
  quiet: boolean;
  read: ReadOptions;
  started: number;
  fence: WriteDirOptions;
}

/** The update itself, run holding the write lock of `out`. */
async function updateLocked({ flags, modelDir, dataPath, out, options, quiet, read, started, fence }: UpdateRun): Promise<number> {
  // The data file is read while the model loads (its weights on the thread pool): an error in
  // the model is still said first.
  const dataRead = loadExamples(dataPath, read);
  dataRead.catch(() => {});
  const { model, memory } = await loadLearnerAsync(modelDir);
  checkOutDir(out);
  const data = await dataRead;
  const validSet = await optionalExamples(flags, 'valid', read, 'leave --valid out to validate on part of --data');
  const guardSet = await optionalExamples(flags, 'guard', read, "the gate would have nothing to check what the model knew on; leave --guard out to use the model's own guard");
  const examples = data.examples;
  const valid = validSet?.examples;
  const guard = guardSet?.examples;
  const skipped = data.skipped + (validSet?.skipped ?? 0) + (guardSet?.skipped ?? 0);
  for (const warning of warnings(modelDir, model, memory, guard !== undefined, options)) process.stderr.write(`warning: ${warning}\n`);

  // What the memory is now: an accepted update in place is saved as a patch of it.
  const memoryWas = memory ? memoryBefore(memory) : null;
  let decision;
  try {
    decision = update(model, examples, { ...options, valid, guard, memory, onRound: quiet ? undefined : (r) => process.stderr.write(formatRound(r) + '\n') });
  } catch (err) {
    if (err instanceof DivergenceError) throw new AccreteError('DIVERGED', `${err.message}; ${modelDir} was left unchanged`, { cause: err });
    throw err;
  }
  const saved = decision.accepted ? save(model, memory, examples, options, out, fence, resolve(out) === resolve(modelDir) ? { parent: decision.parent, memory: memoryWas } : null) : null;
  const wallMs = performance.now() - started;
  if (flags.json) {
    process.stdout.write(JSON.stringify({ accepted: decision.accepted, model: decision.accepted ? out : null, saved, reasons: decision.report.reasons, report: decision.report, skipped, wallMs }) + '\n');
  } else {
    process.stdout.write(formatUpdateReport(decision.report, { modelDir, out, wallMs, saved }) + '\n');
  }
  return decision.accepted ? 0 : 3;
}

/** What the flags and the model leave the update without, said before it runs. */
function warnings(modelDir: string, model: TextClassifier, memory: ContinualMemory | null, guardGiven: boolean, options: UpdateOptions): string[] {
  // The library's wording (update() returns the same warnings), with the CLI's flags. Without a
  // saved guard, update holds its guard out of the replay memory: no replay, no guard.
  const context = { subject: modelDir, memory: (memory?.replay.size ?? 0) > 0, replayOff: options.replay === 0, guardGiven, savedGuard: Boolean(memory?.guard?.length) };
  const out = updateWarnings({ ...context, guardOption: '--guard', replayOption: '--replay 0' }).map((w) => w.message);
  if (!model.loss.exclusive) {
    if (options.balance !== undefined) out.push(`--balance is for softmax models; ${modelDir} uses --loss ${model.config.loss}, so it has no effect`);
    if (options.align === false) out.push(`--no-align is for softmax models; ${modelDir} uses --loss ${model.config.loss}, whose new labels' rows are never aligned, so it has no effect`);
  }
  return out;
}

/** The examples of an optional file flag; given, it must hold examples (`ifEmpty` says why). */
async function optionalExamples(flags: Flags, name: string, read: ReadOptions, ifEmpty: string): Promise<Loaded | undefined> {
  const path = optionalString(flags, name);
  return path === undefined ? undefined : loadExamples(path, read, ifEmpty);
}

/**
 * Saves an accepted version with its memory: in place (`inPlace` given) as a patch of the parent
 * (saveVersion.ts), to --out whole. The Fisher estimate went stale with the update, so it is
 * recomputed here; a model saved without memory starts one from this update's examples.
 */
function save(model: TextClassifier, memory: ContinualMemory | null, examples: readonly Example[], options: UpdateOptions, out: string, fence: WriteDirOptions, inPlace: { parent: ModelBefore; memory: MemoryBefore | null } | null): SavedVersion {
  const kept = memoryAfterUpdate(model, memory, examples, options);
  try {
    if (inPlace) return saveUpdated(model, kept, inPlace.parent, inPlace.memory, out, undefined, fence);
    saveLearner(model, kept, out, fence);
    return { as: 'whole', why: 'a new directory', compacted: false };
  } catch (err) {
    throw asFileError(err, `cannot write the model to ${out}`);
  }
}
