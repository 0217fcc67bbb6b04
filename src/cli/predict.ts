/** `accrete predict`: text lines on stdin, one JSON line of predictions out per line in. */
import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { AccreteError } from '../errors.js';
import { loadModel } from '../store/modelFiles.js';
import { optionalString, parseFlags, predictOptions, requireString } from './args.js';
import { asFileError } from './outputDir.js';
import { help } from './train.js';

export const predictHelp = `usage: accrete predict --model MODEL [--k K] [--threshold P] [--input FILE] < texts.txt

Reads one text per line (stdin, or --input FILE) and writes one JSON line per text:
  {"predictions":[{"label":"spam","score":0.97}]}
Lines keep their order; an empty line gets the model's prior for empty text.

  --model MODEL   model directory
  --k K           labels per text, best first, >= 1 (1)
  --threshold P   leave out labels below this probability, in [0, 1] (0)
  --input FILE    read texts from FILE instead of stdin ('-' = stdin)`;

/** The text source: stdin, or a file opened now so that a missing file fails before any output. */
function openInput(path: string | undefined): Readable {
  if (path === undefined || path === '-') return process.stdin;
  const doing = `cannot read input file ${path}`;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw asFileError(err, doing, 'BAD_DATA');
  }
  if (fstatSync(fd).isDirectory()) {
    closeSync(fd);
    throw new AccreteError('BAD_DATA', `${doing}: it is a directory`);
  }
  return createReadStream('', { fd });
}

export async function predictCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, { model: { type: 'string' }, k: { type: 'string' }, threshold: { type: 'string' }, input: { type: 'string' } });
  if (flags.help) return help(predictHelp);
  const modelDir = requireString(flags, 'model');
  const options = predictOptions(flags);
  const inputPath = optionalString(flags, 'input');
  const model = loadModel(modelDir);
  const input = openInput(inputPath);
  // A read error after opening (EIO, a vanished network file) ends the loop and is reported below.
  let readError: unknown = null;
  const lines = createInterface({ input, crlfDelay: Infinity });
  input.on('error', (err) => {
    readError = err;
    lines.close();
  });
  let out = '';
  for await (const line of lines) {
    out += JSON.stringify({ predictions: model.predict(line, options) }) + '\n';
    // Batch writes: one write per line would dominate the run time.
    if (out.length > 1 << 16) {
      if (!process.stdout.write(out)) await new Promise((r) => process.stdout.once('drain', r));
      out = '';
    }
  }
  if (out) process.stdout.write(out);
  if (readError !== null) throw asFileError(readError, `cannot read ${inputPath ?? 'stdin'}`, 'BAD_DATA');
  return 0;
}
