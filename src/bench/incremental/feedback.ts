/**
 * Feedback latency: a WordNet model trained on four of the five class groups gets one example of a
 * label it has never seen, ten times over (each on a fresh clone with a fresh copy of its memory).
 * Timed: update() alone. Then: was it accepted, does the example get its label, do close
 * paraphrases, and how far did accuracy on a fixed sample of old-label test examples move.
 */
import type { Config } from '../../config.js';
import type { Stream } from '../../compare/stream.js';
import type { Example } from '../../data/example.js';
import { evaluate } from '../../eval/evaluate.js';
import { train } from '../../learn/train.js';
import type { TextClassifier } from '../../model/classifier.js';
import { buildMemory } from '../../update/memory.js';
import { update } from '../../update/update.js';
import { releaseMemory } from '../../util/gc.js';
import { Rng } from '../../util/rng.js';
import { median } from '../table.js';
import { copyMemory, summarize, type DecisionSummary } from './runner.js';

export interface Trial {
  text: string;
  ms: number;
  /** CPU time of the process (user + system, all threads) during update(): less sensitive than wall time to other jobs on the machine. */
  cpuMs: number;
  accepted: boolean;
  reasons: string[];
  /** The example's top prediction after the update is the new label. */
  learned: boolean;
  paraphrases: { kind: string; text: string; newLabel: boolean }[];
  guardBefore: number;
  guardAfter: number;
  decision: DecisionSummary;
}

export interface FeedbackResult {
  label: string;
  trainExamples: number;
  oldLabels: number;
  trainMs: number;
  guardSample: number;
  trials: Trial[];
  medianMs: number;
  maxMs: number;
  medianCpuMs: number;
  maxCpuMs: number;
  accepted: number;
  learned: number;
  paraphraseFraction: number;
  /** Largest |guard accuracy after - before| over the trials, in points. */
  maxGuardMovePoints: number;
  meanGuardMovePoints: number;
}

/** Three close paraphrases: drop one word, swap two adjacent words, duplicate a word (positions seeded). */
export function paraphrases(text: string, seed: number): { kind: string; text: string }[] {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const rng = new Rng(seed);
  const out: { kind: string; text: string }[] = [];
  if (words.length >= 2) {
    const i = rng.int(words.length);
    out.push({ kind: 'drop', text: words.filter((_, k) => k !== i).join(' ') });
    const j = rng.int(words.length - 1);
    const swapped = [...words];
    [swapped[j], swapped[j + 1]] = [swapped[j + 1], swapped[j]];
    out.push({ kind: 'swap', text: swapped.join(' ') });
  }
  const d = rng.int(words.length);
  out.push({ kind: 'duplicate', text: [...words.slice(0, d + 1), words[d], ...words.slice(d + 1)].join(' ') });
  return out;
}

const SETTLE_MS = 300;

export async function feedbackLatency(stream: Stream, cfg: Partial<Config>, trials = 10): Promise<FeedbackResult> {
  const old = stream.slice(0, stream.length - 1);
  const novel = stream[stream.length - 1];
  const data: Example[] = old.flatMap((t) => t.train);
  const t0 = performance.now();
  const trained = await train(data, cfg);
  const trainMs = performance.now() - t0;
  const model: TextClassifier = trained.model;
  const memory = buildMemory(model, data, { seen: trained.seen });
  console.error(`  feedback: base model on ${data.length} examples, ${model.labels.length} labels, trained in ${(trainMs / 1000).toFixed(1)} s`);

  // The new label: the most frequent one of the last group (ties: by name); ten of its examples, seeded.
  const counts = new Map<string, number>();
  for (const e of novel.train) counts.set(e.labels[0], (counts.get(e.labels[0]) ?? 0) + 1);
  const label = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
  const shuffled = new Rng(1).shuffle(novel.train.filter((e) => e.labels[0] === label));
  const picks = shuffled.slice(0, trials);
  // One untimed update first (another example of the label, on a clone that is then dropped), so
  // the trials measure a warm process, as a running service would be, not the JIT's first compile.
  const warmup = shuffled[trials] ?? shuffled[0];
  update(model.clone(), [warmup], { memory: copyMemory(memory) });
  const guard = new Rng(2).shuffle(old.flatMap((t) => t.test)).slice(0, 1000);
  const guardBefore = evaluate(model, guard).accuracy;

  const out: Trial[] = [];
  for (const [k, example] of picks.entries()) {
    releaseMemory();
    const clone = model.clone();
    const mem = copyMemory(memory);
    // Let the previous clone's ~GB of tables be freed and this one settle before the clock starts:
    // the trial should time update(), not the benchmark's own copying (a service updates a resident model).
    releaseMemory();
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const cpu = process.cpuUsage();
    const s = performance.now();
    const result = update(clone, [example], { memory: mem });
    const ms = performance.now() - s;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    const top = (text: string) => clone.predict(text)[0]?.label;
    const para = paraphrases(example.text, 100 + k).map((p) => ({ ...p, newLabel: top(p.text) === label }));
    const trial: Trial = {
      text: example.text,
      ms,
      cpuMs,
      accepted: result.accepted,
      reasons: result.report.reasons.map((r) => r.message),
      learned: top(example.text) === label,
      paraphrases: para,
      guardBefore,
      guardAfter: evaluate(clone, guard).accuracy,
      decision: summarize(result.report),
    };
    out.push(trial);
    console.error(
      `  feedback trial ${k + 1}/${picks.length}: ${ms.toFixed(1)} ms (cpu ${cpuMs.toFixed(1)} ms), ${trial.accepted ? 'accepted' : `rejected (${trial.reasons.join('; ')})`}, ` +
        `learned ${trial.learned}, paraphrases ${para.filter((p) => p.newLabel).length}/${para.length}, guard ${(guardBefore * 100).toFixed(2)} -> ${(trial.guardAfter * 100).toFixed(2)}`,
    );
  }
  const moves = out.map((t) => Math.abs(t.guardAfter - t.guardBefore) * 100);
  const paras = out.flatMap((t) => t.paraphrases);
  return {
    label,
    trainExamples: data.length,
    oldLabels: model.labels.length,
    trainMs,
    guardSample: guard.length,
    trials: out,
    medianMs: median(out.map((t) => t.ms)),
    maxMs: Math.max(...out.map((t) => t.ms)),
    medianCpuMs: median(out.map((t) => t.cpuMs)),
    maxCpuMs: Math.max(...out.map((t) => t.cpuMs)),
    accepted: out.filter((t) => t.accepted).length,
    learned: out.filter((t) => t.learned).length,
    paraphraseFraction: paras.filter((p) => p.newLabel).length / paras.length,
    maxGuardMovePoints: Math.max(...moves),
    meanGuardMovePoints: moves.reduce((a, b) => a + b, 0) / moves.length,
  };
}
