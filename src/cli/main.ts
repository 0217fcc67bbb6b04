#!/usr/bin/env node
/** The accrete command: dispatches to one command per file; the only place that sets the exit code. */
import { storageError } from '../util/storageFaults.js';
import { readFileSync } from 'node:fs';
import { AccreteError, ModelFileError, UsageError } from '../errors.js';
import { enableExplicitGc } from '../util/gc.js';
import { fastTextModelHint } from './hints.js';
import { fileErrorReason } from './outputDir.js';
import { closest } from './suggest.js';

/** A command: loaded only when it runs, so `predict` does not pay for the server's modules. */
interface Command {
  summary: string;
  load: () => Promise<{ run: (argv: string[]) => Promise<number>; help: string }>;
}

const commands: Record<string, Command> = {
  train: { summary: 'train a new model from labelled data', load: async () => import('./train.js').then((m) => ({ run: m.trainCommand, help: m.trainHelp })) },
  update: { summary: 'teach a model new data, words and labels; the gate accepts or rejects', load: async () => import('./update.js').then((m) => ({ run: m.updateCommand, help: m.updateHelp })) },
  eval: { summary: 'accuracy, macro-F1, per-label metrics of a model on labelled data', load: async () => import('./eval.js').then((m) => ({ run: m.evalCommand, help: m.evalHelp })) },
  predict: { summary: 'predict labels for text lines on stdin (JSON lines out)', load: async () => import('./predict.js').then((m) => ({ run: m.predictCommand, help: m.predictHelp })) },
  'import-fasttext': {
    summary: 'read a fastText supervised .bin as a model that predicts as fastText does',
    load: async () => import('./importFasttext.js').then((m) => ({ run: m.importFasttextCommand, help: m.importFasttextHelp })),
  },
  'export-fasttext': {
    summary: 'write a model as a fastText .bin that fastText loads',
    load: async () => import('./exportFasttext.js').then((m) => ({ run: m.exportFasttextCommand, help: m.exportFasttextHelp })),
  },
  compact: { summary: "fold a model's patches (updates in place) into a new base", load: async () => import('./compact.js').then((m) => ({ run: m.compactCommand, help: m.compactHelp })) },
  compare: { summary: 'compare retrain, fresh, decay and incremental updates on a stream of tasks', load: async () => import('./compare.js').then((m) => ({ run: m.compareCommand, help: m.compareHelp })) },
  serve: { summary: 'HTTP API, dashboard and feedback-driven updates over a model registry', load: async () => import('./serve.js').then((m) => ({ run: m.serveCommand, help: m.serveHelp })) },
  models: { summary: 'list, show, activate or roll back the versions of a registry', load: async () => import('./models.js').then((m) => ({ run: m.modelsCommand, help: m.modelsHelp })) },
  registry: { summary: "migrate a PostgreSQL registry's schema; copy a registry between SQLite and PostgreSQL", load: async () => import('./registry.js').then((m) => ({ run: m.registryCommand, help: m.registryHelp })) },
};

const mainHelp = `usage: accrete <command> [options]
       accrete help <command>      the command's options (as accrete <command> --help)
       accrete --version

Text classifiers that keep learning: fastText-class speed, in TypeScript.

commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(Math.max(...Object.keys(commands).map((n) => n.length)))}  ${c.summary}`)
  .join('\n')}

exit status:
  0  success
  1  the command could not do its work: a data file, model file or output path that is missing,
     unreadable or bad, training that diverged, or a model directory that another accrete command
     was still writing after --wait
  2  wrong usage: an unknown command or flag, a missing required flag, or a flag value that is
     malformed or out of range (the message names the flag)
  3  an update the gate rejected`;

// A reader that stops early (accrete predict ... | head -1) closes the pipe: end quietly, as Unix
// filters do, instead of dying on an unhandled EPIPE with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`accrete: cannot write the output: ${fileErrorReason(err) ?? err.message}\n`);
  process.exit(1);
});

/** The version in package.json (two levels above dist/cli/, in the repository and when installed). */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    process.stdout.write(version() + '\n');
    return 0;
  }
  if (name === 'help' && rest.length > 0) return commandHelp(rest);
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp + '\n');
    return 0;
  }
  if (name === undefined) {
    process.stderr.write(mainHelp + '\n');
    return 2;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) {
    process.stderr.write(`accrete: ${unknownCommand(name)}\n`);
    return 2;
  }
  const command = await entry.load();
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      // The message names the flag; the synopsis reminds, without burying it under the whole help.
      process.stderr.write(`accrete ${name}: ${err.message}\n\n${synopsis(command.help)}\nsee accrete ${name} --help for every option\n`);
      return 2;
    }
    if (err instanceof AccreteError) {
      const hint = err instanceof ModelFileError ? fastTextModelHint(err.path) : null;
      process.stderr.write(`accrete ${name}: ${err.message}${hint ? `\n${hint}` : ''}\n`);
      return 1;
    }
    // A full disk, a read-only registry, an I/O error: what to do, not a stack trace.
    const storage = storageError(err);
    if (storage) {
      process.stderr.write(`accrete ${name}: ${storage.message}\n`);
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

/**
 * "unknown command" with the nearest command when one is close (`trian`: did you mean train?),
 * else with the list of commands.
 */
function unknownCommand(name: string): string {
  const near = closest(name, Object.keys(commands));
  if (near !== undefined) return `unknown command "${name}"; did you mean ${near}?\nsee accrete --help for every command`;
  return `unknown command "${name}"\n\n${mainHelp.slice(0, mainHelp.indexOf('\n\nexit status:'))}`;
}

/** The usage lines at the top of a command's help (up to its first blank line). */
function synopsis(help: string): string {
  const end = help.indexOf('\n\n');
  return end < 0 ? help : help.slice(0, end);
}

/** `accrete help CMD`: CMD's help, as `accrete CMD --help` prints it. */
async function commandHelp(args: string[]): Promise<number> {
  const [topic, ...extra] = args;
  const entry = Object.hasOwn(commands, topic) ? commands[topic] : undefined;
  if (!entry || extra.length > 0) {
    process.stderr.write(`accrete help: ${entry ? `unexpected argument "${extra[0]}"\n\n${mainHelp}` : unknownCommand(topic)}\n`);
    return 2;
  }
  process.stdout.write((await entry.load()).help + '\n');
  return 0;
}

enableExplicitGc();
process.exitCode = await main(process.argv.slice(2));
// The command's work is done. Should anything still hold the event loop open (a socket, a worker,
// a timer a library forgot), exit anyway instead of hanging a script or a CI job; the timer itself
// does not keep the process alive.
setTimeout(() => {
  process.stderr.write('accrete: the command finished but something was still open; exiting\n');
  process.exit();
}, 10_000).unref();
