/**
 * `--stream20 --split-seeds 1,2,3`: the same 20-task stream split with other seeds (which labels
 * form which task, which examples are held out for test), to show how far one split's ACC can be
 * from another's. Per split seed: retrain's ACC, the incremental defaults' (gate on), the points
 * between them and the updates rejected, with the median over the seeds. Costs stay on split seed
 * 1 (stream20.ts): the other seeds add ACC only.
 */
import { median } from '../table.js';

export interface SplitSeedRow {
  seed: number;
  retrainAcc: number;
  /** The incremental defaults (gate on). */
  acc: number;
  /** (acc - retrainAcc) x 100. */
  accPoints: number;
  /** Updates (tasks 2 on) the gate rejected, of `updates`. */
  rejected: number;
  updates: number;
}

/** One split seed's row: ACC as fractions, `accepted` per task (task 1, the training, first). */
export function splitSeedRow(seed: number, retrainAcc: number, acc: number, accepted: readonly boolean[]): SplitSeedRow {
  const updates = accepted.slice(1);
  return { seed, retrainAcc, acc, accPoints: (acc - retrainAcc) * 100, rejected: updates.filter((a) => !a).length, updates: updates.length };
}

/** The median of each column over the seeds (the median of the points, not the points between medians). */
export function splitSeedMedian(rows: readonly SplitSeedRow[]): Omit<SplitSeedRow, 'seed'> {
  if (rows.length === 0) throw new RangeError('splitSeedMedian: no split seed rows');
  const m = (f: (r: SplitSeedRow) => number) => median(rows.map(f));
  return { retrainAcc: m((r) => r.retrainAcc), acc: m((r) => r.acc), accPoints: m((r) => r.accPoints), rejected: m((r) => r.rejected), updates: m((r) => r.updates) };
}

const pct = (x: number) => (x * 100).toFixed(1);
const points = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;

/** The markdown table of a stream's split seeds, with their median. */
export function splitSeedsSection(stream: string, rows: readonly SplitSeedRow[]): string {
  const med = splitSeedMedian(rows);
  return [
    `#### ${stream}: split seeds ${rows.map((r) => r.seed).join(', ')}`,
    '',
    `The same stream split with each seed, retrain and the incremental defaults (gate on) only. Costs are measured on split seed ${rows[0].seed} only (the tables above); these rows give ACC after the last task and rejections.`,
    '',
    '| split seed | retrain ACC | incremental ACC (defaults, gate on) | points from retrain | updates rejected |',
    '|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.seed} | ${pct(r.retrainAcc)} | ${pct(r.acc)} | ${points(r.accPoints)} | ${r.rejected} of ${r.updates} |`),
    `| median | ${pct(med.retrainAcc)} | ${pct(med.acc)} | ${points(med.accPoints)} | ${med.rejected} of ${med.updates} |`,
  ].join('\n');
}
