/**
 * What an update runs without that can cost what the model knew: no replay memory (the finding of
 * issue 16: `update(model, [{ text, label: 'phishing' }])` without a memory was accepted without a
 * word, and "free cruise" went from spam 0.94 to phishing 0.49), or replay turned off. One wording
 * for update() (its decision and report), the Learner and `accrete update` (which prints them).
 */

/**
 * 'no-memory': no replay memory (or an empty one); 'replay-off': a memory, with replay 0 and no
 * guard (given or saved) for the gate to check what it costs;
 * 'memory-started': (Learner) an accepted update started a memory from its examples.
 */
export type UpdateWarningCode = 'no-memory' | 'replay-off' | 'memory-started';

export interface UpdateWarning {
  code: UpdateWarningCode;
  message: string;
}

/** What the warnings say, and how the options are spelt where they are given (library or CLI). */
export interface WarningContext {
  /** What is updated: 'the model', or the CLI's model directory. */
  subject: string;
  /** A replay memory with examples. */
  memory: boolean;
  /** replay: 0 given. */
  replayOff: boolean;
  /** A guard given for this update. */
  guardGiven: boolean;
  /** A guard saved with the memory. */
  savedGuard: boolean;
  /** How the guard and replay options are written: 'guard' and 'replay: 0', or '--guard' and '--replay 0'. */
  guardOption: string;
  replayOption: string;
}

/** The library's spelling of the options (update(), Learner). */
export const LIBRARY_OPTIONS = { guardOption: 'guard', replayOption: 'replay: 0' } as const;

/** The warnings for an update in this context (empty when it has what it needs). */
export function updateWarnings(c: WarningContext): UpdateWarning[] {
  if (!c.memory) {
    const noGuard = c.guardGiven ? '' : ` and no ${c.guardOption} was given`;
    return [
      {
        code: 'no-memory',
        message: `${c.subject} has no replay memory${noGuard}: the update cannot replay what the model knew and may forget it${c.guardGiven ? '' : ', and the gate can only check the new data'} (keep the memory: buildMemory/loadLearner, a Learner, or a model directory saved by accrete train)`,
      },
    ];
  }
  // Replay turned off is a choice the caller made; it is worth a word only when no guard checks
  // what it costs (with one, the gate rejects an update that forgets).
  if (!c.replayOff || c.guardGiven || c.savedGuard) return [];
  return [
    {
      code: 'replay-off',
      message: `${c.replayOption} and ${c.subject} saved no guard and no ${c.guardOption} was given: the guard (held out of the replay memory) is empty, so the gate can only check the new data, and without replay the update may forget what the model knew`,
    },
  ];
}

/** The Learner's note when an accepted update without memory started one. */
export function memoryStarted(examples: number): UpdateWarning {
  return { code: 'memory-started', message: `a memory was started from this update's ${examples} examples: later updates replay them` };
}
