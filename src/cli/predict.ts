/** `accrete predict`: text lines on stdin, one JSON line of predictions out per line in. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadModel } from '../store/modelFiles.js';
import { optionalNumber, optionalString, parseFlags, requireString } from './args.js';
import { help } from './train.js';

export const predictHelp = `usage: accrete predict --model MODEL [--k K] [--threshold P] [--input FILE] < texts.txt

Reads one text per line (stdin, or --input FILE) and writes one JSON line per text:
  {"predictions":[{"label":"spam","score":0.97}]}
Lines keep their order; an empty line gets the model's prior for empty text.

  --model MODEL   model directory
  --k K           labels per text, best first (1)
  --threshold P   leave out labels below this probability (0)
  --input FILE    read texts from FILE instead of stdin`;

export async function predictCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, { model: { type: 'string' }, k: { type: 'string' }, threshold: { type: 'string' }, input: { type: 'string' } });
  if (flags.help) return help(predictHelp);
  const model = loadModel(requireString(flags, 'model'));
  const options = { k: optionalNumber(flags, 'k', 'int') ?? 1, threshold: optionalNumber(flags, 'threshold') ?? 0 };
  const input = optionalString(flags, 'input');
  const lines = createInterface({ input: input ? createReadStream(input) : process.stdin, crlfDelay: Infinity });
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
  return 0;
}
