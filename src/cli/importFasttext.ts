/** `accrete import-fasttext`: a fastText supervised .bin becomes an Accrete model directory. */
import { UsageError } from '../errors.js';
import { importFastText } from '../interop/import.js';
import { buildMemory, DEFAULT_REPLAY } from '../update/memory.js';
import { help, optionalNumberWhere, parseCommandLine, optionalString, READ_FLAGS, readOptions, requireString, type Flags, type FlagSpec } from './args.js';
import { loadExamples } from './data.js';
import { LOCK_FLAGS, LOCK_HELP, waitMsOf } from './modelLock.js';
import { saveWholeLearner } from './saveWhole.js';
import { checkOutDir } from './outputDir.js';

export const importFasttextHelp = `usage: accrete import-fasttext MODEL.bin --out MODEL [--data FILE [--valid FILE]] [options]

Reads a fastText supervised model (.bin, file format 11 or 12: fastText 0.1 to 0.9.2) and saves it
as an Accrete model that tokenizes, hashes and predicts as fastText does, ready for accrete update.
Softmax and one-vs-all models import as they are; negative-sampling models (-loss ns) predict as
one-vs-all, as in fastText. Refused, with the reason: quantized .ftz files, hierarchical softmax
(-loss hs), unsupervised (skipgram, cbow) models, and truncated or corrupted files.

  MODEL.bin            the fastText model file
  --out MODEL          model directory to write (an existing model directory holding only
                       its own files is replaced atomically, once no other accrete command is
                       writing it)
${LOCK_HELP}
  --data FILE          the data the fastText model was trained on (or a sample): kept as the replay
                       memory that protects what the model knows during later updates
  --valid FILE         held-out examples, kept as the guard set the update gate watches
  --replay N           replay memory capacity (${DEFAULT_REPLAY})
  --lr R               the learning rate later updates use; fastText does not store the one it
                       trained with (0.1, fastText's default for supervised training)
  --format F           jsonl | csv | tsv | fasttext, for --data and --valid (default: from the extension)
  --skip-bad           skip and count bad lines
  --json               print the import report as JSON on stdout (with "skipped": the bad
                       lines --skip-bad skipped)
  --quiet              no summary on stderr (warnings are still printed)`;

const FLAGS: FlagSpec = {
  out: { type: 'string' },
  data: { type: 'string' },
  valid: { type: 'string' },
  replay: { type: 'string' },
  lr: { type: 'string' },
  ...READ_FLAGS,
  ...LOCK_FLAGS,
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
};

/** Flags plus exactly one positional argument, named `what` in messages. */
export function flagsWithOperand(argv: string[], spec: FlagSpec, what: string): { flags: Flags; operand: string | undefined } {
  const parsed = parseCommandLine(argv, spec);
  const flags = parsed.flags;
  if (flags.help) return { flags, operand: undefined };
  if (parsed.positionals.length === 0) throw new UsageError(`${what} is required`);
  if (parsed.positionals.length > 1) throw new UsageError(`unexpected argument "${parsed.positionals[1]}" (one ${what} only)`);
  return { flags, operand: parsed.positionals[0] };
}

export async function importFasttextCommand(argv: string[]): Promise<number> {
  const { flags, operand: file } = flagsWithOperand(argv, FLAGS, 'the fastText model file (MODEL.bin)');
  if (flags.help || file === undefined) return help(importFasttextHelp);
  const out = requireString(flags, 'out');
  const replay = optionalNumberWhere(flags, 'replay', 'int', (n) => n >= 0, 'an integer >= 0') ?? DEFAULT_REPLAY;
  const lr = optionalNumberWhere(flags, 'lr', 'float', (n) => n > 0, 'a positive number');
  const read = readOptions(flags);
  const dataPath = optionalString(flags, 'data');
  const validPath = optionalString(flags, 'valid');
  if (validPath !== undefined && dataPath === undefined) throw new UsageError('--valid needs --data (the guard set is kept with the replay memory)');
  const waitMs = waitMsOf(flags);
  checkOutDir(out);
  const { model, report } = importFastText(file);
  if (lr !== undefined) model.config.lr = lr;
  for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
  const data = dataPath !== undefined ? await loadExamples(dataPath, read, 'leave --data out to import without a replay memory') : undefined;
  const validSet = validPath !== undefined ? await loadExamples(validPath, read, 'leave --valid out to import without a guard set') : undefined;
  const examples = data?.examples ?? [];
  const valid = validSet?.examples;
  const skipped = (data?.skipped ?? 0) + (validSet?.skipped ?? 0);
  const memory = examples.length > 0 && replay > 0 ? buildMemory(model, examples, { capacity: replay, seed: model.config.seed, guard: valid }) : null;
  saveWholeLearner(model, memory, out, 'accrete import-fasttext', waitMs);
  if (flags.json) process.stdout.write(JSON.stringify({ ...report, model: out, replay: memory?.replay.size ?? 0, guard: memory?.guard?.length ?? 0, skipped }) + '\n');
  if (!flags.quiet) {
    const c = model.config;
    const features = [c.wordNgrams > 1 ? `word ${c.wordNgrams}-grams` : '', c.maxn > 0 ? `char ${c.minn}-${c.maxn}-grams` : ''].filter(Boolean).join(', ');
    process.stderr.write(
      `imported ${file} (fastText format ${report.version}): ${report.words} words, ${report.labels} labels, dim ${c.dim}, ${report.args.loss}${features ? `, ${features} in ${c.bucket} buckets` : ''}\n` +
        (memory ? `replay memory: ${memory.replay.size} examples${memory.guard?.length ? `, guard set: ${memory.guard.length}` : ''}\n` : 'no replay memory (give --data for updates that protect what the model knows)\n') +
        `saved model to ${out}\n`,
    );
  }
  return 0;
}
