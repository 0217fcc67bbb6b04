/**
 * Streams of tasks (design.md): each task has its own train and test part. Built from one labelled
 * set by time, by label groups (class-incremental) or into equal chunks; seeded and reproducible.
 */
import type { Example } from '../data/example.js';
import { splitTrainTest } from '../datasets/split.js';
import { Rng } from '../util/rng.js';

export interface Task {
  name: string;
  train: Example[];
  test: Example[];
}

export type Stream = Task[];

/** Splits each group into train and test (stratified, seeded). */
function tasksOf(groups: [string, Example[]][], testFraction: number, seed: number): Stream {
  return groups.map(([name, examples], i) => ({ name, ...rename(splitTrainTest(examples, testFraction, seed + i)) }));
}

const rename = ({ train, test }: { train: Example[]; test: Example[] }) => ({ train, test });

/** One task per distinct `time` value, in sorted order (examples without a time go first). */
export function byTime(examples: readonly Example[], testFraction = 0.2, seed = 0): Stream {
  const groups = new Map<string, Example[]>();
  for (const e of examples) {
    const key = e.time ?? '';
    const list = groups.get(key) ?? [];
    list.push(e);
    groups.set(key, list);
  }
  const keys = [...groups.keys()].sort((a, b) => (Number(a) - Number(b)) || a.localeCompare(b));
  return tasksOf(keys.map((k) => [`time ${k}`, groups.get(k)!]), testFraction, seed);
}

/** Class-incremental: labels (by first label) shuffled with `seed` and dealt into `tasks` groups. */
export function byClasses(examples: readonly Example[], tasks: number, testFraction = 0.2, seed = 0): Stream {
  const labels = [...new Set(examples.map((e) => e.labels[0]))].sort();
  new Rng(seed).shuffle(labels);
  const taskOf = new Map<string, number>();
  labels.forEach((l, i) => taskOf.set(l, Math.floor((i * tasks) / labels.length)));
  const groups: [string, Example[]][] = Array.from({ length: tasks }, (_, t) => [`classes ${t + 1}`, []]);
  for (const e of examples) groups[taskOf.get(e.labels[0])!][1].push(e);
  return tasksOf(groups, testFraction, seed);
}

/** `tasks` chunks of equal size in the given order. */
export function byChunks(examples: readonly Example[], tasks: number, testFraction = 0.2, seed = 0): Stream {
  const size = Math.ceil(examples.length / tasks);
  const groups: [string, Example[]][] = Array.from({ length: tasks }, (_, t) => [`chunk ${t + 1}`, examples.slice(t * size, (t + 1) * size)]);
  return tasksOf(groups, testFraction, seed);
}
