#!/usr/bin/env node
/**
 * `npm run bench`: Accrete versus the fastText CLI on the built-in corpora, same files, same
 * hyperparameters. Writes bench/results/core.md (medians) and core.json (every run).
 *   --repeats N          runs per tool and thread count (3)
 *   --corpus C           spam | wordnet | all (all)
 *   --tool T             fasttext | accrete | all (all)
 *   --quick              one repeat, results to bench/work/ instead of bench/results/
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { prepareCorpus, type CorpusFiles } from './corpus.js';
import { describeMachine } from './machine.js';
import { rssSource } from './measure.js';
import { HYPERPARAMS } from './params.js';
import { benchRun, type RunRecord } from './run.js';
import { corpusTable, header } from './table.js';
import { accrete, fastText, snapshotAccrete, type Tool } from './tools.js';
import type { DatasetName } from '../datasets/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CORPORA: Record<string, DatasetName[]> = { spam: ['spam-assassin'], wordnet: ['wordnet'], all: ['spam-assassin', 'wordnet'] };
const THREADS = [1, 2];

interface Options {
  repeats: number;
  corpora: DatasetName[];
  tools: string;
  quick: boolean;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: { repeats: { type: 'string' }, corpus: { type: 'string' }, tool: { type: 'string' }, quick: { type: 'boolean' } },
  });
  const quick = values.quick ?? false;
  const repeats = quick ? 1 : Number(values.repeats ?? 3);
  const corpora = CORPORA[values.corpus ?? 'all'];
  const tools = values.tool ?? 'all';
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats must be a positive integer, got ${values.repeats}`);
  if (corpora === undefined) throw new Error(`--corpus must be one of spam, wordnet, all; got ${values.corpus}`);
  if (!['fasttext', 'accrete', 'all'].includes(tools)) throw new Error(`--tool must be one of fasttext, accrete, all; got ${tools}`);
  return { repeats, corpora, tools, quick };
}

/** The tools that can run here; a missing one is reported and skipped, not fatal. */
function usableTools(which: string, workDir: string, notes: string[]): Tool[] {
  const wanted = [fastText, accrete(snapshotAccrete(ROOT, workDir))].filter((t) => which === 'all' || t.name.toLowerCase() === which);
  return wanted.filter((tool) => {
    const why = tool.missing();
    if (why !== undefined) {
      console.error(`bench: skipping ${tool.name}: ${why}`);
      notes.push(`Skipped ${tool.name}: ${why}.`);
    }
    return why === undefined;
  });
}

function logRun(r: RunRecord): void {
  console.error(
    `  ${r.corpus} ${r.tool} thread ${r.thread} #${r.repeat}: acc ${r.score.accuracy.toFixed(4)}, train ${(r.trainMs / 1000).toFixed(2)}s ` +
      `(${Math.round(r.trainPeakRssKb / 1024)} MiB), model ${(r.modelBytes / 2 ** 20).toFixed(1)} MiB, predict ${r.predictDocs} docs in ${(r.predictMs / 1000).toFixed(2)}s`,
  );
}

async function main(): Promise<number> {
  const opts = options(process.argv.slice(2));
  const notes: string[] = [];
  const workDir = join(ROOT, 'bench', 'work');
  const tools = usableTools(opts.tools, workDir, notes);
  if (tools.length === 0) return 1;
  const machine = describeMachine(ROOT);
  const runs: RunRecord[] = [];
  const prepared: CorpusFiles[] = [];
  for (const corpus of opts.corpora) {
    console.error(`bench: preparing ${corpus}`);
    const files = await prepareCorpus(corpus, workDir);
    prepared.push(files);
    // Repeats are the outer loop so that a slow spell on a shared machine hits every tool alike.
    for (let repeat = 1; repeat <= opts.repeats; repeat++) {
      for (const tool of tools) {
        for (const thread of THREADS) {
          const record = await benchRun(tool, files, HYPERPARAMS[corpus], thread, repeat);
          logRun(record);
          runs.push(record);
        }
      }
    }
  }
  const rssNote =
    rssSource() === 'gnu-time'
      ? 'Peak RSS: GNU time (/usr/bin/time -f %M), the maximum resident set of the child process.'
      : 'Peak RSS: /proc/PID/status VmHWM polled every 20 ms (install GNU time, apt-get install time, for exact values).';
  const markdown = [header(machine, rssNote, notes), ...prepared.map((f) => corpusTable(f, HYPERPARAMS[f.corpus], runs, opts.repeats))].join('\n\n') + '\n';
  const outDir = opts.quick ? workDir : join(ROOT, 'bench', 'results');
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'core.md'), markdown);
  const raw = { machine, repeats: opts.repeats, hyperParams: HYPERPARAMS, corpora: prepared, runs };
  await writeFile(join(outDir, 'core.json'), JSON.stringify(raw, null, 2) + '\n');
  process.stdout.write(markdown);
  console.error(`bench: wrote ${join(outDir, 'core.md')} and core.json`);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
