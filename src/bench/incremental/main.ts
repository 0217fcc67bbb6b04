#!/usr/bin/env node
/**
 * `npm run bench:incremental`: does incremental learning hold up against retraining? Four sections:
 *   wordnet   class-incremental WordNet (5 groups of labels), every paradigm and update variant
 *   spam      SpamAssassin in time order (2 periods)
 *   ab        train(A) then update(B) versus train(A+B), both corpora
 *   feedback  one-example updates with a never-seen label: latency, learning, guard accuracy
 * Flags: --quick (WordNet bucket 200,000, no selection variants, 1 repeat), --only S[,S...].
 * --checking: instead, the update defaults on the checking streams (checking.ts), written to
 * bench/results/incremental.checking.md and .json.
 * --new-label: instead, 50 examples of a new label on SpamAssassin models (newLabel.ts), written to
 * bench/results/incremental.newlabel.md and .json.
 * --stream20: instead, the 20-task streams of issue 14 item 7 (stream20.ts; with --only spam or
 * --only wordnet, one of them), written to bench/results/incremental.stream20[.quick].md and .json.
 * --split-seeds 1,2,3 (with --stream20): also retrain and the defaults (gate on) on the streams
 * split with seeds 2 and 3, ACC and rejections per seed and their median (costs: seed 1 only).
 * Prints the markdown to stdout and writes bench/results/incremental.md and .json (a quick run:
 * incremental.quick.*; a run of some sections: incremental[.quick].only-<sections>.*, so a partial
 * run never overwrites the full results). Progress goes to stderr.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { byClasses, byTime, type Stream } from '../../compare/stream.js';
import { loadDataset } from '../../datasets/index.js';
import type { Example } from '../../data/example.js';
import { DEFAULT_REPLAY } from '../../update/memory.js';
import { enableExplicitGc, releaseMemory } from '../../util/gc.js';
import { describeMachine } from '../machine.js';
import { aThenB, type AbResult } from './abtest.js';
import { SPAM_CONFIG, spamVariants, wordnetConfig, wordnetVariants } from './configs.js';
import { feedbackLatency, type FeedbackResult } from './feedback.js';
import { parseOptions } from './options.js';
import { abSection, feedbackSection, header, seedSection, streamSection, type StreamSection } from './render.js';
import { seedSpread, type SeedSpread } from './seeds.js';
import { describeStream, runStreamBench } from './streams.js';
import { stream20, stream20Section, type Stream20Result } from './stream20.js';
import { CHECK_SEEDS, CHECK_STREAMS, runChecking } from './checking.js';
import { checkingSection } from './checkRender.js';
import { newLabelBench, newLabelSection } from './newLabel.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

async function main(): Promise<number> {
  enableExplicitGc();
  const opts = parseOptions(process.argv.slice(2));
  const machine = describeMachine(ROOT);
  const started = performance.now();
  const wnCfg = wordnetConfig(opts.quick);
  const want = (s: string) => opts.sections.includes(s as never);
  const suffix = `${opts.quick ? '.quick' : ''}${opts.sections.length < 4 ? `.only-${opts.sections.join('-')}` : ''}`;
  const outDir = join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  if (opts.stream20) return runStream20(opts, machine, outDir);
  if (opts.checking) return runCheckingStreams(machine, outDir);
  if (opts.newLabel) {
    const rows = await newLabelBench(CHECK_SEEDS, (s) => console.error(`bench:incremental --new-label: ${s}`));
    const md = `${newLabelSection(rows)}\nLoad average (1 min) at the end: ${round2(loadavg()[0])} (2 CPUs).\n`;
    writeFileSync(join(outDir, 'incremental.newlabel.md'), md);
    writeFileSync(join(outDir, 'incremental.newlabel.json'), JSON.stringify({ machine, rows }, null, 1));
    process.stdout.write(md);
    return 0;
  }

  let wordnet: Example[] | null = null;
  let spam: Example[] | null = null;
  let wnStream: Stream | null = null;
  if (want('wordnet') || want('ab') || want('feedback')) {
    console.error('bench:incremental: loading wordnet');
    wordnet = (await loadDataset('wordnet')).examples;
    wnStream = byClasses(wordnet, 5, 0.2, 1);
  }
  if (want('spam') || want('ab')) {
    console.error('bench:incremental: loading spam-assassin');
    spam = (await loadDataset('spam-assassin')).examples;
  }

  const results: {
    wordnet?: StreamSection & { baseline: number[] };
    wordnetSeeds?: SeedSpread;
    spam?: StreamSection & { baseline: number[] };
    ab?: AbResult[];
    feedback?: FeedbackResult;
  } = {};
  const parts: string[] = [];
  /** 1-minute load average at the start and end of each section: timings under load mean little. */
  const loads: Record<string, { start: number; end: number }> = {};
  const loadNote = (key: string) => `Load average (1 min) ${loads[key].start} at the start of this section, ${loads[key].end} at its end (2 CPUs).`;
  const begin = (key: string) => (loads[key] = { start: round2(loadavg()[0]), end: NaN });
  const end = (key: string) => (loads[key].end = round2(loadavg()[0]));
  const cfgText = (c: object) => Object.entries(c).map(([k, v]) => `${k} ${v}`).join(', ');

  const write = () => {
    const md = [header(machine, opts.quick, opts.sections, round2(loadavg()[0]), performance.now() - started), '', ...parts].join('\n');
    writeFileSync(join(outDir, `incremental${suffix}.md`), md);
    const json = {
      machine,
      options: opts,
      configs: { wordnet: wnCfg, spam: SPAM_CONFIG },
      loadAverageEnd: round2(loadavg()[0]),
      loads,
      totalMs: performance.now() - started,
      results,
    };
    writeFileSync(join(outDir, `incremental${suffix}.json`), JSON.stringify(json, null, 1));
    return md;
  };
  /** A stream section done: its closing notes, its result kept and written out. */
  const finishStream = (key: 'wordnet' | 'spam', s: StreamSection & { baseline: number[] }) => {
    s.notes.push(PARAMS_NOTE);
    end(key);
    s.notes.push(loadNote(key));
    results[key] = s;
    parts.push(streamSection(s));
    write();
    releaseMemory();
  };

  if (want('wordnet')) {
    begin('wordnet');
    const s = await runStreamBench({
      key: 'wordnet',
      title: 'Class-incremental WordNet',
      stream: wnStream!,
      variants: wordnetVariants(opts.quick),
      cfg: wnCfg,
      accPoints: 2,
      showBwtTarget: true,
    });
    s.description =
      `Stream: byClasses(wordnet, 5 tasks, test 0.2, seed 1): ${describeStream(wnStream!)}. ` +
      `Config: ${cfgText(wnCfg)}. Paradigms through runParadigm (src/compare/paradigms.ts; incremental memory: buildMemory on task 1, capacity ${DEFAULT_REPLAY.toLocaleString('en-US')} (DEFAULT_REPLAY) unless said). ` +
      `Targets: ACC within 2 points of retrain (at least retrain − 2), BWT no more than 3 points below retrain's, last update ≤ 10% of retrain's wall time, naive continued training forgets.`;
    const naive = s.metrics.find((m) => m.paradigm.startsWith('naive'));
    s.notes.unshift(
      `"+ ewc 100" and "+ distill 1" are each on top of "incremental, gate off" (the default replay memory), not of the replay-10000 row. Select variants: gate off, the default replay memory.`,
      `FWT baseline b_j = 1/(labels known after task j): ${s.baseline.map((b) => b.toFixed(4)).join(', ')}.`,
      ...(naive ? [`Naive continued training ${naive.forgetting > 0.01 ? 'shows' : 'does **not** show'} forgetting: mean forgetting ${(naive.forgetting * 100).toFixed(2)} points, BWT ${(naive.bwt * 100).toFixed(2)}.`] : []),
    );
    finishStream('wordnet', s);
    if (!opts.quick) {
      // The same comparison over two more seeds, for the main rows: how much of a difference is noise.
      begin('seeds');
      const rows = wordnetVariants(false).filter((v) => SEED_ROWS.includes(v.name));
      const spread = await seedSpread(wordnet!, wnCfg, rows, [2, 3]);
      const first = rows.map((v) => s.metrics.find((m) => m.paradigm === v.name)!);
      spread.rows.unshift({ seed: 1, results: first.map((m) => ({ acc: m.acc, bwt: m.bwt, accepted: m.accepted?.accepted ?? 0, updates: m.accepted?.of ?? 0 })) });
      end('seeds');
      results.wordnetSeeds = spread;
      parts.push(seedSection(spread, loadNote('seeds')));
      write();
      releaseMemory();
    }
  }

  if (want('spam')) {
    begin('spam');
    const stream = byTime(spam!, 0.2, 1);
    const s = await runStreamBench({
      key: 'spam',
      title: 'SpamAssassin in time order',
      stream,
      variants: spamVariants(),
      cfg: SPAM_CONFIG,
      accPoints: 1,
      showBwtTarget: false,
    });
    s.description = `Stream: byTime(spam-assassin, test 0.2, seed 1): ${describeStream(stream)}. Config: ${cfgText(SPAM_CONFIG)}. Target: incremental ACC ≥ retrain ACC − 1 point.`;
    s.notes.unshift(`FWT baseline b_j = 1/(labels known after task j): ${s.baseline.map((b) => b.toFixed(4)).join(', ')}.`);
    finishStream('spam', s);
  }

  if (want('ab')) {
    begin('ab');
    results.ab = [];
    console.error('ab: wordnet');
    results.ab.push(await aThenB('wordnet', wordnet!, wnCfg, opts.repeats));
    releaseMemory();
    console.error('ab: spam-assassin');
    results.ab.push(await aThenB('spam-assassin', spam!, SPAM_CONFIG, opts.repeats));
    releaseMemory();
    end('ab');
    parts.push(abSection(results.ab, opts.repeats, [`Configs: wordnet ${cfgText(wnCfg)}; spam-assassin ${cfgText(SPAM_CONFIG)}.`, loadNote('ab')]));
    write();
  }

  if (want('feedback')) {
    begin('feedback');
    console.error('feedback: training the base model');
    results.feedback = await feedbackLatency(wnStream!, wnCfg, 10);
    end('feedback');
    parts.push(feedbackSection(results.feedback, wnCfg.bucket!), loadNote('feedback'), '');
    releaseMemory();
  }

  const md = write();
  process.stdout.write(`${md}\n`);
  console.error(`bench:incremental: done in ${((performance.now() - started) / 60000).toFixed(1)} min; wrote bench/results/incremental${suffix}.md and .json`);
  return 0;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

async function runStream20(opts: ReturnType<typeof parseOptions>, machine: ReturnType<typeof describeMachine>, outDir: string): Promise<number> {
  const started = performance.now();
  const names = (['spam', 'wordnet'] as const).filter((s) => opts.sections.includes(s));
  const results: Stream20Result[] = [];
  const load = [round2(loadavg()[0])];
  for (const name of names) {
    results.push(await stream20(name, opts.quick, (s) => console.error(`bench:incremental --stream20: ${s}`), opts.splitSeeds));
    load.push(round2(loadavg()[0]));
  }
  const md = [
    '# bench:incremental --stream20: update cost on 20-task streams (issue 14 item 7)',
    '',
    `Machine: ${JSON.stringify(machine)}. Load average (1 min) ${load.join(' -> ')} (2 CPUs): wall times under load are inflated. ${((performance.now() - started) / 60000).toFixed(1)} min in all.`,
    '',
    `Split seed${opts.splitSeeds.length > 1 ? 's' : ''} ${opts.splitSeeds.join(', ')}: every table of costs is on split seed 1 only${opts.splitSeeds.length > 1 ? '; the other seeds give ACC and rejections (the tables "split seeds" under each stream)' : ''}.`,
    '',
    ...results.map(stream20Section),
    '',
  ].join('\n');
  const base = `incremental.stream20${opts.quick ? '.quick' : ''}${names.length < 2 ? `.only-${names[0]}` : ''}`;
  writeFileSync(join(outDir, `${base}.md`), md);
  writeFileSync(join(outDir, `${base}.json`), JSON.stringify({ machine, options: opts, load, results }, null, 1));
  process.stdout.write(md);
  return 0;
}

/** --checking: the update defaults on streams and seeds they were not chosen on (checking.ts). */
async function runCheckingStreams(machine: ReturnType<typeof describeMachine>, outDir: string): Promise<number> {
  const started = performance.now();
  const load = [round2(loadavg()[0])];
  const rows = await runChecking(CHECK_STREAMS, CHECK_SEEDS, (s) => console.error(`bench:incremental --checking: ${s}`));
  load.push(round2(loadavg()[0]));
  const md = [
    '# bench:incremental --checking: update defaults on streams they were not chosen on (issue 17 item 5)',
    '',
    `Machine: ${JSON.stringify(machine)}. Load average (1 min) ${load.join(' -> ')} (2 CPUs). ${((performance.now() - started) / 60000).toFixed(1)} min in all.`,
    'Tuning stream: class-incremental WordNet, seeds 1-3 (incremental.md). Checking streams: below, seeds ' + CHECK_SEEDS.join(', ') + '.',
    '',
    checkingSection(CHECK_STREAMS, rows),
  ].join('\n');
  writeFileSync(join(outDir, 'incremental.checking.md'), md);
  writeFileSync(join(outDir, 'incremental.checking.json'), JSON.stringify({ machine, load, rows }, null, 1));
  process.stdout.write(md);
  return 0;
}

/** The class-incremental rows run again over more seeds. */
const SEED_ROWS = ['retrain', 'incremental, defaults (gate on)', 'incremental, gate off', 'incremental, replay ratio 0.5 (gate on)'];

const PARAMS_NOTE =
  '"params changed" is runParadigm\'s count: the values the update changed + grown rows × dim; the values already include the rows the update grew ' +
  '(update() journals rows after growing them), so grown rows count twice; for a rejected update it is what the discarded candidate changed.';

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
