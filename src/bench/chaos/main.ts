#!/usr/bin/env node
/**
 * `npm run bench:chaos [-- --quick] [-- --seed N]`: `accrete serve` under chaos, on this machine,
 * with real processes:
 *   1. kill -9 at random points of updates, activations and feedback, then restarts (kills.ts)
 *   2. a full disk, a read-only file system and an I/O error mid-load, through the fault seam (faults.ts)
 *   3. two servers started at once on one registry (race.ts)
 * Writes bench/results/chaos.md and chaos.json (chaos.quick.* with --quick); progress on stderr.
 * Exits 1 when an invariant broke (an acknowledged event lost, two servers up, a 500, a stuck claim...).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonl, plantTexts, tinyModel } from '../../serve/testing.js';
import { describeMachine } from '../machine.js';
import { log } from './common.js';
import { faultScenario } from './faults.js';
import { killScenario } from './kills.js';
import { raceScenario } from './race.js';
import { problems, render, type ChaosResult } from './report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function args(argv: string[]): { quick: boolean; seed: number } {
  const quick = argv.includes('--quick');
  const at = argv.indexOf('--seed');
  const seed = at >= 0 ? Number(argv[at + 1]) : 1;
  if (!Number.isInteger(seed)) throw new Error('--seed takes an integer');
  return { quick, seed };
}

/** Feedback the clients send: training glosses with their labels, and glosses of a label the model lacks (updates the gate accepts). */
function feedbackExamples(): { text: string; label: string }[] {
  const known = jsonl('wordnet3.train.jsonl').map((e) => ({ text: e.text, label: e.labels[0] }));
  const plants = plantTexts(200).map((text) => ({ text, label: 'noun.plant' }));
  return [...known, ...plants];
}

function fuzzNote(): string {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  return scripts['bench:fuzz'] ? '`npm run bench:fuzz` exists: run it on its own (not run here).' : 'Not run: there is no `npm run bench:fuzz` yet.';
}

async function main(): Promise<number> {
  const { quick, seed } = args(process.argv.slice(2));
  const machine = describeMachine(ROOT);
  const dir = mkdtempSync(join(tmpdir(), 'accrete-bench-chaos-'));
  try {
    log('training the tiny model');
    const model = join(dir, 'base');
    await tinyModel(model);
    const examples = feedbackExamples();
    const kills = quick ? 8 : 30;
    log(`1. kill -9 under load: ${kills} kills`);
    const killResult = await killScenario({ dir, model, examples, kills, seed });
    log('2. storage faults mid-load');
    const faultResult = await faultScenario({ dir, model, examples, faultSeconds: quick ? 2 : 4, seed });
    const tries = quick ? 12 : 52;
    log(`3. two servers racing: ${tries} tries`);
    const raceResult = await raceScenario({ dir, model, tries, zombieRestarts: quick ? 3 : 10 });
    const result: ChaosResult = { machine, quick, seed, kills: killResult, faults: faultResult, race: raceResult, fuzz: fuzzNote() };
    const md = render(result);
    process.stdout.write(md);
    const out = join(ROOT, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    const name = quick ? 'chaos.quick' : 'chaos';
    writeFileSync(join(out, `${name}.json`), JSON.stringify({ ...result, problems: problems(result) }, null, 2) + '\n');
    writeFileSync(join(out, `${name}.md`), md);
    const broken = problems(result);
    for (const p of broken) log(`BROKEN: ${p}`);
    return broken.length === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
