/**
 * `npm run bench:incremental -- --checking` (issue 17, item 5): every update default was chosen on
 * class-incremental WordNet, seeds 1-3 (the tuning stream). Here each is checked on streams it was
 * not chosen on, with seeds it was not chosen with: class-incremental and domain-incremental
 * streams of two other corpora (checkCorpora.ts). Models are trained as `accrete train` trains
 * them with no flags (defaults fitted to the first task's data, a guard held out); each default is
 * moved one step either way with the rest kept, and compared with the defaults, the gate off and
 * a retrain on everything seen.
 */
import type { Config } from '../../config.js';
import { DEFAULTS } from '../../config.js';
import { byClasses, byTime, type Stream } from '../../compare/stream.js';
import type { Example } from '../../data/example.js';
import { averageAccuracy, backwardTransfer } from '../../eval/continual.js';
import { dataStats, fitDefaults } from '../../learn/dataDefaults.js';
import { BALANCE, REPLAY_RATIO } from '../../update/update.js';
import { DEFAULT_REPLAY } from '../../update/memory.js';
import { releaseMemory } from '../../util/gc.js';
import { genderedNames, sotuPassages } from './checkCorpora.js';
import type { Variant } from './configs.js';
import { runStream } from './runner.js';

/** Seeds no default was chosen with (the tuning runs used 1-3). */
export const CHECK_SEEDS = [4, 5];

export interface CheckStream {
  name: string;
  paradigm: 'class-incremental' | 'domain-incremental';
  describe: string;
  build: (seed: number) => Stream;
}

/** Presidents in order of their first address, cut into 5 consecutive groups: new labels arrive in time order. */
function presidentsStream(seed: number): Stream {
  const passages = sotuPassages();
  const order = [...new Set(passages.map((p) => p.president))];
  const examples = passages.map((p) => ({ text: p.text, labels: [p.president], time: String(Math.floor((order.indexOf(p.president) * 5) / order.length) + 1) }));
  return byTime(examples, 0.2, seed);
}

/** Democratic or Republican, in four eras: the same two labels, written differently as time goes by. */
function partyStream(seed: number): Stream {
  const eras = [1900, 1945, 1980];
  const examples = sotuPassages()
    .filter((p) => p.party === 'Democratic' || p.party === 'Republican')
    .map((p) => ({ text: p.text, labels: [p.party], time: String(eras.filter((y) => p.year > y).length + 1) }));
  return byTime(examples, 0.2, seed);
}

/** Gender by first name, names in four ranges of initials: the same two labels over different names. */
function namesStream(seed: number): Stream {
  const ranges = ['a-c', 'd-j', 'k-m', 'n-z'];
  const examples: Example[] = genderedNames().map((e) => {
    const c = e.text[0].toLowerCase();
    return { ...e, time: String(ranges.findIndex((r) => c >= r[0] && c <= r[2]) + 1) };
  });
  return byTime(examples, 0.2, seed);
}

export const CHECK_STREAMS: CheckStream[] = [
  { name: 'SOTU presidents', paradigm: 'class-incremental', describe: 'State of the Union passages (4 sentences) labelled by president; 5 tasks of consecutive presidents (1790-2021)', build: presidentsStream },
  { name: 'SOTU party by era', paradigm: 'domain-incremental', describe: 'State of the Union passages of Democratic and Republican presidents; 4 tasks by year (to 1900, 1901-1945, 1946-1980, 1981-2021)', build: partyStream },
  { name: 'first names', paradigm: 'domain-incremental', describe: 'English first names labelled female or male (names in both lists left out); 4 tasks by initial (a-c, d-j, k-m, n-z)', build: namesStream },
  {
    name: 'first names, classes',
    paradigm: 'class-incremental',
    describe: 'the same names, class-incremental by initial range as label ("f:a-c", "m:a-c", ...): 2 new labels per task',
    build: (seed) => byClasses(genderedNames().map((e) => ({ text: e.text, labels: [`${e.labels[0][0]}:${e.text[0].toLowerCase() < 'k' ? 'a-j' : 'k-z'}`] })), 2, 0.2, seed),
  },
];

/** The defaults moved one step each way (the rest kept), beside the defaults, the gate off and a retrain. */
export function checkVariants(lr: number): Variant[] {
  return [
    { name: 'retrain', kind: 'retrain' },
    { name: 'defaults (gate on)', kind: 'incremental' },
    { name: 'gate off', kind: 'incremental', update: { gate: false } },
    // The defaults before the class-incremental regime (classIncremental.ts), in the same run.
    { name: 'labelScaledReplay false (the general defaults)', kind: 'incremental', update: { labelScaledReplay: false } },
    // The defaults before the domain-incremental regime (domainIncremental.ts), in the same run.
    { name: 'domainReplay false (the general defaults)', kind: 'incremental', update: { domainReplay: false } },
    { name: `replay ratio 0.5 (default ${REPLAY_RATIO})`, kind: 'incremental', update: { replayRatio: 0.5 } },
    { name: 'replay ratio 2', kind: 'incremental', update: { replayRatio: 2 } },
    { name: `balance 1 (default ${BALANCE})`, kind: 'incremental', update: { balance: 1 } },
    { name: 'balance 0', kind: 'incremental', update: { balance: 0 } },
    { name: `update lr ${lr / 2} (default ${lr}, the model's)`, kind: 'incremental', update: { lr: lr / 2 } },
    { name: `replay 2,000 (default ${DEFAULT_REPLAY.toLocaleString('en-US')})`, kind: 'incremental', replay: 2000 },
  ];
}

export interface CheckRow {
  stream: string;
  seed: number;
  firstTask: number;
  cfg: Partial<Config>;
  /** Per variant: ACC and BWT (fractions), updates accepted of updates, wall time (ms). */
  results: { name: string; acc: number; bwt: number; accepted: number; updates: number; ms: number }[];
}

export async function runChecking(streams: readonly CheckStream[], seeds: readonly number[], log: (line: string) => void): Promise<CheckRow[]> {
  const rows: CheckRow[] = [];
  for (const s of streams) {
    for (const seed of seeds) {
      const stream = s.build(seed);
      const fitted = fitDefaults(dataStats(stream[0].train, DEFAULTS)).settings;
      const cfg: Partial<Config> = { ...fitted, seed, thread: 1 };
      const results: CheckRow['results'] = [];
      for (const v of checkVariants(fitted.lr ?? DEFAULTS.lr)) {
        const t0 = performance.now();
        const run = await runStream(stream, v, cfg);
        const updates = run.steps.slice(1);
        const r = { name: v.name, acc: averageAccuracy(run.R), bwt: backwardTransfer(run.R), accepted: updates.filter((c) => c.accepted).length, updates: updates.length, ms: performance.now() - t0 };
        results.push(r);
        log(`checking: ${s.name}, seed ${seed}: ${v.name}: ACC ${(r.acc * 100).toFixed(2)}, accepted ${r.accepted}/${r.updates}, ${(r.ms / 1000).toFixed(1)} s`);
        releaseMemory();
      }
      rows.push({ stream: s.name, seed, firstTask: stream[0].train.length, cfg, results });
    }
  }
  return rows;
}
