/** The --autotune-* flags of `accrete train`, checked, and the search's table for stderr. */
import { UsageError } from '../errors.js';
import type { AutotuneMetric, AutotuneReport } from '../learn/autotune.js';
import { pct, table } from '../util/table.js';
import { optionalNumberWhere, optionalString, type FlagSpec, type Flags } from './args.js';

export const AUTOTUNE_FLAGS: FlagSpec = {
  'autotune-validation': { type: 'string' },
  'autotune-duration': { type: 'string' },
  'autotune-trials': { type: 'string' },
  'autotune-metric': { type: 'string' },
  'autotune-model-size': { type: 'string' },
};

export interface AutotuneFlags {
  validation: string;
  duration?: number;
  trials?: number;
  metric?: AutotuneMetric;
  modelSize?: number;
}

const SIZE = /^(\d+(?:\.\d+)?)([kmg])?$/i;
const UNIT: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9 };

/** Bytes from "500000", "200M", "1.5G" (fastText's -autotune-modelsize spelling); undefined when malformed. */
export function parseByteSize(v: string): number | undefined {
  const m = SIZE.exec(v.trim());
  if (!m) return undefined;
  const n = Math.round(Number(m[1]) * (m[2] ? UNIT[m[2].toLowerCase()] : 1));
  return Number.isSafeInteger(n) && n >= 1 ? n : undefined;
}

/** The autotune flags, or null without --autotune-validation (then any other autotune flag is a UsageError). */
export function autotuneFlags(flags: Flags): AutotuneFlags | null {
  const validation = optionalString(flags, 'autotune-validation');
  const duration = optionalNumberWhere(flags, 'autotune-duration', 'float', (s) => s > 0, 'a number of seconds > 0');
  const trials = optionalNumberWhere(flags, 'autotune-trials', 'int', (n) => n >= 1, 'an integer >= 1');
  const metricFlag = optionalString(flags, 'autotune-metric');
  if (metricFlag !== undefined && metricFlag !== 'accuracy' && metricFlag !== 'macroF1') throw new UsageError(`--autotune-metric must be accuracy or macroF1, got ${metricFlag}`);
  const sizeFlag = optionalString(flags, 'autotune-model-size');
  const modelSize = sizeFlag === undefined ? undefined : parseByteSize(sizeFlag);
  if (sizeFlag !== undefined && modelSize === undefined) throw new UsageError(`--autotune-model-size must be a number of bytes >= 1 (suffixes K, M, G), got ${sizeFlag}`);
  if (validation === undefined) {
    const given = Object.keys(AUTOTUNE_FLAGS).find((f) => flags[f] !== undefined);
    if (given) throw new UsageError(`--${given} needs --autotune-validation FILE: the search scores its trials on it`);
    return null;
  }
  if (validation === '') throw new UsageError('--autotune-validation must not be empty');
  return { validation, duration, trials, metric: metricFlag as AutotuneMetric | undefined, modelSize };
}

/** An autotune ConfigError issue ("autotune modelSize 1000 is too small...") with the option spelled as its flag. */
export function autotuneIssueAsFlag(issue: string): string {
  return issue.replace(/^autotune (\w+)/, (_, key: string) => `--autotune-${key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`);
}

/** Every trial of a search as a table, and which one was kept. */
export function autotuneTable(r: AutotuneReport): string {
  const rows = r.trials.map((t) => {
    const s = t.settings;
    return [
      t.trial === r.best ? `${t.trial} *` : String(t.trial),
      s.dim,
      s.epoch,
      s.lr,
      s.wordNgrams,
      `${s.minn}-${s.maxn}`,
      s.bucket,
      s.loss,
      s.hidden,
      s.bagNorm,
      s.weightDecay,
      t.score === null ? `${t.status} at ${(t.trained * 100).toFixed(0)}%` : pct(t.score),
      t.seconds.toFixed(1),
    ];
  });
  const budget = [r.trialBudget !== null ? `${r.trialBudget} trials` : '', r.duration !== null ? `${r.duration} s` : ''].filter(Boolean).join(', ');
  return (
    table(['trial', 'dim', 'epoch', 'lr', 'wordNgrams', 'minn-maxn', 'bucket', 'loss', 'hidden', 'bagNorm', 'weightDecay', r.metric, 'seconds'], rows) +
    `\nautotune: ${r.trials.length} trials in ${r.seconds.toFixed(1)}s on ${r.lanes} ${r.lanes === 1 ? 'thread' : 'threads'} (budget ${budget}; ended by ${r.stoppedBy}); ` +
    `kept trial ${r.best}: ${r.metric} ${pct(r.bestScore)}% on the validation file (trial 1, the starting options: ${pct(r.startScore)}%)`
  );
}
