/**
 * `npm start`: the paradigm comparison on the SpamAssassin stream (an npm devDependency, nothing
 * downloaded): retrain, fresh, decay and incremental over six tasks in time order, then single-example
 * feedback with and without the gate. Prints the table, the rankings and the verdict, and writes the
 * HTML report and the JSON under out/compare/. It is exactly the `accrete compare` command it prints.
 */
import { resolve } from 'node:path';
import { compareCommand } from '../cli/compare.js';
import { AccreteError } from '../errors.js';
import { enableExplicitGc } from '../util/gc.js';

const REPORT = 'out/compare/spam-assassin.html';
const JSON_FILE = 'out/compare/spam-assassin.json';

/** Six tasks: each collection period cut in three (its e-mails in seeded order); 200 feedback examples keep the run well under 3 minutes on 2 cores. */
export const DEMO_ARGS = ['--dataset', 'spam-assassin', '--split', 'time:6', '--paradigms', 'retrain,fresh,decay,incremental', '--prequential', '--limit', '200', '--json', JSON_FILE, '--report', REPORT];

async function main(): Promise<number> {
  enableExplicitGc();
  const started = performance.now();
  process.stdout.write(`accrete compare ${DEMO_ARGS.join(' ')}\n\n`);
  const status = await compareCommand(DEMO_ARGS);
  if (status === 0) {
    process.stdout.write(`\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s; open the report in a browser: ${resolve(REPORT)}\n`);
  }
  return status;
}

main().then(
  (status) => (process.exitCode = status),
  (err: unknown) => {
    process.stderr.write(`${err instanceof AccreteError ? err.message : String((err as Error)?.stack ?? err)}\n`);
    process.exitCode = 1;
  },
);
