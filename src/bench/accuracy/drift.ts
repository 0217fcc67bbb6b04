/**
 * `npm run bench:drift` (issue 17, item 4): SpamAssassin in time order as a domain-incremental
 * stream. Era 1 is the first collection period; the second period, shuffled, arrives in three eras.
 * A model trained as `accrete train` trains (defaults fitted to the data, a held-out guard, a replay
 * memory) is updated era by era with the gate's default policy ('weighted'), with the old policy
 * ('guard'), with the gate off, and compared with a retrain on everything seen. Then the last era is
 * sent again poisoned three ways (labels shuffled, every ham relabelled spam, a trigger token planted
 * in ham texts labelled spam), each to the model of the default run: each must be rejected.
 * No constant of the gate was tuned on this stream, except the trigger check's plant rate (see render).
 * `--stream first-names` or `--stream sotu-party` runs the same arms and attacks on a checking
 * stream of bench:incremental (checking.ts), which no gate constant was chosen on: its first task
 * is trained as above (a first task under 1,500 examples holds out no guard: the gate's guard then
 * comes from the replay memory), ACC is the mean accuracy over every task's test part after the
 * last, and the attacks poison the last task's training part (first label -> second label).
 * `--bucket N` forces the first model's table size (the retrain's stays fitted to all the data).
 *   node dist/bench/accuracy/drift.js [--seeds 1,2,3] [--stream NAME] [--bucket N] [--out NAME]
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../../config.js';
import type { Example } from '../../data/example.js';
import { loadDataset, splitTrainTest } from '../../datasets/index.js';
import { ReplayBuffer } from '../../forgetting/replay.js';
import { dataStats, fitDefaults } from '../../learn/dataDefaults.js';
import { train } from '../../learn/train.js';
import type { TextClassifier } from '../../model/classifier.js';
import { holdOutGuard } from '../../update/guard.js';
import { buildMemory, type ContinualMemory } from '../../update/memory.js';
import { update, type UpdateOptions } from '../../update/update.js';
import { Rng } from '../../util/rng.js';
import type { Stream } from '../../compare/stream.js';
import { CHECK_STREAMS } from '../incremental/checking.js';
import { describeMachine } from '../machine.js';
import { median } from '../table.js';
import { pct, resultsPath } from './report.js';

const accuracy = (m: TextClassifier, xs: readonly Example[]) => xs.filter((e) => e.labels.includes(m.predict(e.text)[0].label)).length / xs.length;

interface Learner {
  model: TextClassifier;
  memory: ContinualMemory;
}

async function trained(examples: Example[], seed: number, bucket?: number): Promise<Learner> {
  const fitted = { ...fitDefaults(dataStats(examples, DEFAULTS)).settings, ...(bucket === undefined ? {} : { bucket }) };
  const held = holdOutGuard(examples, seed);
  const { model, seen } = await train(held.train, { ...fitted, seed, thread: 1 });
  return { model, memory: buildMemory(model, held.train, { seed, seen, guard: held.guard }) };
}

const copy = (l: Learner): Learner => ({ model: l.model.clone(), memory: { ...l.memory, replay: ReplayBuffer.fromState(structuredClone(l.memory.replay.toState())), seen: l.memory.seen?.slice() ?? null } });

interface SeedResult {
  seed: number;
  arms: Record<string, { acc: number; period1: number; period2: number; accepted: number; codes: string[][]; bucket?: number }>;
  attacks: Record<string, { accepted: boolean; codes: string[] }>;
  /** Training examples of the first task. */
  firstTask: number;
}

/** How one stream is run: its first task, its later eras, its measure, and the labels a targeted flip moves. */
interface EraPlan {
  first: Example[];
  eras: Example[][];
  measure: (m: TextClassifier) => { period1: number; period2: number; acc: number };
  /** A targeted flip relabels `from` as `to`; the trigger is planted in 1 in 3 `from` texts labelled `to`. */
  from: string;
  to: string;
  /** What the retrain trains on: every era, in the order the corpus gives them. */
  all: Example[];
}

/** SpamAssassin: period 1, then period 2 shuffled in thirds; ACC the mean of both periods' test parts. */
function spamPlan(all: Example[], seed: number): EraPlan {
  const p1 = all.filter((e) => e.time === '1');
  const p2 = new Rng(seed).shuffle(all.filter((e) => e.time === '2'));
  const s1 = splitTrainTest(p1, 0.2, seed);
  const s2 = splitTrainTest(p2, 0.2, seed);
  const eras = [0, 1, 2].map((k) => s2.train.filter((_, i) => i % 3 === k));
  const measure = (m: TextClassifier) => {
    const period1 = accuracy(m, s1.test);
    const period2 = accuracy(m, s2.test);
    return { period1, period2, acc: (period1 + period2) / 2 };
  };
  return { first: s1.train, eras, measure, from: 'ham', to: 'spam', all: [...s1.train, ...s2.train] };
}

/** A checking stream: its first task, then one era per later task; ACC the mean over every task's test part ("period 1" the first task's, "period 2" the last's). */
function streamPlan(stream: Stream): EraPlan {
  const labels = [...new Set(stream[0].train.map((e) => e.labels[0]))].sort();
  const measure = (m: TextClassifier) => {
    const accs = stream.map((t) => accuracy(m, t.test));
    return { period1: accs[0], period2: accs.at(-1)!, acc: accs.reduce((a, b) => a + b, 0) / accs.length };
  };
  return { first: stream[0].train, eras: stream.slice(1).map((t) => t.train), measure, from: labels[0], to: labels[1], all: stream.flatMap((t) => t.train) };
}

async function runSeed(plan: EraPlan, seed: number, bucket?: number): Promise<SeedResult> {
  const { eras, measure, from, to } = plan;
  const base = await trained(plan.first, seed, bucket);
  const arms: SeedResult['arms'] = {};
  let defaultRun: Learner | null = null;
  for (const [arm, options] of [
    ['gate, weighted (default)', {}],
    ['gate, guard policy (before)', { policy: 'guard' }],
    ['gate off', { gate: false }],
    // (the updates before the table could grow: the same arm with its table kept)
    ['gate, table kept (growTable off)', { growTable: false }],
    // The same update without the domain-incremental regime (domainIncremental.ts), gate on.
    ['gate, general defaults (domainReplay false)', { domainReplay: false }],
  ] as [string, UpdateOptions][]) {
    const l = copy(base);
    const codes: string[][] = [];
    let accepted = 0;
    for (const era of eras) {
      const d = update(l.model, era, { ...options, memory: l.memory, seed });
      codes.push(d.reasons.map((r) => r.code));
      if (d.accepted) accepted++;
    }
    arms[arm] = { ...measure(l.model), accepted, codes, bucket: l.model.config.bucket };
    if (arm.startsWith('gate, weighted')) defaultRun = l;
  }
  const retrain = await trained(plan.all, seed);
  arms['retrain on all'] = { ...measure(retrain.model), accepted: 0, codes: [], bucket: retrain.model.config.bucket };
  // Poisoned copies of the last era, each sent to the default run's final model.
  const last = eras.at(-1)!;
  const labels = new Rng(seed + 7).shuffle(last.map((e) => e.labels));
  const poisons: Record<string, Example[]> = {
    'shuffled labels': last.map((e, i) => ({ ...e, labels: labels[i] })),
    [`targeted flip (${from} -> ${to})`]: last.map((e) => (e.labels[0] === from ? { ...e, labels: [to] } : e)),
    [`trigger token (1 in 3 ${from}, labelled ${to})`]: last.map((e, i) => (e.labels[0] === from && i % 3 === 0 ? { text: `${e.text} qzxjv`, labels: [to] } : e)),
  };
  const attacks: SeedResult['attacks'] = {};
  for (const [name, data] of Object.entries(poisons)) {
    const l = copy(defaultRun!);
    const d = update(l.model, data, { memory: l.memory, seed });
    attacks[name] = { accepted: d.accepted, codes: d.reasons.map((r) => r.code) };
  }
  return { seed, arms, attacks, firstTask: plan.first.length };
}

/** The checking streams this bench takes with --stream (domain-incremental: the same labels throughout). */
const STREAMS: Record<string, string> = { 'first-names': 'first names', 'sotu-party': 'SOTU party by era' };

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seeds: { type: 'string', default: '1,2,3' }, stream: { type: 'string' }, out: { type: 'string' }, bucket: { type: 'string' } } });
  // --bucket N: the first model's table (the retrain's stays fitted), as an update that grows the table would have it.
  const bucket = values.bucket === undefined ? undefined : Number(values.bucket);
  if (bucket !== undefined && !(Number.isInteger(bucket) && bucket > 0)) throw new Error(`--bucket takes a positive integer, got "${values.bucket}"`);
  const machine = describeMachine(fileURLToPath(new URL('../../..', import.meta.url)));
  const name = values.stream;
  if (name !== undefined && !(name in STREAMS)) throw new Error(`--stream takes ${Object.keys(STREAMS).join(' or ')}, got "${name}"`);
  const check = name === undefined ? null : CHECK_STREAMS.find((c) => c.name === STREAMS[name])!;
  const all = check ? [] : (await loadDataset('spam-assassin')).examples;
  const results: SeedResult[] = [];
  for (const seed of values.seeds!.split(',').map(Number)) {
    results.push(await runSeed(check ? streamPlan(check.build(seed)) : spamPlan(all, seed), seed, bucket));
    process.stderr.write(`seed ${seed}: ${JSON.stringify(results.at(-1))}\n`);
  }
  const { md, json } = resultsPath(values.out ?? (name ? `drift.${name}` : 'drift'));
  const load = { start: machine.loadAverage, end: Math.round(loadavg()[0] * 100) / 100 };
  writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), machine, load, results }, null, 1) + '\n');
  const text = [...(check ? streamIntro(check.name, check.describe, results) : SPAM_INTRO), ...(bucket === undefined ? [] : ['', `The first model's table is forced to ${bucket.toLocaleString('en-US')} rows (\`--bucket\`), as an update that grows the table would leave it; the retrain's is fitted to all the data.`])];
  writeFileSync(md, render(text, results, `Machine: ${machine.nproc} CPUs, Node ${machine.node}, accrete ${machine.accrete}, ${machine.date}; load average (1 min) ${load.start} at the start, ${load.end} at the end (CPUs shared with other runs: ACC does not depend on it).`));
  process.stderr.write(`wrote ${md}\n`);
}

const SPAM_INTRO = [
  '# Drift: SpamAssassin in time order (domain-incremental), gate policies and attacks',
  '',
  'Era 1: the first collection period (80% trained, defaults fitted to the data, 2% held out as',
  "the guard); eras 2-4: the second period's training part, shuffled, in thirds. ACC: mean of the",
  "accuracies on both periods' held-out 20% after the last era. No constant of the gate was chosen",
  "on this stream except the trigger check's: its plant rate (5%, and 3x a never-seen control token) and",
  "asking texts the candidate did not train on first were set after this trigger got through on every",
  'seed (planted in 9-22% of held-out ham, the control 1-2%): the trigger row is a tuning figure here;',
  'gate.attacks.test.ts checks the rule on generated data. The label-flip check\'s FLIP_TRANSFER (0.1)',
  "was set between the targeted flip's figure on seed 1 here (0.53) and the drift of 20-task",
  'SpamAssassin (0.034 at most), with the flips of gate.attacks.test.ts (0.19-1.01): the flip row is',
  "partly a tuning figure too. Its FLIP_TYPICAL (0.25) was set on first names (a flip at 0.34-0.60 on",
  "seeds 1-5, that stream's own errors at 0.05-0.17). The update's domain-incremental regime",
  '(domainIncremental.ts: no new label, 200+ examples) was chosen on seeds 4-5 of SOTU party, first',
  'names and this stream; seeds 1-3 here are checking figures for it.',
];

function streamIntro(name: string, describe: string, results: readonly SeedResult[]): string[] {
  return [
    `# Drift: ${name} (domain-incremental), gate policies and attacks`,
    '',
    `A checking stream of bench:incremental (${describe}).`,
    "No constant of the gate was chosen on it except two set on first names (seeds 1-5, tables of 2,000 and 10,000 rows): the label-flip check's FLIP_TYPICAL (0.25) and the trigger check's rule where the control token flips many (plantedFlips).",
    "The update's domain-incremental regime (domainIncremental.ts) was chosen on seeds 4-5 of SOTU party, first names and SpamAssassin: seeds 1-3 are checking figures for it.",
    `Task 1 is trained as \`accrete train\` trains (defaults fitted to the data; ${results.map((r) => r.firstTask).join(', ')} training examples per seed), the later tasks arrive as eras.`,
    'A first task under 1,500 examples holds out no guard: the gate then judges on a guard drawn from the replay memory.',
    'ACC: the mean accuracy over every task\'s test part after the last era; "period 1" is the first task\'s test part, "period 2" the last\'s.',
    'The attacks poison the last era and go to the default run\'s final model.',
  ];
}

function render(intro: readonly string[], results: readonly SeedResult[], machineLine: string): string {
  const arms = Object.keys(results[0].arms);
  const lines = [
    ...intro,
    '',
    machineLine,
    '',
    '| arm | ACC (median) | period 1 | period 2 | per seed ACC | eras accepted | table rows at the end | reasons per era (seed 1) |',
    '|---|---:|---:|---:|---|---:|---|---|',
  ];
  for (const arm of arms) {
    const m = (k: 'acc' | 'period1' | 'period2') => pct(median(results.map((r) => r.arms[arm][k])));
    lines.push(`| ${arm} | ${m('acc')} | ${m('period1')} | ${m('period2')} | ${results.map((r) => pct(r.arms[arm].acc)).join(', ')} | ${results.map((r) => r.arms[arm].accepted).join(', ')} | ${results.map((r) => r.arms[arm].bucket ?? '-').join(', ')} | ${results[0].arms[arm].codes.map((c) => c.join('+') || 'ok').join(' / ')} |`);
  }
  lines.push('', '## Poisoned last era, sent to the default run', '', '| attack | rejected (per seed) | reasons |', '|---|---|---|');
  for (const name of Object.keys(results[0].attacks)) {
    lines.push(`| ${name} | ${results.map((r) => (r.attacks[name].accepted ? 'ACCEPTED' : 'rejected')).join(', ')} | ${results.map((r) => r.attacks[name].codes.join('+')).join(' / ')} |`);
  }
  return lines.join('\n') + '\n';
}

await main();
