/** `accrete export-fasttext`: an Accrete model as a fastText .bin that fastText itself loads. */
import { existsSync, statSync } from 'node:fs';
import { AccreteError } from '../errors.js';
import { exportFastText } from '../interop/export.js';
import { loadModel } from '../store/modelFiles.js';
import { help, requireString } from './args.js';
import { flagsWithOperand } from './importFasttext.js';
import { asFileError } from './outputDir.js';

export const exportFasttextHelp = `usage: accrete export-fasttext MODEL --out MODEL.bin [--json] [--quiet]

Writes a model as a fastText .bin (format 12) that \`fasttext predict\`, \`predict-prob\` and \`test\`
load, with the same predictions. Exportable: models imported with import-fasttext (and updated
since), or trained with --tokenizer fasttext --hashing fasttext; without a hidden layer; softmax or
ova; the mean bag; no --cjkRuns. Other models are refused with the option and the reason: fastText
would cut, hash or weigh their text differently, or has no hidden layer. Labels with whitespace are written with "_" in its place.

  MODEL            model directory
  --out MODEL.bin  the file to write (replaced atomically if it exists)
  --json           print the export report as JSON on stdout
  --quiet          no summary on stderr`;

export async function exportFasttextCommand(argv: string[]): Promise<number> {
  const { flags, operand: dir } = flagsWithOperand(argv, { out: { type: 'string' }, json: { type: 'boolean' }, quiet: { type: 'boolean' } }, 'the model directory (MODEL)');
  if (flags.help || dir === undefined) return help(exportFasttextHelp);
  const out = requireString(flags, 'out');
  if (existsSync(out) && statSync(out).isDirectory()) throw new AccreteError('BAD_MODEL_FILE', `${out}: is a directory; --out names the .bin file to write`);
  const model = loadModel(dir);
  let report;
  try {
    report = exportFastText(model, out);
  } catch (err) {
    throw asFileError(err, `cannot write ${out}`);
  }
  for (const r of report.renamedLabels) process.stderr.write(`warning: label ${JSON.stringify(r.label)} written as "${r.as}"\n`);
  if (flags.json) process.stdout.write(JSON.stringify(report) + '\n');
  if (!flags.quiet) process.stderr.write(`wrote ${out}: ${report.words} words, ${report.labels} labels, ${report.bytes} bytes (fastText format 12)\n`);
  return 0;
}
