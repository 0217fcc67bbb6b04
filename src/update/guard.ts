/**
 * The gate's default guard: a few examples kept out of training so they stand for what the model
 * knew. Examples the model trained on overstate it (it memorised them), and an update on more of
 * the same kind of data wears that memory off: on WordNet with 200,000 buckets an update with the
 * second half of the data raised test accuracy from 72.6% to 74.5%, yet accuracy on a guard held
 * out of the replay memory fell from 87.7% to 80.3% and the gate rejected it. With 300 examples
 * held out of training instead, the same update was accepted (72.5% -> 75.7%).
 */
import type { Example } from '../data/example.js';
import { splitTrainTest } from '../datasets/split.js';

/** Share of the training data held out as the guard when no validation data is given. */
export const GUARD_SHARE = 0.02;
/** The most guard examples kept (the gate scores them before and after every update). */
export const MAX_GUARD = 300;
/** Fewer than this and a guard cannot tell forgetting from noise: none is held out. */
export const MIN_GUARD = 30;
/** The fewest training examples that get a guard held out (2% of them must reach MIN_GUARD). */
export const MIN_GUARDED_EXAMPLES = Math.ceil(MIN_GUARD / GUARD_SHARE);

/** How many of `n` training examples to hold out as the guard: 2%, at most 300, none below 30. */
export function guardSize(n: number): number {
  const k = Math.min(MAX_GUARD, Math.floor(n * GUARD_SHARE));
  return k >= MIN_GUARD ? k : 0;
}

/** Splits a stratified, seeded sample of about `size` examples off `examples` to serve as the guard. */
export function holdOutGuard(examples: readonly Example[], seed: number, size = guardSize(examples.length)): { train: Example[]; guard: Example[] } {
  if (size <= 0 || examples.length === 0) return { train: [...examples], guard: [] };
  const { train, test } = splitTrainTest(examples, Math.min(0.5, size / examples.length), seed);
  return { train, guard: test };
}

/**
 * The guard after an accepted update offered `candidates`: examples it held out of training (its
 * validation part), so the gate goes on to watch the labels that update taught, not only those of
 * the first training. Each label (an example's first) keeps up to an equal share of MAX_GUARD,
 * examples already there first (the gate keeps comparing like with like); room a label does not
 * use goes to the others. Returns the new guard and the examples left out of it, offered ones
 * included: those may be trained on (replayed) from now on.
 */
export function growGuard(guard: readonly Example[], candidates: readonly Example[], max = MAX_GUARD): { guard: Example[]; leftOut: Example[] } {
  const all = [...guard, ...candidates];
  const byLabel = new Map<string, Example[]>();
  for (const e of all) {
    const label = e.labels[0] ?? '';
    let list = byLabel.get(label);
    if (!list) byLabel.set(label, (list = []));
    list.push(e);
  }
  // Water-filling: the largest per-label share q such that sum(min(count, q)) fits in max.
  const counts = [...byLabel.values()].map((l) => l.length).sort((a, b) => a - b);
  let room = max;
  let share = Infinity;
  for (let i = 0; i < counts.length; i++) {
    const even = Math.floor(room / (counts.length - i));
    if (counts[i] > even) {
      share = even;
      break;
    }
    room -= counts[i];
  }
  const kept = new Set<Example>();
  for (const list of byLabel.values()) for (const e of list.slice(0, share)) kept.add(e);
  // What the floor left over goes to labels in order, one each, so the guard is as full as it can be.
  for (const list of byLabel.values()) {
    if (kept.size >= max) break;
    const next = list.find((e) => !kept.has(e));
    if (next) kept.add(next);
  }
  return { guard: all.filter((e) => kept.has(e)), leftOut: all.filter((e) => !kept.has(e)) };
}
