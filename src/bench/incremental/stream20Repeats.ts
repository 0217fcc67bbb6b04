/**
 * The costs of the 20-task streams' defaults row as the median of repeats. One run's wall time per
 * task moves by a third from run to run on a shared machine (task 20 at 230 and 328 µs per new
 * example in two runs of the same code), so the ratio of two single tasks says more about the
 * machine than about the update. The same paradigm, seed and stream make the same decisions every
 * run; the repeats differ in time only, which mediansOf checks before it takes medians per task.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ParadigmRun } from '../../compare/paradigms.js';
import { median } from '../table.js';

export interface RepeatedCosts {
  /** Per task, the median over the repeats of wall ms and of CPU ms. */
  ms: number[];
  cpuMs: number[];
  /** Per repeat, per task: wall ms (the spread behind each median). */
  msRuns: number[][];
}

/** Thrown when repeats of one paradigm did not do the same work: their times cannot stand for one another. */
export class RepeatsDivergedError extends Error {
  constructor(what: string) {
    super(`repeats of the same paradigm on the same stream differed in ${what}: their costs are not repeats of one run; look for a source of randomness outside the seed`);
    this.name = 'RepeatsDivergedError';
  }
}

/** Medians per task over runs that made the same decisions and reached the same accuracies (else RepeatsDivergedError). */
export function mediansOf(runs: readonly ParadigmRun[]): RepeatedCosts {
  if (runs.length === 0) throw new RangeError('mediansOf: no runs');
  const [first] = runs;
  for (const r of runs.slice(1)) {
    if (r.costs.length !== first.costs.length || r.costs.some((c, i) => c.accepted !== first.costs[i].accepted)) throw new RepeatsDivergedError('which updates the gate accepted');
    if (!isDeepStrictEqual(r.R, first.R)) throw new RepeatsDivergedError('their accuracy matrices');
  }
  const perTask = (f: (run: ParadigmRun, task: number) => number) => first.costs.map((_, i) => median(runs.map((r) => f(r, i))));
  return {
    ms: perTask((r, i) => r.costs[i].ms),
    cpuMs: perTask((r, i) => r.costs[i].cpuMs ?? NaN),
    msRuns: runs.map((r) => r.costs.map((c) => c.ms)),
  };
}
