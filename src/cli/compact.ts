/** `accrete compact`: folds a model directory's patches into a new base. */
import { readManifest } from '../store/manifest.js';
import { readModelJson } from '../store/modelFiles.js';
import { loadLearner, saveLearner } from '../update/memory.js';
import { help } from './args.js';
import { flagsWithOperand } from './importFasttext.js';
import { LOCK_FLAGS, LOCK_HELP, lockModelDir, waitMsOf } from './modelLock.js';
import { asFileError } from './outputDir.js';

export const compactHelp = `usage: accrete compact MODEL [--json] [--quiet] [--wait S]

Folds the patches of a model directory (each accepted \`accrete update\` in place adds one) into a
new base: the model and its memory are saved whole, exactly as the base plus its patches load, and
manifest.json and patches/ go. \`accrete update\` compacts by itself once the patches pass 25% of
the base's weights; this does it now (before copying a model elsewhere, say). A model without
patches is left as it is.

  MODEL    model directory
  --json   print {"model", "patches", "bytesBefore", "bytesAfter"} on stdout
  --quiet  no summary on stderr
${LOCK_HELP}`;

export async function compactCommand(argv: string[]): Promise<number> {
  const { flags, operand: dir } = flagsWithOperand(argv, { json: { type: 'boolean' }, quiet: { type: 'boolean' }, ...LOCK_FLAGS }, 'the model directory (MODEL)');
  if (flags.help || dir === undefined) return help(compactHelp);
  const held = lockModelDir(dir, 'accrete compact', waitMsOf(flags));
  try {
    const manifest = readManifest(dir);
    const patches = manifest?.patches.length ?? 0;
    const bytesBefore = readModelJson(dir).weights.bytes + (manifest?.patches.reduce((n, p) => n + p.bytes, 0) ?? 0);
    if (patches > 0) {
      const { model, memory } = loadLearner(dir);
      try {
        // The base's createdAt: folding the same patches gives the same bytes, on any machine.
        saveLearner(model, memory, dir, { ...held.saveOptions, createdAt: readModelJson(dir).createdAt });
      } catch (err) {
        throw asFileError(err, `cannot write the model to ${dir}`);
      }
    }
    const bytesAfter = readModelJson(dir).weights.bytes;
    if (flags.json) process.stdout.write(JSON.stringify({ model: dir, patches, bytesBefore, bytesAfter }) + '\n');
    if (!flags.quiet) process.stderr.write(patches ? `compacted ${dir}: ${patches} patch(es) folded into a new base\n` : `${dir} has no patches: nothing to do\n`);
    return 0;
  } finally {
    held.release();
  }
}
