/** `accrete compare`: the paradigms of design.md on the same stream; table, rankings, verdict, JSON and an HTML report. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { compareParadigms, COMPARE_DEFAULTS, type Comparison } from '../compare/compare.js';
import { DEFAULT_PARADIGMS, PARADIGMS_HELP, parseParadigms } from '../compare/paradigmList.js';
import { PREQUENTIAL_DEFAULTS } from '../compare/prequential.js';
import { compareProgress } from '../compare/progress.js';
import { formatSplit, parseSplit, SPLIT_HELP, splitStream, type SplitSpec } from '../compare/split.js';
import type { Stream } from '../compare/stream.js';
import { readStreamDir } from '../compare/streamDir.js';
import { formatComparison } from '../compare/terminal.js';
import type { Example } from '../data/example.js';
import { DATASET_NAMES, loadDataset, splitTrainTest, type DatasetName } from '../datasets/index.js';
import { AccreteError, UsageError } from '../errors.js';
import { renderReport } from '../report/html.js';
import { capThreads, checkedConfig, configFromFlags, MODEL_FLAGS, optionalNumberWhere, optionalOutput, optionalString, parseFlags, READ_FLAGS, readOptions, type Flags } from './args.js';
import { loadExamples } from './data.js';
import { asFileError } from './outputDir.js';
import { help } from './train.js';

const defaults = Object.entries(COMPARE_DEFAULTS).map(([k, v]) => `--${k} ${v}`).join(' ');

export const compareHelp = `usage: accrete compare (--stream DIR | --dataset NAME | --data FILE --split S) [options]

Runs the paradigms (retrain, fresh, decay, incremental and variants) over the same stream of tasks
with the same hyperparameters and seed; prints the continual-learning measures (ACC, BWT,
forgetting, FWT), the cost of each update and the final model size, ranks the paradigms by ACC and
by cost, and writes everything as JSON and as a self-contained HTML report.

stream (one of):
  --stream DIR         tasks as files: DIR/tasks/<k>/train.* and DIR/tasks/<k>/test.*
  --dataset NAME       a built-in corpus: ${DATASET_NAMES.join(' | ')}
                       (default splits: spam-assassin time, wordnet classes:5)
  --data FILE          one labelled file, cut into tasks by --split
  --split S            ${SPLIT_HELP} (N, K >= 2: a comparison needs 2 tasks or more)
  --sample N           use a stratified, seeded sample of N examples (datasets and --data)
  --test-fraction F    each task's test part (0.2)
  --format F, --skip-bad   as for train

comparison:
  --paradigms LIST     ${PARADIGMS_HELP}
                       (${DEFAULT_PARADIGMS})
  --prequential        also run test-then-train on single examples after the first task,
                       with and without the gate, and frozen
  --limit N            examples fed one at a time by --prequential (${PREQUENTIAL_DEFAULTS.limit})

output:
  --json FILE          everything as JSON (matrices, measures, every step's cost, rankings, verdict)
  --report FILE.html   one self-contained HTML file with the charts (opens with no network)
  --quiet              no progress bars

model flags as for train; defaults here: ${defaults}`;

const FLAGS = {
  ...MODEL_FLAGS,
  stream: { type: 'string' },
  dataset: { type: 'string' },
  data: { type: 'string' },
  split: { type: 'string' },
  sample: { type: 'string' },
  'test-fraction': { type: 'string' },
  ...READ_FLAGS,
  paradigms: { type: 'string' },
  prequential: { type: 'boolean' },
  limit: { type: 'string' },
  json: { type: 'string' },
  report: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

const DATASET_SPLITS: Record<DatasetName, SplitSpec> = { 'spam-assassin': { kind: 'time' }, wordnet: { kind: 'classes', tasks: 5 } };

interface StreamChoice {
  stream: Stream;
  source: string;
  split: string | null;
}

// One task has no update to compare: BWT, FWT and the update costs would be empty numbers.
const TWO_TASKS = 'a comparison needs at least 2 tasks (the first trains the starting model, the others are the updates compared)';

/** A --split value; one that asks for fewer than 2 tasks is refused before any data is read. */
function splitFlag(text: string): SplitSpec {
  const spec = parseSplit(text);
  if (spec.tasks !== undefined && spec.tasks < 2) throw new UsageError(`${TWO_TASKS}; --split ${text} gives ${spec.tasks}`);
  return spec;
}

/** A seeded, stratified sample of about n examples, in their order. */
function sample(examples: Example[], n: number | undefined, seed: number): Example[] {
  return n === undefined || n >= examples.length ? examples : splitTrainTest(examples, n / examples.length, seed).test;
}

async function chooseStream(flags: Flags, seed: number): Promise<StreamChoice> {
  const sources = (['stream', 'dataset', 'data'] as const).filter((k) => optionalString(flags, k) !== undefined);
  if (sources.length !== 1) throw new UsageError(sources.length === 0 ? 'give one of --stream DIR, --dataset NAME or --data FILE' : `give only one of --${sources.join(', --')}`);
  const read = readOptions(flags);
  const splitText = optionalString(flags, 'split');
  const n = optionalNumberWhere(flags, 'sample', 'int', (x) => x >= 1, 'an integer >= 1');
  const testFraction = optionalNumberWhere(flags, 'test-fraction', 'float', (x) => x > 0 && x < 1, 'a fraction in (0, 1)') ?? 0.2;
  if (sources[0] === 'stream') {
    if (splitText !== undefined || n !== undefined) throw new UsageError('--split and --sample apply to --dataset and --data, not to --stream (its tasks are given)');
    const dir = optionalString(flags, 'stream')!;
    return { stream: await readStreamDir(dir, read), source: `directory ${dir}`, split: null };
  }
  let examples: Example[];
  let split: SplitSpec;
  let source: string;
  if (sources[0] === 'dataset') {
    const name = optionalString(flags, 'dataset')! as DatasetName;
    if (!DATASET_NAMES.includes(name)) throw new UsageError(`unknown dataset "${name}"; must be one of [${DATASET_NAMES.join(', ')}]`);
    examples = (await loadDataset(name)).examples;
    split = splitText === undefined ? DATASET_SPLITS[name] : splitFlag(splitText);
    source = `dataset ${name}`;
  } else {
    if (splitText === undefined) throw new UsageError(`--data needs --split (${SPLIT_HELP})`);
    split = splitFlag(splitText);
    const file = optionalString(flags, 'data')!;
    examples = (await loadExamples(file, read, 'there is no stream to cut into tasks')).examples;
    source = `file ${file}`;
  }
  examples = sample(examples, n, seed);
  return { stream: splitStream(examples, split, seed, testFraction), source: n === undefined ? source : `${source} (sample of ${examples.length})`, split: formatSplit(split) };
}

function writeOutput(path: string, content: string, what: string): void {
  try {
    writeFileSync(path, content);
  } catch (err) {
    throw asFileError(err, `cannot write the ${what} to ${path}`, 'USAGE');
  }
}

/** Creates the parent folders of the output files before the (long) run, so a bad path fails at once. */
function prepareOutput(path: string | undefined, what: string): void {
  if (path === undefined) return;
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
  } catch (err) {
    throw asFileError(err, `cannot create the folder for the ${what} ${path}`, 'USAGE');
  }
}

export async function compareCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, FLAGS);
  if (flags.help) return help(compareHelp);
  const config = { ...COMPARE_DEFAULTS, ...configFromFlags(flags) };
  checkedConfig(config);
  capThreads(config);
  const paradigms = parseParadigms(optionalString(flags, 'paradigms') ?? DEFAULT_PARADIGMS);
  const limit = optionalNumberWhere(flags, 'limit', 'int', (x) => x >= 1, 'an integer >= 1');
  if (limit !== undefined && !flags.prequential) throw new UsageError('--limit applies to --prequential');
  const jsonPath = optionalOutput(flags, 'json');
  const reportPath = optionalOutput(flags, 'report');
  prepareOutput(jsonPath, 'JSON');
  prepareOutput(reportPath, 'report');
  const { stream, source, split } = await chooseStream(flags, config.seed!);
  if (stream.length < 2) {
    if (split === null) throw new AccreteError('BAD_DATA', `${TWO_TASKS}; ${source} has ${stream.length}`);
    throw new UsageError(`${TWO_TASKS}; --split ${split} gives ${stream.length}`);
  }

  const progress = compareProgress(Boolean(flags.quiet));
  let result: Comparison;
  try {
    result = await compareParadigms(stream, { paradigms, config, source, split, prequential: flags.prequential ? { limit } : null, listener: progress });
  } finally {
    progress.stop();
  }
  process.stdout.write(formatComparison(result) + '\n');
  if (jsonPath !== undefined) {
    writeOutput(jsonPath, JSON.stringify(result, null, 1) + '\n', 'JSON');
    process.stdout.write(`\nwrote ${jsonPath}\n`);
  }
  if (reportPath !== undefined) {
    writeOutput(reportPath, renderReport(result), 'report');
    process.stdout.write(`${jsonPath === undefined ? '\n' : ''}wrote the report to ${resolve(reportPath)}\n`);
  }
  return 0;
}
