/** `accrete train`: a new model from labelled data. */
import { train } from '../learn/train.js';
import { saveModel } from '../store/modelFiles.js';
import { configFromFlags, MODEL_FLAGS, optionalFormat, optionalString, parseFlags, requireString } from './args.js';
import { loadExamples } from './data.js';
import { progressView } from './progressBar.js';

export const trainHelp = `usage: accrete train --data FILE --out MODEL [options]

Trains a new text classifier and saves it as a model directory.

data:
  --data FILE          training examples (.jsonl, .csv, .tsv, or fastText .txt/.ft; '-' = stdin with --format)
  --valid FILE         validation examples, scored after every epoch
  --format F           jsonl | csv | tsv | fasttext (default: from the file extension)
  --skip-bad           skip and count bad lines instead of stopping at the first one
  --out MODEL          model directory to write (replaced atomically if it exists)

model (fastText's names and defaults):
  --dim N              embedding size (100)
  --wordNgrams N       word n-gram length, hashed into buckets (1)
  --minn N, --maxn N   char n-gram lengths, 0 = none (0, 0)
  --bucket N           rows for hashed n-grams (2000000)
  --minCount N         minimum word count for the vocabulary (1)
  --loss L             softmax | ova (one-vs-all, multi-label) (softmax)
  --hidden N           hidden ReLU layer width, 0 = none (0)
  --dropout P          dropout on the hidden layer (0)
  --no-lowercase       keep case      --no-punctuation   drop punctuation tokens
  --no-mask-urls       keep URLs and e-mail addresses as they are (default: <url>, <email>)

training:
  --lr R               learning rate, decayed linearly to 0 (0.1)
  --epoch N            passes over the data (5)
  --optimizer O        sgd | adam (sgd)
  --thread N           parallel workers (Hogwild) (1)
  --seed N             random seed; with --thread 1 the same seed gives the same model (0)
  --patience N         stop after N epochs without validation gain, keep the best (0 = off)
  --json               print the training report as JSON on stdout
  --quiet              no progress output`;

export async function trainCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    ...MODEL_FLAGS,
    data: { type: 'string' },
    valid: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string' },
    'skip-bad': { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  });
  if (flags.help) return help(trainHelp);
  const dataPath = requireString(flags, 'data');
  const out = requireString(flags, 'out');
  const options = configFromFlags(flags);
  const quiet = Boolean(flags.quiet);
  const read = { format: optionalFormat(flags), skipBad: Boolean(flags['skip-bad']), quiet };
  const examples = await loadExamples(dataPath, read);
  const validPath = optionalString(flags, 'valid');
  const valid = validPath ? await loadExamples(validPath, read) : undefined;
  const view = progressView('train', quiet);
  let result;
  try {
    result = await train(examples, { ...options, valid, onProgress: (p) => view.update(p) });
  } finally {
    view.stop();
  }
  const { model, report } = result;
  model.info = { ...model.info, trainedOn: { file: dataPath, examples: report.examples }, train: report };
  saveModel(model, out);
  if (flags.json) process.stdout.write(JSON.stringify({ ...report, model: out }) + '\n');
  if (!quiet) {
    const last = report.epochs.at(-1);
    const valid = last?.validAccuracy !== undefined ? `, validation accuracy ${(last.validAccuracy * 100).toFixed(2)}%` : '';
    const early = report.stoppedEarly ? ` (stopped early; kept epoch ${report.bestEpoch})` : '';
    process.stderr.write(
      `trained on ${report.examples} examples (${report.words} words, ${report.labels} labels) in ${report.seconds.toFixed(1)}s${valid}${early}\nsaved model to ${out}\n`,
    );
  }
  return 0;
}

export function help(text: string): number {
  process.stdout.write(text + '\n');
  return 0;
}
