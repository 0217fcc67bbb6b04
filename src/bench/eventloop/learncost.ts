#!/usr/bin/env node
/**
 * The wall time of Learner.learn (and Learner.save): a learner trained on 3,000 SpamAssassin
 * e-mails (as bench:eventloop), then 10-e-mail updates (ten spam e-mails as a new label
 * `phishing`, gate off), each timed, and a save after each; the median of RUNS (default 5).
 * Usage: node dist/bench/eventloop/learncost.js [runs]. Prints one line per run and the medians.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Example } from '../../data/example.js';
import { loadDataset } from '../../datasets/index.js';
import { Learner } from '../../learner.js';
import { Rng } from '../../util/rng.js';

const EXAMPLES = 3000;
const RUNS = Number(process.argv[2] ?? 5);

async function main(): Promise<void> {
  const all = new Rng(1).shuffle([...(await loadDataset('spam-assassin')).examples]);
  const examples: Example[] = all.slice(0, EXAMPLES);
  const spam = all.slice(EXAMPLES + 1000).filter((e) => e.labels[0] === 'spam');
  const learner = await Learner.train(examples, { thread: 1, seed: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'learncost-'));
  await learner.save(dir);
  const learnMs: number[] = [];
  const saveMs: number[] = [];
  try {
    for (let r = 0; r < RUNS; r++) {
      const feedback = spam.slice(r * 10, r * 10 + 10).map((e) => ({ text: e.text, labels: ['phishing'] }));
      let t = performance.now();
      const d = await learner.learn(feedback, { gate: false });
      learnMs.push(performance.now() - t);
      t = performance.now();
      const s = await learner.save(dir);
      saveMs.push(performance.now() - t);
      process.stderr.write(`run ${r + 1}: learn ${learnMs[r].toFixed(0)} ms (accepted ${d.accepted}), save ${saveMs[r].toFixed(0)} ms (${s.as})\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  process.stdout.write(`learn: median ${median(learnMs).toFixed(0)} ms of ${RUNS} [${learnMs.map((x) => x.toFixed(0)).join(', ')}]\n`);
  process.stdout.write(`save:  median ${median(saveMs).toFixed(0)} ms of ${RUNS} [${saveMs.map((x) => x.toFixed(0)).join(', ')}]\n`);
}

await main();
