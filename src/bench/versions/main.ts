/**
 * `npm run bench:versions`: issue 14's "Done when" table, "a version costs what changed", on the
 * pinned SpamAssassin model (setup.ts): bytes written by accepted updates against the model
 * directory, `accrete update` end to end against loading alone, loading 20 patches against the
 * model compacted, `POST /v1/update` against the update's own work, and the registry's size after
 * many accepted feedback updates. Medians of repeats. Writes bench/results/versions.md and .json
 * (versions.quick.* with --quick: 200,000 buckets, fewer repeats, for iterating).
 * Flags: --quick, --only cli|serve (the other part's results are kept from the last run),
 * --repeats N, --serve-updates N. To rebuild the tree during a
 * run, run a copy of dist/ with ACCRETE_ROOT set to the repository.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, type Machine } from '../machine.js';
import { loadDataset } from '../../datasets/index.js';
import { cliBench, med, type CliResult } from './cli.js';
import { serveBench, type ServeResult } from './serve.js';
import { setup, TRAIN_EXAMPLES, type Setup } from './setup.js';

/** The dist/ this runs from (a copy of it, for a long run while the tree is rebuilt), and the repository: ACCRETE_ROOT or dist's parent. */
const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROOT = process.env.ACCRETE_ROOT ?? resolve(DIST, '..');
const CLI = join(DIST, 'cli', 'main.js');
const log = (s: string) => process.stderr.write(`[bench:versions] ${s}\n`);

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Row {
  target: string;
  measured: string;
  bound: string;
  met: boolean | null;
}

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const ms = (x: number) => `${Math.round(x).toLocaleString('en-US')} ms`;
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

function cliRows(c: CliResult): Row[] {
  const rows: Row[] = [];
  for (const n of [10, 100]) {
    const runs = c.updates.filter((u) => u.examples === n && u.accepted);
    const patches = runs.filter((u) => u.savedAs === 'patch');
    const whole = runs.filter((u) => u.savedAs !== 'patch');
    const bytes = med(patches.map((u) => u.bytesWritten));
    rows.push({
      target: `bytes written by an accepted \`accrete update\` of ${n} examples (patch + manifest, everything counted) / model directory`,
      measured: patches.length ? `${mb(bytes)} / ${mb(c.modelDirBytes)} = ${pct(bytes / c.modelDirBytes)} (${patches.length} of ${c.updates.filter((u) => u.examples === n).length} runs accepted as a patch${whole.length ? `; ${whole.length} compacted, apart: ${mb(med(whole.map((u) => u.bytesWritten)))}` : ''})` : 'no accepted patch run',
      bound: '<= 2%',
      met: patches.length ? bytes / c.modelDirBytes <= 0.02 : null,
    });
  }
  const ten = c.updates.filter((u) => u.examples === 10 && u.accepted && u.savedAs === 'patch');
  if (ten.length) {
    const e2e = med(ten.map((u) => u.endToEndMs));
    const own = med(ten.map((u) => u.ownMs));
    const load = med(c.predictEmptyMs);
    const bound = load + 1.5 * own + 200;
    // Each repeat beside its own bound (the update, then loading alone, one after the other), with the load average.
    const tens = c.updates.filter((u) => u.examples === 10);
    const perRun = tens
      .map((u, r) => {
        const p = c.predictEmptyMs[r];
        if (!u.accepted || u.savedAs !== 'patch' || p === undefined) return null;
        return `${ms(u.endToEndMs)} vs ${ms(p + 1.5 * u.ownMs + 200)}${u.load === undefined ? '' : ` (load ${u.load.toFixed(1)})`}`;
      })
      .filter((x) => x !== null);
    const loads = [...tens.map((u) => u.load), ...(c.predictLoads ?? [])].filter((x): x is number => x !== undefined);
    const loadNote = loads.length ? `; load average ${med(loads).toFixed(1)}, ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}` : '';
    rows.push({ target: 'CLI `accrete update`, 10 new examples, end to end', measured: `${ms(e2e)} (own work ${ms(own)}, \`accrete predict\` on empty input ${ms(load)}${loadNote}; each repeat against its own bound: ${perRun.join(', ')})`, bound: `<= ${ms(load)} + 1.5 x ${ms(own)} + 200 ms = ${ms(bound)}`, met: e2e <= bound });
  }
  const l = c.load;
  const ratio = med(l.patchedMs) / med(l.compactedMs);
  rows.push({
    target: `loading a model of ${l.patches} patches of 10-example updates (${mb(l.patchBytes)} of patches) vs compacted: \`accrete predict\` on empty input`,
    measured: `${ms(med(l.patchedMs))} vs ${ms(med(l.compactedMs))} = ${ratio.toFixed(2)}x (in process, loadLearner: ${ms(med(l.inProcessPatchedMs))} vs ${ms(med(l.inProcessCompactedMs))} = ${(med(l.inProcessPatchedMs) / med(l.inProcessCompactedMs)).toFixed(2)}x)`,
    bound: '<= 1.5x',
    met: ratio <= 1.5,
  });
  rows.push({ target: '`accrete compact` of those patches, twice: the same bytes', measured: `${l.deterministic ? 'identical' : 'DIFFERENT'} (weights, memory, replay, guard, model.json); ${ms(l.compactMs)} a run`, bound: 'identical', met: l.deterministic });
  return rows;
}

function serveRows(r: ServeResult): Row[] {
  const rows: Row[] = [];
  for (const [name, runs] of [['rejected', r.rejected], ['accepted', r.accepted]] as const) {
    if (!runs.length) continue;
    const answer = med(runs.map((u) => u.answerMs));
    const own = med(runs.map((u) => u.ownMs));
    const bound = 1.5 * own + 100;
    const worst = Math.max(...runs.map((u) => u.answerMs - (1.5 * u.ownMs + 100)));
    // The machine is shared: the load average beside the times, and how many jobs loaded their parent from disk.
    const loads = runs.map((u) => u.load ?? NaN);
    const loaded = runs.filter((u) => u.ranOn?.includes('loaded from disk')).length;
    rows.push({ target: `\`POST /v1/update\` answered, ${name} (${runs.length} runs)`, measured: `${ms(answer)} (own work ${ms(own)}; worst run ${worst > 0 ? `${ms(worst)} over` : 'within'} its bound; ${Math.round((100 * runs.filter((u) => u.answerMs <= 1.5 * u.ownMs + 100).length) / runs.length)}% of runs within theirs; load average ${med(loads).toFixed(1)}, ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}; ${loaded} loaded the parent from disk)`, bound: `<= 1.5 x ${ms(own)} + 100 ms = ${ms(bound)}`, met: answer <= bound });
  }
  rows.push({ target: `registry after ${r.accepted.length} accepted feedback updates of 10 examples (${r.attempts} asked), every file once`, measured: `${mb(r.registryBytes)} = ${(r.registryBytes / r.baseBytes).toFixed(2)}x the base (${mb(r.baseBytes)})`, bound: '<= 2x', met: r.registryBytes <= 2 * r.baseBytes });
  rows.push({ target: `the same after \`accrete models gc --keep ${r.keep}\``, measured: `${mb(r.registryBytesAfterGc)} = ${(r.registryBytesAfterGc / r.baseBytes).toFixed(2)}x (${r.versionsAfterGc} versions keep files)`, bound: '<= 1.3x', met: r.registryBytesAfterGc <= 1.3 * r.baseBytes });
  return rows;
}

function render(machine: Machine, s: Setup, rows: Row[], repeats: number): string {
  const mark = (m: boolean | null) => (m === null ? '—' : m ? 'met' : '**not met**');
  return [
    `# bench:versions: a version costs what changed (issue 14)${s.quick ? ' (--quick)' : ''}`,
    '',
    `Machine: ${machine.nproc} CPUs (${machine.cpu}), ${machine.memoryGiB} GiB; Node ${machine.node}; load average ${machine.loadAverage} at start; ${machine.date}. Accrete ${machine.accrete}.`,
    `Model: SpamAssassin, the first ${TRAIN_EXAMPLES.toLocaleString('en-US')} e-mails, \`accrete train ${s.trainFlags.join(' ')}\`. Updates: held-out spam e-mails relabelled \`phishing\` (a new label), with \`--lr 0.5 --max-drop 0.2 --label-tolerance 1\` (the default gate rejects small updates of this near-perfect model); rejected server updates: ham e-mails from the training data, labelled as they were, default options.`,
    `Medians of ${repeats} runs (CLI), wall times from process start to exit (Node start-up included); the page cache is warm. "Own work" is the update report's \`wallMs\`.`,
    '',
    '| target | measured | bound | |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.target} | ${r.measured} | ${r.bound} | ${mark(r.met)} |`),
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  const quick = process.argv.includes('--quick');
  const only = flag('--only');
  if (only !== undefined && only !== 'cli' && only !== 'serve') throw new Error(`--only takes cli or serve, got ${only}`);
  const repeats = Number(flag('--repeats') ?? (quick ? 2 : 3));
  const serveUpdates = Number(flag('--serve-updates') ?? (quick ? 10 : 50));
  const machine = describeMachine(ROOT);
  const s = await setup(ROOT, quick, CLI, log);
  // Every held-out e-mail is spam (the corpus lists ham first): ham the model was trained on, labelled as it was, is no gain.
  const ham = (await loadDataset('spam-assassin')).examples.slice(0, TRAIN_EXAMPLES).filter((e) => e.labels[0] === 'ham').slice(-100);
  const out = join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  const name = `versions${quick ? '.quick' : ''}`;
  // --only runs one part and keeps the other part's results of the last run.
  const last = existsSync(join(out, `${name}.json`)) ? (JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8')) as { cli: CliResult | null; serve: ServeResult | null }) : null;
  /** Writes the results so far (after the CLI part too, so that a failure later keeps it). */
  const write = (cli: CliResult | null, serve: ServeResult | null) => {
    const rows = [...(cli ? cliRows(cli) : []), ...(serve ? serveRows(serve) : [])];
    const md = render(machine, s, rows, repeats);
    writeFileSync(join(out, `${name}.json`), JSON.stringify({ machine, model: { trainFlags: s.trainFlags, trainSeconds: s.trainSeconds }, cli, serve, rows }, null, 2) + '\n');
    writeFileSync(join(out, `${name}.md`), md);
    return md;
  };
  const cli = only === 'serve' ? (last?.cli ?? null) : await cliBench(s, CLI, repeats, log);
  write(cli, only === 'cli' ? (last?.serve ?? null) : null);
  const serve = only === 'cli' ? (last?.serve ?? null) : await serveBench(s, CLI, ham, 3, serveUpdates, 5, log);
  process.stdout.write(write(cli, serve));
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  },
);
