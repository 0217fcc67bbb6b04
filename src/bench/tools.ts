/**
 * The two command lines under test, behind one small interface: how to train, how to predict (model
 * loading included), how each reports its own accuracy, and how big its model is on disk.
 */
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { CorpusFiles } from './corpus.js';
import { hyperParamFlags, type HyperParams } from './params.js';
import { parseAccretePrediction, parseFastTextPrediction } from './score.js';

export type ToolName = 'fastText' | 'Accrete';

export interface Command {
  command: string;
  args: string[];
  /** Fed to stdin (Accrete reads texts from stdin). */
  stdinFile?: string;
}

export interface Tool {
  name: ToolName;
  /** Why the tool cannot run here (with what to do about it), or undefined when it can. */
  missing(): string | undefined;
  /** `model` is a path prefix in the run directory; `modelPath(model)` is what `train` writes. */
  train(files: CorpusFiles, hp: HyperParams, thread: number, model: string): Command;
  modelPath(model: string): string;
  /** Predicts one label per line of `input` (a file of texts; an empty file measures loading alone). */
  predict(model: string, input: string): Command;
  parsePrediction(line: string): string;
  /** The tool's own evaluation command and how to read its accuracy from stdout. */
  evaluate(model: string, files: CorpusFiles): Command;
  parseEvaluation(stdout: string): Record<string, number>;
}

/** Bytes on disk of a file, or of every file under a directory. */
export function diskBytes(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + diskBytes(join(path, name)), 0);
}

function onPath(exe: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, exe)));
}

export const fastText: Tool = {
  name: 'fastText',
  missing: () => (onPath('fasttext') ? undefined : 'the fastText CLI is not on PATH; install it with: apt-get install fasttext'),
  train: (files, hp, thread, model) => ({
    command: 'fasttext',
    args: ['supervised', '-input', files.train, '-output', model, ...hyperParamFlags(hp, '-'), '-thread', String(thread), '-seed', '1', '-verbose', '0'],
  }),
  modelPath: (model) => `${model}.bin`,
  predict: (model, input) => ({ command: 'fasttext', args: ['predict', `${model}.bin`, input] }),
  parsePrediction: parseFastTextPrediction,
  evaluate: (model, files) => ({ command: 'fasttext', args: ['test', `${model}.bin`, files.test] }),
  parseEvaluation: (stdout) => {
    // "N\t1209\nP@1\t0.98\nR@1\t0.98\n"
    const out: Record<string, number> = {};
    for (const m of stdout.matchAll(/^(N|P@1|R@1)\s+([\d.eE+-]+)$/gm)) out[m[1]] = Number(m[2]);
    return out;
  },
};

/**
 * Copies the built Accrete (dist/) to `workDir/accrete-dist` and returns the copied CLI's path, so
 * that a rebuild of dist/ by someone else during a long benchmark cannot change the code under test
 * half-way. Returns the original path (which `missing()` then reports) when nothing is built.
 */
export function snapshotAccrete(repoRoot: string, workDir: string): string {
  const dist = join(repoRoot, 'dist');
  if (!existsSync(join(dist, 'cli', 'main.js'))) return join(dist, 'cli', 'main.js');
  const copy = join(workDir, 'accrete-dist');
  rmSync(copy, { recursive: true, force: true });
  // Inside the repository, so the copy still finds node_modules and package.json ("type": "module").
  cpSync(dist, copy, { recursive: true, filter: (src) => !src.endsWith('.map') && !src.endsWith('.d.ts') });
  return join(copy, 'cli', 'main.js');
}

/** Accrete's CLI (`cli` = a dist/cli/main.js, see `snapshotAccrete`), run with this same Node binary. */
export function accrete(cli: string): Tool {
  const node = (args: string[], stdinFile?: string): Command => ({ command: process.execPath, args: [cli, ...args], stdinFile });
  return {
    name: 'Accrete',
    missing: () => (existsSync(cli) ? undefined : `the Accrete CLI is not built (${cli} is missing); run: npx tsc -p .`),
    train: (files, hp, thread, model) =>
      node(['train', '--data', files.train, '--out', model, ...hyperParamFlags(hp, '--'), '--thread', String(thread), '--seed', '1', '--guard-size', '0', '--quiet', '--json']),
    modelPath: (model) => model,
    predict: (model, input) => node(['predict', '--model', model], input),
    parsePrediction: parseAccretePrediction,
    evaluate: (model, files) => node(['eval', '--model', model, '--data', files.test, '--json']),
    parseEvaluation: (stdout) => {
      const parsed = JSON.parse(stdout) as Record<string, unknown>;
      const out: Record<string, number> = {};
      for (const key of ['accuracy', 'macroF1', 'n']) if (typeof parsed[key] === 'number') out[key] = parsed[key] as number;
      return out;
    },
  };
}
