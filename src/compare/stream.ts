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

const byTimeValue = (a: string, b: string) => (Number(a) - Number(b)) || a.localeCompare(b);

/**
 * Tasks in time order. Without `tasks`: one task per distinct `time` value, in sorted order (examples
 * without a time go first). With `tasks` = N of at least the number of distinct times: each time
 * value gets tasks in proportion to its examples (at least one; D'Hondt), and its examples are cut
 * into that many tasks of equal size, so no task mixes periods. With fewer tasks than time values:
 * the examples in time order cut into N tasks of equal size. Examples that share a time value are in
 * no particular order, so they are shuffled with `seed` before any cut (SpamAssassin's periods list
 * ham before spam).
 * @example byTime(spam, 0.2, 1, 4).map((t) => t.name) // ['time 1 (1/2)', 'time 1 (2/2)', 'time 2 (1/2)', 'time 2 (2/2)']
 */
export function byTime(examples: readonly Example[], testFraction = 0.2, seed = 0, tasks?: number): Stream {
  const groups = new Map<string, Example[]>();
  for (const e of examples) {
    const key = e.time ?? '';
    const list = groups.get(key) ?? [];
    list.push(e);
    groups.set(key, list);
  }
  const keys = [...groups.keys()].sort(byTimeValue);
  if (tasks === undefined) return tasksOf(keys.map((k) => [`time ${k}`, groups.get(k)!]), testFraction, seed);
  const rng = new Rng(seed);
  const shuffled = keys.map((k) => rng.shuffle([...groups.get(k)!]));
  if (tasks >= keys.length) {
    const alloc = dHondt(shuffled.map((g) => g.length), tasks);
    const parts = keys.flatMap((k, g) => cut(shuffled[g], alloc[g]).map((p, i): [string, Example[]] => [alloc[g] > 1 ? `time ${k} (${i + 1}/${alloc[g]})` : `time ${k}`, p]));
    return tasksOf(parts, testFraction, seed);
  }
  const ordered = keys.flatMap((k, g) => shuffled[g].map((e) => [k, e] as const));
  const parts = cut(ordered, tasks).map((p): [string, Example[]] => {
    const first = p[0]?.[0] ?? '-';
    const last = p[p.length - 1]?.[0] ?? '-';
    return [first === last ? `time ${first}` : `time ${first}..${last}`, p.map(([, e]) => e)];
  });
  return tasksOf(parts.map(([, p], t) => [numbered(parts.map(([n]) => n), t), p]), testFraction, seed);
}

/** `items` cut into n contiguous parts of (nearly) equal size. */
function cut<T>(items: readonly T[], n: number): T[][] {
  return Array.from({ length: n }, (_, t) => items.slice(Math.round((t * items.length) / n), Math.round(((t + 1) * items.length) / n)));
}

/** Seats for each size, `seats` >= sizes.length in all, at least one each, in proportion (D'Hondt). */
function dHondt(sizes: readonly number[], seats: number): number[] {
  const alloc = sizes.map(() => 1);
  for (let s = sizes.length; s < seats; s++) {
    let best = 0;
    for (let g = 1; g < sizes.length; g++) if (sizes[g] / alloc[g] > sizes[best] / alloc[best]) best = g;
    alloc[best]++;
  }
  return alloc;
}

/** names[t], with " (k/m)" when m tasks share that name. */
function numbered(names: readonly string[], t: number): string {
  const same = names.filter((n) => n === names[t]).length;
  if (same === 1) return names[t];
  return `${names[t]} (${names.slice(0, t + 1).filter((n) => n === names[t]).length}/${same})`;
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
