/**
 * "A then B" versus "A+B": the train part of a corpus (80/20 split, seed 1) shuffled and halved;
 * one model trained on both halves, another trained on A then updated with B (with its memory of
 * A, as `accrete train` then `accrete update` would: 2% of A, at most 300, held out as the guard), the
 * gate on and off.
 */
import { DEFAULTS, type Config } from '../../config.js';
import type { Example } from '../../data/example.js';
import { splitTrainTest } from '../../datasets/index.js';
import { holdOutGuard } from '../../update/guard.js';
import { evaluate } from '../../eval/evaluate.js';
import { train } from '../../learn/train.js';
import { buildMemory } from '../../update/memory.js';
import { update, type UpdateOptions } from '../../update/update.js';
import { releaseMemory } from '../../util/gc.js';
import { Rng } from '../../util/rng.js';
import { median } from '../table.js';
import { summarize, type DecisionSummary } from './runner.js';

export interface AbRow {
  variant: string;
  accuracy: number;
  /** Accuracy of each repeat (they should all be equal: seeded). */
  accuracies: number[];
  /** Points against train(A+B). */
  deltaPoints: number;
  ms: number;
  msRuns: number[];
  /** Wall time / train(A+B)'s. */
  vsJoint: number;
  decision: DecisionSummary | null;
}

export interface AbResult {
  corpus: string;
  sizes: { a: number; b: number; test: number };
  rows: AbRow[];
}

const log = (s: string) => console.error(`  ${s}`);

export async function aThenB(corpus: string, examples: readonly Example[], cfg: Partial<Config>, repeats: number): Promise<AbResult> {
  const { train: trainPart, test } = splitTrainTest(examples, 0.2, 1);
  const shuffled = new Rng(1).shuffle([...trainPart]);
  const half = Math.floor(shuffled.length / 2);
  const A = shuffled.slice(0, half);
  const B = shuffled.slice(half);
  const rows: AbRow[] = [];

  // train(A+B), timed `repeats` times.
  const jointMs: number[] = [];
  const jointAcc: number[] = [];
  for (let r = 0; r < repeats; r++) {
    releaseMemory();
    const t0 = performance.now();
    const { model } = await train([...A, ...B], cfg);
    jointMs.push(performance.now() - t0);
    jointAcc.push(evaluate(model, test).accuracy);
    log(`${corpus}: train(A+B) #${r + 1}: ${(jointMs[r] / 1000).toFixed(2)} s, accuracy ${jointAcc[r].toFixed(4)}`);
  }
  releaseMemory();
  const joint = median(jointMs);
  rows.push({ variant: 'train(A+B)', accuracy: jointAcc[0], accuracies: jointAcc, deltaPoints: 0, ms: joint, msRuns: jointMs, vsJoint: 1, decision: null });

  // As `accrete train` does: a small guard held out of A, so the gate judges on examples the model did not train on.
  const { train: aTrain, guard } = holdOutGuard(A, cfg.seed ?? DEFAULTS.seed);
  const t0 = performance.now();
  const trainedA = await train(aTrain, cfg);
  const aMs = performance.now() - t0;
  const modelA = trainedA.model;
  const accA = evaluate(modelA, test).accuracy;
  log(`${corpus}: train(A): ${(aMs / 1000).toFixed(2)} s, accuracy ${accA.toFixed(4)}`);
  rows.push({ variant: 'train(A) only', accuracy: accA, accuracies: [accA], deltaPoints: (accA - jointAcc[0]) * 100, ms: aMs, msRuns: [aMs], vsJoint: aMs / joint, decision: null });

  const variants: [string, UpdateOptions][] = [
    ['train(A), then update(B), defaults (gate on)', {}],
    ['train(A), then update(B), gate off', { gate: false }],
  ];
  for (const [name, opts] of variants) {
    const ms: number[] = [];
    const accs: number[] = [];
    let decision: DecisionSummary | null = null;
    for (let r = 0; r < repeats; r++) {
      releaseMemory();
      const model = modelA.clone();
      const memory = buildMemory(model, aTrain, { seen: trainedA.seen, guard });
      const s = performance.now();
      const result = update(model, B, { ...opts, memory });
      ms.push(performance.now() - s);
      accs.push(evaluate(model, test).accuracy);
      decision ??= summarize(result.report);
      log(`${corpus}: ${name} #${r + 1}: ${ms[r].toFixed(0)} ms, ${result.accepted ? 'accepted' : 'rejected'}, accuracy ${accs[r].toFixed(4)}`);
    }
    rows.push({ variant: name, accuracy: accs[0], accuracies: accs, deltaPoints: (accs[0] - jointAcc[0]) * 100, ms: median(ms), msRuns: ms, vsJoint: median(ms) / joint, decision });
  }
  return { corpus, sizes: { a: A.length, b: B.length, test: test.length }, rows };
}
