/**
 * A short verdict written from a comparison's numbers: which paradigm is most accurate, which is
 * cheapest, which gives the best accuracy for its cost, who forgets, what the gate did, and what
 * learning from feedback one example at a time was worth. Plain sentences, no markup.
 */
import type { PrequentialResult } from './prequential.js';
import type { RunSummary } from './summary.js';
import { bytes } from './terminal.js';

/** ACC within this many points of the best counts as "as accurate" for the trade-off sentence. */
export const TRADE_OFF_POINTS = 1;

const pts = (x: number) => (x * 100).toFixed(2);
const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(x < 10 ? 1 : 0)} ms`);

function ratio(a: number, b: number): string {
  if (!(a > 0 && b > 0)) return '';
  const r = a / b;
  return r >= 1.05 ? `${r.toFixed(r >= 10 ? 0 : 1)}x the cost of` : r <= 0.95 ? `${(1 / r).toFixed(1 / r >= 10 ? 0 : 1)}x cheaper than` : 'about the cost of';
}

function accuracySentences(byAcc: RunSummary[], byCost: RunSummary[]): string[] {
  const best = byAcc[0];
  const out: string[] = [];
  const runnerUp = byAcc[1];
  out.push(
    `Most accurate after the last task: ${best.paradigm}, ACC ${pts(best.metrics.acc)}%` +
      (!runnerUp ? '.' : best.metrics.acc - runnerUp.metrics.acc < 5e-5 ? `, tied with ${runnerUp.paradigm} (ranked first as the cheaper).` : `; next ${runnerUp.paradigm}, ${pts(best.metrics.acc - runnerUp.metrics.acc)} points behind.`),
  );
  const cheapest = byCost[0];
  const retrain = byAcc.find((s) => s.paradigm === 'retrain');
  const vsRetrain = (s: RunSummary) => (retrain && s !== retrain ? ` (${ratio(s.cost.meanMs, retrain.cost.meanMs)} retrain)` : '');
  // Wall time beside the bytes a save of the update writes: what an update costs is both.
  const cost = (s: RunSummary) => `${ms(s.cost.meanMs)} and ${bytes(s.cost.meanBytes)} written per update${vsRetrain(s)}`;
  out.push(`Cheapest update: ${cheapest.paradigm}, ${cost(cheapest)}, ACC ${pts(cheapest.metrics.acc)}%.`);
  const good = byCost.find((s) => s.metrics.acc >= best.metrics.acc - TRADE_OFF_POINTS / 100 - 1e-12)!;
  if (good === best) out.push(`Best trade-off: ${best.paradigm}; no cheaper paradigm comes within ${TRADE_OFF_POINTS} point of its accuracy.`);
  else out.push(`Best trade-off: ${good.paradigm}, within ${pts(best.metrics.acc - good.metrics.acc)} points of ${best.paradigm}'s ACC at ${cost(good)}.`);
  return out;
}

function forgettingSentence(summaries: RunSummary[]): string {
  const worst = [...summaries].sort((a, b) => b.metrics.forgetting - a.metrics.forgetting)[0];
  if (worst.metrics.forgetting <= 0.005) return 'No paradigm forgot more than half a point on earlier tasks (mean forgetting).';
  const least = [...summaries].sort((a, b) => a.metrics.forgetting - b.metrics.forgetting)[0];
  return (
    `Most forgetting: ${worst.paradigm}, ${pts(worst.metrics.forgetting)} points lost on earlier tasks on average (BWT ${pts(worst.metrics.bwt)}); ` +
    `least: ${least.paradigm} (${pts(least.metrics.forgetting)} points).`
  );
}

function gateSentences(summaries: RunSummary[], firstReasons: Map<string, string>): string[] {
  return summaries
    .filter((s) => s.cost.accepted < s.cost.steps)
    .map((s) => {
      const why = firstReasons.get(s.paradigm);
      return (
        `The gate rejected ${s.cost.steps - s.cost.accepted} of ${s.cost.steps} updates of ${s.paradigm}${why ? ` (first: ${why})` : ''}: ` +
        `the model stayed as it was for those tasks (incremental+no-gate shows what they would have given; incremental+max-drop=D loosens the gate).`
      );
    });
}

function prequentialSentence(p: PrequentialResult): string {
  const at = (name: string) => p.runs.find((r) => r.name === name);
  const last = (name: string) => at(name)?.accuracy.at(-1) ?? 0;
  const frozen = last('frozen');
  const on = at('gate on');
  const off = at('gate off');
  const parts = [`frozen ${pts(frozen)}%`];
  if (on) parts.push(`gate on ${pts(last('gate on'))}% (${on.accepted} of ${on.updates} updates accepted, ${ms(on.meanUpdateMs)} each)`);
  if (off) parts.push(`gate off ${pts(last('gate off'))}% (${ms(off.meanUpdateMs)} per update)`);
  const bestLearner = Math.max(last('gate on'), last('gate off'));
  const judgement =
    bestLearner > frozen + 0.005 ? 'learning from each example paid off' : bestLearner < frozen - 0.005 ? 'learning from single examples hurt' : 'learning from single examples changed little';
  return `Feedback one example at a time (${p.examples} examples after ${p.warmup.task}): running accuracy ${parts.join(', ')}; ${judgement}.`;
}

/**
 * The verdict, one sentence per line. `firstReasons`: per paradigm, the gate's first reason for its first rejected update.
 * @example verdict(summaries, { acc, cost }, null)[0] // 'Most accurate after the last task: retrain, ACC 98.23%; next incremental, 0.16 points behind.'
 */
export function verdict(
  summaries: readonly RunSummary[],
  ranks: { acc: string[]; cost: string[] },
  prequential: PrequentialResult | null,
  tasks: number,
  firstReasons: Map<string, string> = new Map(),
): string[] {
  const byName = new Map(summaries.map((s) => [s.paradigm, s]));
  const byAcc = ranks.acc.map((n) => byName.get(n)!);
  const byCost = ranks.cost.map((n) => byName.get(n)!);
  const out = accuracySentences(byAcc, byCost);
  if (tasks > 1) out.push(forgettingSentence([...summaries]));
  else out.push('One task only: BWT, forgetting and FWT are 0 by definition; a stream of several tasks is needed to see forgetting.');
  out.push(...gateSentences([...summaries], firstReasons));
  if (prequential) out.push(prequentialSentence(prequential));
  return out;
}
