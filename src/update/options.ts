/**
 * The ranges of update()'s numeric options, in one table: update() checks its options against it,
 * and `accrete update` checks its flags against the same table, so the library and the CLI accept
 * exactly the same values.
 */
import { AccreteError } from '../errors.js';
import { formatSelection, parseSelection, type SelectionSpec } from './selection.js';
import type { UpdateOptions } from './update.js';

export interface OptionRange {
  kind: 'int' | 'float';
  /** Smallest value allowed (with `above`: values must be greater than it). */
  min: number;
  /** true: `min` itself is not allowed. */
  above?: boolean;
  max?: number;
  /** What the value must be, as error messages say it ("an integer >= 1"). */
  expected: string;
}

/** Every numeric option of UpdateOptions (finite numbers only; leave an option out for its default). */
export const UPDATE_RANGES = {
  rounds: { kind: 'int', min: 1, expected: 'an integer >= 1' },
  patience: { kind: 'int', min: 1, expected: 'an integer >= 1' },
  budgetMs: { kind: 'float', min: 0, above: true, expected: 'a positive number' },
  lr: { kind: 'float', min: 0, above: true, expected: 'a positive number' },
  replay: { kind: 'int', min: 0, expected: 'an integer >= 0' },
  // Replayed examples per new one and round: 1e9 asked for gigabytes in one round and ran the
  // process out of heap. At 100, 1,000 new examples replay 100,000 a round (about 6 MB, 0.5 s).
  replayRatio: { kind: 'float', min: 0, above: true, max: 100, expected: 'a positive number, at most 100' },
  ewc: { kind: 'float', min: 0, expected: 'a number >= 0' },
  distill: { kind: 'float', min: 0, expected: 'a number >= 0' },
  distillWeight: { kind: 'float', min: 0, expected: 'a number >= 0' },
  oldRowRate: { kind: 'float', min: 0, expected: 'a number >= 0' },
  balance: { kind: 'float', min: 0, expected: 'a number >= 0' },
  seed: { kind: 'int', min: 0, expected: 'an integer >= 0' },
  maxDrop: { kind: 'float', min: 0, max: 1, expected: 'a fraction in [0, 1] (0.02 = 2 points)' },
  labelTolerance: { kind: 'float', min: 0, max: 1, expected: 'a fraction in [0, 1] (0.1 = 10 points)' },
  minLabelSupport: { kind: 'int', min: 0, expected: 'an integer >= 0' },
  newShare: { kind: 'float', min: 0, max: 1, expected: 'a fraction in [0, 1] (0.5 = old and new traffic alike)' },
} as const satisfies Record<string, OptionRange>;

export type NumericUpdateOption = keyof typeof UPDATE_RANGES;

/** Whether `n` (a finite number) is in `range`. */
export function inRange(range: OptionRange, n: number): boolean {
  return Number.isFinite(n) && (range.kind === 'float' || Number.isInteger(n)) && (range.above ? n > range.min : n >= range.min) && (range.max === undefined || n <= range.max);
}

/** The options that are not numbers, with what each must be. */
const OTHER_OPTIONS = {
  select: 'a selection (a string such as "all" or "topk-grad:0.1", or a SelectionSpec)',
  align: 'a boolean',
  gate: 'a boolean',
  labelScaledReplay: 'a boolean',
  growTable: 'a boolean',
  domainReplay: 'a boolean',
  guard: 'an array of examples',
  valid: 'an array of examples',
  memory: 'a ContinualMemory (from loadLearner or buildMemory) or null',
  onRound: 'a function',
  policy: 'one of "weighted", "guard"',
  replayInput: 'one of "shared", "all"',
} as const;

const KNOWN = [...Object.keys(UPDATE_RANGES), ...Object.keys(OTHER_OPTIONS)];

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'function' ? 'a function' : Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v));

/**
 * Every problem with update()'s options, one line each naming the option (empty when all are
 * fine). An option set to undefined counts as left out. Unknown keys are problems too: a typo
 * ({ round: 3 }) would otherwise be dropped silently and the update run with the default.
 */
export function checkUpdateOptions(options: unknown): string[] {
  if (options === undefined) return [];
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return [`options must be an object, got ${show(options)}`];
  const o = options as Record<string, unknown>;
  const issues: string[] = [];
  for (const [key, value] of Object.entries(o)) {
    if (value === undefined) continue;
    if (key in UPDATE_RANGES) {
      const range: OptionRange = UPDATE_RANGES[key as NumericUpdateOption];
      if (typeof value !== 'number' || !inRange(range, value)) issues.push(`${key} must be ${range.expected}, got ${show(value)}`);
    } else if (key in OTHER_OPTIONS) {
      const problem = otherProblem(key as keyof typeof OTHER_OPTIONS, value);
      if (problem !== null) issues.push(`${key} must be ${OTHER_OPTIONS[key as keyof typeof OTHER_OPTIONS]}, got ${problem}`);
    } else {
      const near = KNOWN.find((k) => k.toLowerCase() === key.toLowerCase() || distance(k.toLowerCase(), key.toLowerCase()) <= 2);
      issues.push(`unknown option "${key}"${near ? ` (did you mean "${near}"?)` : ''}; known: ${KNOWN.join(', ')}`);
    }
  }
  return issues;
}

function otherProblem(key: keyof typeof OTHER_OPTIONS, v: unknown): string | null {
  switch (key) {
    case 'align':
    case 'gate':
    case 'labelScaledReplay':
    case 'growTable':
    case 'domainReplay':
      return typeof v === 'boolean' ? null : show(v);
    case 'guard':
    case 'valid':
      return v === null || Array.isArray(v) ? null : show(v);
    case 'memory':
      return v === null || (typeof v === 'object' && !Array.isArray(v)) ? null : show(v);
    case 'onRound':
      return typeof v === 'function' ? null : show(v);
    case 'policy':
      return v === 'weighted' || v === 'guard' ? null : show(v);
    case 'replayInput':
      return v === 'shared' || v === 'all' ? null : show(v);
    case 'select':
      if (typeof v !== 'string' && (typeof v !== 'object' || v === null || typeof (v as { kind?: unknown }).kind !== 'string')) return show(v);
      try {
        // A spec object is checked as the text it stands for.
        parseSelection(typeof v === 'string' ? v : formatSelection(v as SelectionSpec));
        return null;
      } catch (err) {
        if (err instanceof AccreteError) return `${show(typeof v === 'string' ? v : formatSelection(v as SelectionSpec))} (${err.message})`;
        throw err;
      }
  }
}

/** Levenshtein distance (option names are short). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

// Compile-time: every key of UpdateOptions has a check above (a new option must be added here).
type Checked = NumericUpdateOption | keyof typeof OTHER_OPTIONS;
const everyOptionChecked: [Exclude<keyof UpdateOptions, Checked>] extends [never] ? true : never = true;
void everyOptionChecked;
