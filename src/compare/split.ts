/**
 * `--split`: how one labelled set becomes a stream of tasks.
 *   time        one task per distinct `time` value, in time order
 *   time:N      N tasks of equal size in time order
 *   classes:K   class-incremental: the labels dealt into K groups (seeded), one task per group
 *   chunks:N    N tasks of equal size in the file's order
 */
import type { Example } from '../data/example.js';
import { UsageError } from '../errors.js';
import { byChunks, byClasses, byTime, type Stream } from './stream.js';

export type SplitSpec = { kind: 'time'; tasks?: number } | { kind: 'classes'; tasks: number } | { kind: 'chunks'; tasks: number };

export const SPLIT_HELP = 'time | time:N | classes:K | chunks:N';

/**
 * Parses a `--split` value.
 * @example parseSplit('classes:5') // { kind: 'classes', tasks: 5 }
 */
export function parseSplit(text: string): SplitSpec {
  const [kind, arg, ...rest] = text.split(':');
  const count = (): number => {
    const n = Number(arg);
    if (arg === undefined || rest.length > 0 || !Number.isInteger(n) || n < 1) {
      throw new UsageError(`--split ${kind} needs a number of tasks >= 1, as in ${kind}:4 (got "${text}")`);
    }
    return n;
  };
  if (kind === 'time') return arg === undefined ? { kind } : { kind, tasks: count() };
  if (kind === 'classes' || kind === 'chunks') return { kind, tasks: count() };
  throw new UsageError(`unknown --split "${text}"; expected ${SPLIT_HELP}`);
}

export function formatSplit(s: SplitSpec): string {
  return s.tasks === undefined ? s.kind : `${s.kind}:${s.tasks}`;
}

/** The stream a split makes of `examples`; every task's test part is `testFraction` of it (stratified, seeded). */
export function splitStream(examples: readonly Example[], spec: SplitSpec, seed: number, testFraction = 0.2): Stream {
  if (spec.kind === 'time') {
    const untimed = examples.filter((e) => e.time === undefined).length;
    if (untimed === examples.length) throw new UsageError('--split time needs examples with a "time" field; none has one (try chunks:N)');
    return byTime(examples, testFraction, seed, spec.tasks);
  }
  if (spec.kind === 'classes') {
    const labels = new Set(examples.map((e) => e.labels[0])).size;
    if (spec.tasks > labels) throw new UsageError(`--split classes:${spec.tasks} needs at least ${spec.tasks} labels; the data has ${labels}`);
    return byClasses(examples, spec.tasks, testFraction, seed);
  }
  if (spec.tasks > examples.length) throw new UsageError(`--split chunks:${spec.tasks} needs at least ${spec.tasks} examples; the data has ${examples.length}`);
  return byChunks(examples, spec.tasks, testFraction, seed);
}
