/**
 * `--paradigms`: which paradigms a comparison runs, as a comma-separated list.
 *   retrain, fresh, decay, incremental     the four paradigms of design.md
 *   incremental+OPT[+OPT...]               an incremental variant; OPT is a selection
 *                                          (all, head, new-rows, layerwise, topk-grad:F, low-fisher:F),
 *                                          replay=N or no-replay, ewc[=L], distill[=T], no-gate, max-drop=D
 *   variants                               the standard variants: each selection other than all,
 *                                          no replay, EWC, distillation, the gate off
 */
import { UsageError } from '../errors.js';
import type { UpdateOptions } from '../update/update.js';
import { parseSelection, SELECTION_HELP } from '../update/selection.js';
import type { Paradigm, ParadigmName } from './paradigms.js';

export const DEFAULT_PARADIGMS = 'retrain,fresh,decay,incremental';

/** Strength of `ewc` and temperature of `distill` when the option is given without a value. */
export const DEFAULT_EWC = 100;
export const DEFAULT_DISTILL = 1;

/** What `variants` stands for: each changes one thing from `incremental` (select all, replay on, EWC and distillation off, gate on). */
export const STANDARD_VARIANTS: readonly string[] = [
  'incremental+head',
  'incremental+new-rows',
  'incremental+layerwise',
  'incremental+topk-grad:0.2',
  'incremental+low-fisher:0.5',
  'incremental+no-replay',
  'incremental+ewc',
  'incremental+distill',
  'incremental+no-gate',
];

export const PARADIGMS_HELP = `retrain, fresh, decay, incremental, incremental+OPT[+OPT] and variants
                       OPT: ${SELECTION_HELP},
                       replay=N | no-replay, ewc[=L] (${DEFAULT_EWC}), distill[=T] (${DEFAULT_DISTILL}), no-gate, max-drop=D
                       variants = ${STANDARD_VARIANTS.join(', ')}`;

function bad(item: string, problem: string): UsageError {
  return new UsageError(`--paradigms: "${item}": ${problem}`);
}

function number(item: string, key: string, value: string | undefined, ok: (n: number) => boolean, expected: string): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(n) || !ok(n)) throw bad(item, `${key} needs ${expected}, got "${value ?? ''}"`);
  return n;
}

/** Applies one `+OPT` of an incremental variant. */
function applyOption(item: string, opt: string, p: Paradigm & { update: UpdateOptions }): void {
  const [key, value] = opt.split('=');
  if (key === 'no-gate' && value === undefined) p.update.gate = false;
  else if (key === 'no-replay' && value === undefined) p.update.replay = 0;
  else if (key === 'replay') p.replay = p.update.replay = number(item, key, value, (n) => Number.isInteger(n) && n >= 0, 'an integer >= 0');
  else if (key === 'ewc') p.update.ewc = value === undefined ? DEFAULT_EWC : number(item, key, value, (n) => n > 0, 'a strength > 0');
  else if (key === 'distill') p.update.distill = value === undefined ? DEFAULT_DISTILL : number(item, key, value, (n) => n > 0, 'a temperature > 0');
  else if (key === 'max-drop') p.update.maxDrop = number(item, key, value, (n) => n >= 0 && n <= 1, 'a fraction in [0, 1]');
  else {
    try {
      p.update.select = parseSelection(opt);
    } catch {
      throw bad(item, `unknown option "${opt}"; expected ${SELECTION_HELP}, replay=N, no-replay, ewc[=L], distill[=T], no-gate or max-drop=D`);
    }
  }
}

/** One list item as a Paradigm. */
export function parseParadigm(item: string): Paradigm {
  const [kind, ...opts] = item.split('+');
  if (kind !== 'retrain' && kind !== 'fresh' && kind !== 'decay' && kind !== 'incremental') {
    throw bad(item, 'expected retrain, fresh, decay, incremental, incremental+OPT or variants');
  }
  if (kind !== 'incremental') {
    if (opts.length > 0) throw bad(item, 'only incremental takes +options');
    return { name: kind, kind: kind as ParadigmName };
  }
  // Memory as `accrete train` builds it, so a comparison's incremental is the command line's.
  const p: Paradigm & { update: UpdateOptions } = { name: item, kind, update: {}, passSeen: true };
  for (const opt of opts) applyOption(item, opt, p);
  return p;
}

/**
 * Parses a `--paradigms` list; `variants` expands to STANDARD_VARIANTS. Duplicates are an error.
 * @example parseParadigms('retrain,incremental+head').map((p) => p.name) // ['retrain', 'incremental+head']
 */
export function parseParadigms(text: string): Paradigm[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '').flatMap((s) => (s === 'variants' ? STANDARD_VARIANTS : [s]));
  if (items.length === 0) throw new UsageError('--paradigms is empty; expected a list such as ' + DEFAULT_PARADIGMS);
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item)) throw bad(item, 'listed twice');
    seen.add(item);
  }
  return items.map(parseParadigm);
}
