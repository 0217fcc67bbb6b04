/** Corpora, hyperparameters and the paradigm variants each section compares. */
import type { Config } from '../../config.js';
import type { Paradigm } from '../../compare/paradigms.js';

export function wordnetConfig(quick: boolean): Partial<Config> {
  return { dim: 100, epoch: 5, lr: 0.5, wordNgrams: 2, bucket: quick ? 200_000 : 2_000_000, seed: 1 };
}

export const SPAM_CONFIG: Partial<Config> = { dim: 50, epoch: 5, lr: 0.5, wordNgrams: 2, bucket: 500_000, seed: 1 };

/** A paradigm of the comparison, with what the benchmark needs to know about it. */
export interface Variant extends Paradigm {
  /** A short note shown under the table. */
  note?: string;
}

const GATE_OFF = { gate: false } as const;

/** The rows every stream section shares. */
function core(): Variant[] {
  return [
    { name: 'retrain', kind: 'retrain' },
    { name: 'fresh', kind: 'fresh' },
    { name: 'decay', kind: 'decay' },
    // No forgetting control at all: no replay, no gate, no logit adjustment, no weight aligning.
    { name: 'naive continued training', kind: 'incremental', update: { replay: 0, gate: false, balance: 0, align: false } },
    { name: 'incremental, defaults (gate on)', kind: 'incremental' },
    { name: 'incremental, gate off', kind: 'incremental', update: { ...GATE_OFF } },
  ];
}

export function wordnetVariants(quick: boolean): Variant[] {
  const rows: Variant[] = [
    ...core(),
    {
      name: 'incremental, defaults, guard from the replay memory (no guard held out)',
      kind: 'incremental',
      guard: 0,
      note: 'no guard held out: task 1 trains on all its examples and the gate judges on examples held out of the replay memory, which the model trained on (memorised), as it did before the guard was held out; every other incremental row holds 2% of task 1 (at most 300) out of training as its guard, as `accrete train` does',
    },
    { name: 'incremental, class-incremental gate (maxDrop 0.1, labelTolerance 0.3)', kind: 'incremental', update: { maxDrop: 0.1, labelTolerance: 0.3 } },
    {
      name: 'incremental, replay ratio 0.5 (gate on)',
      kind: 'incremental',
      update: { replayRatio: 0.5 },
      note: 'replay ratio 0.5: each round replays half as many old examples as it trains new ones (the default is as many): rounds a quarter shorter, more forgetting',
    },
    { name: 'incremental, replay 10000, gate off', kind: 'incremental', replay: 10_000, update: { ...GATE_OFF } },
    { name: 'incremental, balance 1 (the exact logit adjustment; the default is 1.5), gate off', kind: 'incremental', update: { balance: 1, ...GATE_OFF } },
    { name: 'incremental + ewc 100, gate off', kind: 'incremental', update: { ewc: 100, ...GATE_OFF } },
    { name: 'incremental + distill 1, gate off', kind: 'incremental', update: { distill: 1, ...GATE_OFF } },
  ];
  if (!quick) {
    for (const select of ['head', 'new-rows', 'layerwise', 'topk-grad:0.2', 'low-fisher:0.5']) {
      rows.push({ name: `incremental, select ${select}, gate off`, kind: 'incremental', update: { select, ...GATE_OFF } });
    }
    rows.push({
      name: 'incremental, select new-rows, gate off, memory.seen from train()',
      kind: 'incremental',
      update: { select: 'new-rows', ...GATE_OFF },
      passSeen: true,
      note: 'runParadigm with passSeen: buildMemory gets the `seen` rows train() returns, as `accrete train` does; without them new-rows cannot tell unseen hashed rows from seen ones',
    });
  }
  return rows;
}

export function spamVariants(): Variant[] {
  return core();
}
