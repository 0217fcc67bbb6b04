/** Sections 1 and 2: paradigms over a stream, one run each, with their measures and checks. */
import type { Config } from '../../config.js';
import type { Stream } from '../../compare/stream.js';
import { train } from '../../learn/train.js';
import { releaseMemory } from '../../util/gc.js';
import { median } from '../table.js';
import type { Variant } from './configs.js';
import { chanceBaseline, checks, runMetrics } from './metrics.js';
import type { StreamSection } from './render.js';
import { runStream, type StreamRun } from './runner.js';

export interface StreamBench {
  key: string;
  title: string;
  stream: Stream;
  variants: Variant[];
  cfg: Partial<Config>;
  accPoints: number;
  showBwtTarget: boolean;
}

export function describeStream(stream: Stream): string {
  return stream
    .map((t) => `${t.name}: ${t.train.length.toLocaleString('en-US')} train / ${t.test.length.toLocaleString('en-US')} test, ${new Set(t.train.map((e) => e.labels[0])).size} labels`)
    .join('; ');
}

export async function runStreamBench(b: StreamBench): Promise<StreamSection & { baseline: number[] }> {
  const runs: StreamRun[] = [];
  const T = b.stream.length;
  for (const [k, v] of b.variants.entries()) {
    console.error(`${b.key}: [${k + 1}/${b.variants.length}] ${v.name}`);
    const t0 = performance.now();
    const run = await runStream(b.stream, v, b.cfg, (i, step, row) => {
      const what = step.reasons ? `${step.accepted ? 'accepted' : 'REJECTED'}, ${step.rounds.length} rounds${step.reasons.length ? ` [${step.reasons.length} gate reason(s): ${step.reasons[0]}${step.reasons.length > 1 ? ' ...' : ''}]` : ''}` : 'trained';
      console.error(`  ${b.key}: ${v.name}: task ${i + 1}/${T}: ${step.ms.toFixed(0)} ms, ${what}; acc on tasks so far ${row.slice(0, i + 1).map((x) => (x * 100).toFixed(1)).join(' ')}`);
    });
    runs.push(run);
    console.error(`  ${b.key}: ${v.name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    releaseMemory();
  }
  const baseline = chanceBaseline(b.stream);
  const retrainRun = runs[0];
  // The cost target's denominator: retrain's time at the last task, median of its run and two
  // more (one run of a 3-5 s training varied by 2x between runs on this shared machine).
  const allTrain = b.stream.flatMap((t) => t.train);
  const retrainTimes = [retrainRun.steps[retrainRun.steps.length - 1].ms];
  for (let r = 0; r < 2; r++) {
    releaseMemory();
    const t0 = performance.now();
    await train(allTrain, b.cfg);
    retrainTimes.push(performance.now() - t0);
  }
  releaseMemory();
  const retrainLastMs = median(retrainTimes);
  const metrics = runs.map((r, i) => runMetrics(r, baseline, retrainLastMs, b.variants[i].kind));
  const section: StreamSection & { baseline: number[] } = {
    title: b.title,
    description: '',
    accPoints: b.accPoints,
    showBwtTarget: b.showBwtTarget,
    runs,
    metrics,
    checks: metrics.map((m) => checks(m, metrics[0], b.accPoints)),
    notes: [
      ...b.variants.filter((v) => v.note).map((v) => `"${v.name}": ${v.note}`),
      `"last / retrain" divides by retrain's wall time at the last task, the median of 3 runs: ${retrainTimes.map((t) => t.toFixed(0)).join(', ')} ms.`,
    ],
    baseline,
  };
  return section;
}
