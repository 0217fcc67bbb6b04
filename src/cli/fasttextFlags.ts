/**
 * fastText's spelling of a flag (`-epoch 25`, `-input train.txt`, `-output model`) read as accrete's,
 * with a note on stderr. Accepted rather than refused: the model flags already carry fastText's
 * names and meanings, and the value is checked by the same checks, so a command line pasted from
 * fastText does what it says, and the note teaches the accrete spelling. One flag differs in kind:
 * fastText's `-output` is a file prefix (it writes PREFIX.bin), accrete's `--out` a model directory;
 * it is accepted with a note saying so, and refused when its value ends in .bin (a directory named
 * model.bin would only mislead).
 */
import { UsageError } from '../errors.js';
import type { FlagSpec } from './args.js';
import { didYouMean } from './suggest.js';

/** fastText names whose accrete flag has another name. */
const RENAMED: Readonly<Record<string, string>> = {
  input: 'data',
  output: 'out',
  pretrainedVectors: 'pretrained-vectors',
};

/** fastText options accrete has no counterpart for, and why. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  ws: 'it sets the context window of unsupervised word vectors',
  neg: 'negative sampling is not one of accrete\'s losses (softmax, ova)',
  lrUpdateRate: 'the learning rate decays linearly per example',
  t: 'it sets the sampling threshold of unsupervised word vectors',
  label: 'labels are always written __label__NAME',
  verbose: 'use --quiet to silence progress',
  minCountLabel: 'every label in the data is kept',
  cutoff: 'quantization is not supported',
  qnorm: 'quantization is not supported',
  qout: 'quantization is not supported',
  dsub: 'quantization is not supported',
  retrain: 'quantization is not supported',
  saveOutput: 'the output matrix is always saved',
};

/** A single-dash name of two or more letters: `-epoch`, `-wordNgrams`, `-autotune-validation`. */
const SINGLE_DASH = /^-([A-Za-z][\w-]+)(?:=(.*))?$/s;

export interface Respelled {
  argv: string[];
  /** One line for stderr per fastText spelling read. */
  notes: string[];
}

/**
 * `argv` with fastText's single-dash flags spelled as accrete's (only those `spec` takes), and a note
 * for each. A single-dash name accrete does not take is a UsageError naming it; values (the word
 * after a flag that takes one) and everything after `--` are left alone.
 * @example respellFastText(['-epoch', '25'], { epoch: { type: 'string' } }).argv // ['--epoch', '25']
 */
export function respellFastText(argv: readonly string[], spec: FlagSpec): Respelled {
  const out: string[] = [];
  const notes: string[] = [];
  const takesValue = (name: string) => Object.hasOwn(spec, name) && spec[name].type === 'string';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return { argv: [...out, ...argv.slice(i)], notes };
    const long = /^--([^=]+)$/.exec(arg);
    if (long && takesValue(long[1]) && i + 1 < argv.length) {
      out.push(arg, argv[++i]);
      continue;
    }
    const m = SINGLE_DASH.exec(arg);
    if (!m) {
      out.push(arg);
      continue;
    }
    const [, name, inline] = m;
    const target = Object.hasOwn(spec, name) ? name : Object.hasOwn(RENAMED, name) && Object.hasOwn(spec, RENAMED[name]) ? RENAMED[name] : undefined;
    if (target === undefined) {
      if (Object.hasOwn(UNSUPPORTED, name)) throw new UsageError(`-${name} is a fastText option accrete has no counterpart for (${UNSUPPORTED[name]}); leave it out`);
      // parseArgs would read -epochs as -e -p -o ...: say it as the one unknown option it is.
      throw new UsageError(`unknown option -${name}${didYouMean(name, [...Object.keys(spec), ...Object.keys(RENAMED).filter((n) => Object.hasOwn(spec, RENAMED[n]))], (n) => `--${RENAMED[n] ?? n}`)}`);
    }
    const value = inline ?? (takesValue(target) && i + 1 < argv.length ? argv[++i] : undefined);
    if (target === 'out' && name === 'output') notes.push(outputNote(value));
    else notes.push(`note: -${name} is fastText's spelling; read as --${target}`);
    out.push(value === undefined ? `--${target}` : `--${target}=${value}`);
  }
  return { argv: out, notes };
}

function outputNote(value: string | undefined): string {
  if (value !== undefined && /\.bin$/i.test(value)) {
    const dir = value.replace(/\.bin$/i, '');
    throw new UsageError(
      `-output ${value}: fastText's -output is a file prefix, accrete writes a model directory, not a .bin file; ` +
        `give --out ${dir} (then accrete export-fasttext ${dir} --out ${value} if fastText must read it)`,
    );
  }
  return `note: -output is fastText's file prefix (it writes PREFIX.bin); accrete's --out is a model directory: writing the directory ${value ?? ''}`.trimEnd();
}
