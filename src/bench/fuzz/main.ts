/**
 * `npm run bench:fuzz`: the properties of src/fuzz/fuzz.test.ts with many more runs (ACCRETE_FUZZ_RUNS,
 * default 2000 per target; slow targets run a fraction), printing runs, time and failures per
 * target. Exit status 1 when any target failed; the counterexample is printed to add to seeds.ts.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyModel, inProcess } from '../../serve/testing.js';
import { fuzzRuns } from '../../fuzz/runs.js';
import { serveTarget } from '../../fuzz/serveTarget.js';
import { offlineTargets } from '../../fuzz/targets.js';
import { table } from '../../util/table.js';

const runs = fuzzRuns(2000);
const dir = mkdtempSync(join(tmpdir(), 'accrete-bench-fuzz-'));
let exit = 0;
try {
  await tinyModel(join(dir, 'base'));
  const s = await inProcess({ registry: join(dir, 'reg', 'registry.db'), model: join(dir, 'base'), drift: false });
  try {
    const targets = [...(await offlineTargets(join(dir)).then((t) => t)), serveTarget(() => s.url)];
    const rows: (string | number)[][] = [];
    for (const t of targets) {
      const numRuns = Math.max(1, Math.round(runs * t.weight));
      const started = performance.now();
      const result = await fc.check(t.property, { numRuns, examples: t.examples });
      const seconds = (performance.now() - started) / 1000;
      rows.push([t.name, result.numRuns + t.examples.length, seconds.toFixed(1), result.failed ? 1 : 0]);
      process.stderr.write(`${t.name}: ${result.numRuns} runs in ${seconds.toFixed(1)} s${result.failed ? ' FAILED' : ''}\n`);
      if (result.failed) {
        exit = 1;
        process.stderr.write(`${fc.defaultReportMessage(result)}\n`.slice(0, 4000));
      }
    }
    process.stdout.write(table(['target', 'runs', 'seconds', 'failures'], rows) + '\n');
  } finally {
    await s.server.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exit);
