/**
 * Why did an update job fail? First a control run: the same update, same options, on examples
 * the parent already knew (a sample of its replay memory), saved to a scratch directory. When the
 * control fails too, the fault is the environment's or the options' (a damaged file, a full disk,
 * `lr` 100): nothing is quarantined. When it passes, the fault is in the job's events, and
 * bisection finds the ones that make an update fail on their own, to be quarantined with the
 * error they cause. Pure logic over two callbacks, so the worker can run it and tests can drive it.
 */
import type { JobFault } from '../registry/types.js';

/** A run's error message, or null when it went through. */
export type TrialOutcome = string | null;

export interface Diagnosis {
  fault: JobFault;
  /** The control run's error (environment faults), else null. */
  control: string | null;
  quarantine: { id: number; reason: string }[];
  /** Update runs made, the control's included. */
  trials: number;
  /** Bisection stopped at the budget, or events failed only together: some faulty events may still be pending. */
  incomplete: boolean;
}

/** Most update runs one diagnosis may make (each loads the parent and runs an update). */
export const MAX_TRIALS = 24;

/**
 * `ids`: the failed job's events (the whole set is known to fail). `control()` runs the update on
 * known-good examples; `trial(ids)` on those events only.
 */
export function diagnose(ids: readonly number[], control: () => TrialOutcome, trial: (ids: readonly number[]) => TrialOutcome, maxTrials = MAX_TRIALS): Diagnosis {
  let trials = 1;
  const c = control();
  if (c !== null) return { fault: 'environment', control: c, quarantine: [], trials, incomplete: false };
  const quarantine: { id: number; reason: string }[] = [];
  let incomplete = false;
  // Breadth first, so a small budget still narrows every failing part a little.
  let failing: { ids: readonly number[]; reason: string | null }[] = [{ ids, reason: null }];
  while (failing.length > 0) {
    const next: typeof failing = [];
    for (const part of failing) {
      if (part.ids.length === 1) {
        // Known to fail alone: a single event's own trial gave the reason, unless it was the whole job.
        const reason = part.reason ?? run(part.ids);
        if (reason !== null) quarantine.push({ id: part.ids[0], reason });
        continue;
      }
      const half = Math.ceil(part.ids.length / 2);
      const halves = [part.ids.slice(0, half), part.ids.slice(half)];
      let found = false;
      for (const h of halves) {
        if (trials >= maxTrials) {
          incomplete = true;
          break;
        }
        const r = run(h);
        if (r !== null) {
          next.push({ ids: h, reason: r });
          found = true;
        }
      }
      // Neither half fails alone: the events fail only together; leave them pending.
      if (!found && trials < maxTrials) incomplete = true;
    }
    failing = next;
  }
  return { fault: 'data', control: null, quarantine, trials, incomplete };

  function run(part: readonly number[]): TrialOutcome {
    trials++;
    return trial(part);
  }
}
