/** What a learner reports while it trains, learns or evaluates off the main thread (onProgress). */
import type { TrainProgress } from '../learn/progress.js';
import type { RoundReport } from '../update/rounds.js';

/**
 * The phases: 'read' (a data file read, or examples handed over), 'train' (epochs), 'memory' (the
 * replay memory and Fisher information built after training), 'update' (the gated update's
 * rounds) and 'evaluate' (examples scored).
 */
export type LearnerPhase = 'read' | 'train' | 'memory' | 'update' | 'evaluate';

/**
 * One progress event: `done` of `total` units of the phase (examples read; examples trained over
 * all epochs; 0 or 1 for the memory; rounds run of those planned, which patience may cut short;
 * examples scored), and the mean training loss since the last event where there is one.
 */
export interface LearnerProgress {
  phase: LearnerPhase;
  done: number;
  total: number;
  /** Mean training loss since the last event ('train'; null while Hogwild workers run, and elsewhere). */
  loss: number | null;
  /** The training loop's own report (epoch, rates, ETA), in the 'train' phase. */
  train?: TrainProgress;
  /** The round just finished, in the 'update' phase (absent on its first event). */
  round?: RoundReport;
}

/** Options every off-thread learner call takes. */
export interface RunOptions {
  /** Aborts the call: it rejects with an AbortError, and the learner is left as it was. */
  signal?: AbortSignal;
  /** Called on the main thread with each progress event (about twice a second while training). */
  onProgress?: (p: LearnerProgress) => void;
}
