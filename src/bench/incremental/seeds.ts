/**
 * The class-incremental WordNet comparison again over other seeds (the tasks' classes, the split,
 * the models' seed): one seed's ACC moves by points with the replay draws alone, so the main
 * table's differences need this spread beside them to be read.
 */
import type { Config } from '../../config.js';
import { byClasses } from '../../compare/stream.js';
import type { Example } from '../../data/example.js';
import { averageAccuracy, backwardTransfer } from '../../eval/continual.js';
import { releaseMemory } from '../../util/gc.js';
import type { Variant } from './configs.js';
import { runStream } from './runner.js';

export interface SeedRow {
  seed: number;
  /** Per variant, in the order given: ACC and BWT (fractions) and the updates accepted. */
  results: { acc: number; bwt: number; accepted: number; updates: number }[];
}

export interface SeedSpread {
  variants: string[];
  rows: SeedRow[];
}

export async function seedSpread(examples: readonly Example[], cfg: Partial<Config>, variants: readonly Variant[], seeds: readonly number[]): Promise<SeedSpread> {
  const rows: SeedRow[] = [];
  for (const seed of seeds) {
    const stream = byClasses(examples, 5, 0.2, seed);
    const results: SeedRow['results'] = [];
    for (const v of variants) {
      console.error(`seeds: seed ${seed}: ${v.name}`);
      const run = await runStream(stream, v, { ...cfg, seed });
      const updates = run.steps.slice(1);
      results.push({ acc: averageAccuracy(run.R), bwt: backwardTransfer(run.R), accepted: updates.filter((c) => c.accepted).length, updates: updates.length });
      releaseMemory();
    }
    rows.push({ seed, results });
  }
  return { variants: variants.map((v) => v.name), rows };
}
