#!/usr/bin/env node
/** The accrete command: dispatches to one command per file; the only place that sets the exit code. */
import { AccreteError, UsageError } from '../errors.js';
import { compareCommand, compareHelp } from './compare.js';
import { enableExplicitGc } from '../util/gc.js';
import { evalCommand, evalHelp } from './eval.js';
import { exportFasttextCommand, exportFasttextHelp } from './exportFasttext.js';
import { importFasttextCommand, importFasttextHelp } from './importFasttext.js';
import { modelsCommand, modelsHelp } from './models.js';
import { fileErrorReason } from './outputDir.js';
import { predictCommand, predictHelp } from './predict.js';
import { serveCommand, serveHelp } from './serve.js';
import { trainCommand, trainHelp } from './train.js';
import { updateCommand, updateHelp } from './update.js';

const commands: Record<string, { run: (argv: string[]) => Promise<number>; help: string; summary: string }> = {
  train: { run: trainCommand, help: trainHelp, summary: 'train a new model from labelled data' },
  update: { run: updateCommand, help: updateHelp, summary: 'teach a model new data, words and labels; the gate accepts or rejects' },
  eval: { run: evalCommand, help: evalHelp, summary: 'accuracy, macro-F1, per-label metrics of a model on labelled data' },
  predict: { run: predictCommand, help: predictHelp, summary: 'predict labels for text lines on stdin (JSON lines out)' },
  'import-fasttext': { run: importFasttextCommand, help: importFasttextHelp, summary: 'read a fastText supervised .bin as a model that predicts as fastText does' },
  'export-fasttext': { run: exportFasttextCommand, help: exportFasttextHelp, summary: 'write a model as a fastText .bin that fastText loads' },
  compare: { run: compareCommand, help: compareHelp, summary: 'compare retrain, fresh, decay and incremental updates on a stream of tasks' },
  serve: { run: serveCommand, help: serveHelp, summary: 'HTTP API, dashboard and feedback-driven updates over a model registry' },
  models: { run: modelsCommand, help: modelsHelp, summary: 'list, show, activate or roll back the versions of a registry' },
};

const mainHelp = `usage: accrete <command> [options]     (accrete <command> --help for its options)

Text classifiers that keep learning: fastText-class speed, in TypeScript.

commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(Math.max(...Object.keys(commands).map((n) => n.length)))}  ${c.summary}`)
  .join('\n')}

exit status: 0 success, 1 bad input or model file, 2 wrong usage, 3 update rejected by the gate`;

// A reader that stops early (accrete predict ... | head -1) closes the pipe: end quietly, as Unix
// filters do, instead of dying on an unhandled EPIPE with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`accrete: cannot write the output: ${fileErrorReason(err) ?? err.message}\n`);
  process.exit(1);
});

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp + '\n');
    return 0;
  }
  if (name === undefined) {
    process.stderr.write(mainHelp + '\n');
    return 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`accrete: unknown command "${name}"\n\n${mainHelp}\n`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`accrete ${name}: ${err.message}\n\n${command.help}\n`);
      return 2;
    }
    if (err instanceof AccreteError) {
      process.stderr.write(`accrete ${name}: ${err.message}\n`);
      return 1;
    }
    // A file-system error a command did not expect still gets a message, not a stack trace.
    const reason = fileErrorReason(err);
    if (reason !== null) {
      const { path, syscall } = err as NodeJS.ErrnoException;
      process.stderr.write(`accrete ${name}: ${syscall ?? 'file operation'}${path ? ` ${path}` : ''} failed: ${reason}\n`);
      return 1;
    }
    throw err;
  }
}

enableExplicitGc();
process.exitCode = await main(process.argv.slice(2));
