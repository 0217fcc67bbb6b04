/** Command-line parsing shared by the commands: node's parseArgs plus typed, checked conversions. */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { resolveConfig, type Config } from '../config.js';
import type { DataFormat } from '../data/example.js';
import { ConfigError, UsageError } from '../errors.js';
import { respellFastText } from './fasttextFlags.js';
import { didYouMean } from './suggest.js';

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;
export type Flags = Record<string, string | boolean | undefined>;

/** Prints a command's help text (for --help) and returns the exit status 0. */
export function help(text: string): number {
  process.stdout.write(text + '\n');
  return 0;
}

/** An argument that looks like a negative number: -1, -0.5, -.5, -1e3. */
const NEGATIVE_NUMBER = /^-\.?\d/;

/**
 * `--lr -1` as `--lr=-1`. parseArgs refuses a value that starts with a dash as "ambiguous" (Node 20
 * has no allowNegative), so a negative number after a string-typed flag is taken as its value,
 * and the flag's own check says what is allowed.
 */
export function joinNegativeNumbers(argv: readonly string[], spec: FlagSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return [...out, ...argv.slice(i)];
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    const takesValue = Object.hasOwn(spec, name) && spec[name].type === 'string';
    if (takesValue && i + 1 < argv.length && NEGATIVE_NUMBER.test(argv[i + 1])) out.push(`${arg}=${argv[++i]}`);
    else out.push(arg);
  }
  return out;
}

/**
 * The flags and positional arguments of `argv`, checked against `spec`: an unknown flag is a
 * UsageError that suggests the nearest known one ("unknown option --epochs; did you mean --epoch?");
 * fastText's spelling of a flag (`-epoch`, `-input`) is read as ours, with a note on stderr (see
 * fasttextFlags.ts).
 */
export function parseCommandLine(argv: readonly string[], spec: FlagSpec): { flags: Flags; positionals: string[] } {
  const full: FlagSpec = { ...spec, help: { type: 'boolean', short: 'h' } };
  const respelled = respellFastText(argv, full);
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeNumbers(respelled.argv, spec), options: full, strict: true, allowPositionals: true });
  } catch (err) {
    const message = (err as Error).message;
    const unknown = /^Unknown option '(-{1,2})([^']+)'/.exec(message);
    if (unknown) throw new UsageError(`unknown option ${unknown[1]}${unknown[2]}${didYouMean(unknown[2], Object.keys(full), (n) => `--${n}`)}`);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  for (const note of respelled.notes) process.stderr.write(note + '\n');
  return { flags: parsed.values as Flags, positionals: parsed.positionals };
}

/** The flags of `argv` (see parseCommandLine); a positional argument is a UsageError. */
export function parseFlags(argv: string[], spec: FlagSpec): Flags {
  const { flags, positionals } = parseCommandLine(argv, spec);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"${positionalHint(positionals[0], spec, flags)}`);
  return flags;
}

/**
 * "; did you mean --data train.txt?" for a file or model directory given without its flag (as
 * fastText users type `train.txt`): a directory is a model, anything else with a dot a data file.
 */
function positionalHint(arg: string, spec: FlagSpec, flags: Flags): string {
  const dir = isDirectory(arg);
  const flag = dir ? 'model' : /\.[A-Za-z0-9]+$/.test(arg) || arg === '-' ? 'data' : undefined;
  if (flag === undefined || !(flag in spec) || flags[flag] !== undefined) return '';
  return `; did you mean --${flag} ${arg}?`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function requireString(flags: Flags, name: string): string {
  const v = flags[name];
  if (typeof v !== 'string') throw new UsageError(`--${name} is required`);
  if (v === '') throw new UsageError(`--${name} must not be empty`);
  return v;
}

export function optionalString(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** An optional flag that names a path to write: when given it must not be empty (checked before any work). */
export function optionalOutput(flags: Flags, name: string): string | undefined {
  const v = optionalString(flags, name);
  if (v === '') throw new UsageError(`--${name} must not be empty`);
  return v;
}

export function optionalNumber(flags: Flags, name: string, kind: 'int' | 'float' = 'float'): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || (kind === 'int' && !Number.isInteger(n))) {
    throw new UsageError(`--${name} expects ${kind === 'int' ? 'an integer' : 'a number'}, got "${String(v)}"`);
  }
  return n;
}

/** Flags every command that reads data files takes. */
export const READ_FLAGS: FlagSpec = {
  format: { type: 'string' },
  'skip-bad': { type: 'boolean' },
};

/** How data files are read (READ_FLAGS). */
export interface ReadOptions {
  format: DataFormat | undefined;
  skipBad: boolean;
}

export function readOptions(flags: Flags): ReadOptions {
  return { format: optionalFormat(flags), skipBad: Boolean(flags['skip-bad']) };
}

function optionalFormat(flags: Flags): DataFormat | undefined {
  const v = optionalString(flags, 'format');
  if (v === undefined) return undefined;
  if (v === 'jsonl' || v === 'csv' || v === 'tsv' || v === 'fasttext') return v;
  throw new UsageError(`--format must be one of jsonl, csv, tsv, fasttext (got "${v}")`);
}

/** Flags that set model and training options, spelled as fastText spells them. */
export const MODEL_FLAGS: FlagSpec = {
  dim: { type: 'string' },
  lr: { type: 'string' },
  epoch: { type: 'string' },
  wordNgrams: { type: 'string' },
  minn: { type: 'string' },
  maxn: { type: 'string' },
  bucket: { type: 'string' },
  minCount: { type: 'string' },
  loss: { type: 'string' },
  thread: { type: 'string' },
  seed: { type: 'string' },
  hidden: { type: 'string' },
  dropout: { type: 'string' },
  optimizer: { type: 'string' },
  patience: { type: 'string' },
  'no-lowercase': { type: 'boolean' },
  'no-punctuation': { type: 'boolean' },
  'no-mask-urls': { type: 'boolean' },
  tokenizer: { type: 'string' },
  hashing: { type: 'string' },
  bagNorm: { type: 'string' },
  weightDecay: { type: 'string' },
  cjkRuns: { type: 'boolean' },
};

const INT_FLAGS = ['dim', 'epoch', 'wordNgrams', 'minn', 'maxn', 'bucket', 'minCount', 'thread', 'seed', 'hidden', 'patience'] as const;

/** The config options given on the command line (the rest come from DEFAULTS). */
export function configFromFlags(flags: Flags): Partial<Config> {
  const cfg: Partial<Config> = {};
  for (const name of INT_FLAGS) {
    const v = optionalNumber(flags, name, 'int');
    if (v !== undefined) cfg[name] = v;
  }
  const lr = optionalNumber(flags, 'lr');
  if (lr !== undefined) cfg.lr = lr;
  const dropout = optionalNumber(flags, 'dropout');
  if (dropout !== undefined) cfg.dropout = dropout;
  const loss = optionalString(flags, 'loss');
  if (loss !== undefined) cfg.loss = loss as Config['loss'];
  const optimizer = optionalString(flags, 'optimizer');
  if (optimizer !== undefined) cfg.optimizer = optimizer as Config['optimizer'];
  if (flags['no-lowercase']) cfg.lowercase = false;
  if (flags['no-punctuation']) cfg.punctuation = false;
  if (flags['no-mask-urls']) cfg.maskUrls = false;
  const tokenizer = optionalString(flags, 'tokenizer');
  if (tokenizer !== undefined) cfg.tokenizer = tokenizer as Config['tokenizer'];
  const hashing = optionalString(flags, 'hashing');
  if (hashing !== undefined) cfg.hashing = hashing as Config['hashing'];
  const weightDecay = optionalNumber(flags, 'weightDecay');
  if (weightDecay !== undefined) cfg.weightDecay = weightDecay;
  const bagNorm = optionalString(flags, 'bagNorm');
  if (bagNorm !== undefined) cfg.bagNorm = bagNorm as Config['bagNorm'];
  if (flags.cjkRuns) cfg.cjkRuns = true;
  return cfg;
}

/**
 * `resolveConfig` for options that came from flags: a value out of range is wrong usage (exit 2) like
 * a malformed one, so its problem is a UsageError that names the flag ("--dim must be ...").
 */
export function checkedConfig(options: Partial<Config>): Config {
  try {
    return resolveConfig(options);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const issues = err.issues.map(namingFlags);
    throw new UsageError(issues.length === 1 ? issues[0] : `invalid options:\n  - ${issues.join('\n  - ')}`);
  }
}

/**
 * Caps `options.thread` at the threads this machine runs at once, with a warning on stderr: more
 * Hogwild workers than that only take turns (--thread 1000 took 24 s on 40 examples).
 */
export function capThreads(options: Partial<Config>): void {
  const cores = availableParallelism();
  if (options.thread === undefined || options.thread <= cores) return;
  process.stderr.write(`warning: --thread ${options.thread} is more than the ${cores} threads this machine runs at once; using ${cores}\n`);
  options.thread = cores;
}

/** Warns on stderr about flags that would silently do nothing with the rest of the command line. */
export function warnIneffective(cfg: Config, hasValid: boolean): void {
  if (cfg.patience > 0 && !hasValid) process.stderr.write(`warning: --patience ${cfg.patience} has no effect without --valid: there is nothing to validate on\n`);
  if (cfg.minn > 0 && cfg.maxn === 0) {
    process.stderr.write(`warning: --minn ${cfg.minn} has no effect while --maxn is 0 (char n-grams are off); set --maxn too, e.g. --maxn ${Math.max(6, cfg.minn)}\n`);
  }
}

const CONFIG_FLAGS = Object.keys(MODEL_FLAGS).filter((f) => !f.startsWith('no-'));
// A config key where configIssues uses it as a name ("dim must", "minn (3)", "maxn > 0"), not as a
// word of prose ("a hidden layer").
const CONFIG_KEY = new RegExp(`(?<![\\w-])(${CONFIG_FLAGS.join('|')})(?= (?:must|needs?|\\(|[<>=]))`, 'g');

/** A configIssues message with its config keys spelled as flags; the value after "(got" is left as given. */
function namingFlags(issue: string): string {
  const at = issue.indexOf(' (got ');
  const [head, tail] = at < 0 ? [issue, ''] : [issue.slice(0, at), issue.slice(at)];
  return head.replace(CONFIG_KEY, '--$1') + tail;
}

/**
 * A numeric flag that must also satisfy `ok`; `expected` says what is allowed, for the message.
 * @example optionalNumberWhere(flags, 'k', 'int', (k) => k >= 1, 'an integer >= 1') // UsageError for --k 0
 */
export function optionalNumberWhere(flags: Flags, name: string, kind: 'int' | 'float', ok: (n: number) => boolean, expected: string): number | undefined {
  const n = optionalNumber(flags, name, kind);
  if (n !== undefined && !ok(n)) throw new UsageError(`--${name} must be ${expected}, got ${String(flags[name])}`);
  return n;
}

/** The --k and --threshold flags of eval and predict, checked: k >= 1, threshold in [0, 1]. */
export function predictOptions(flags: Flags): { k: number; threshold: number } {
  return {
    k: optionalNumberWhere(flags, 'k', 'int', (k) => k >= 1, 'an integer >= 1') ?? 1,
    threshold: optionalNumberWhere(flags, 'threshold', 'float', (p) => p >= 0 && p <= 1, 'a probability in [0, 1]') ?? 0,
  };
}
