/**
 * Prequential (test-then-train) evaluation of the feedback case: a model trained on the first task
 * meets the rest of the stream one example at a time; each example is predicted, scored, and only
 * then learned with a one-example update (River's progressive validation). Run with the gate on,
 * with the gate off, and frozen (never learning) as the reference.
 *
 * Reference: A. P. Dawid, "Present position and potential developments: some personal views:
 * statistical theory: the prequential approach", JRSS A 147(2), 1984.
 */
import type { Config } from '../config.js';
import type { Example } from '../data/example.js';
import { progressiveAccuracy } from '../eval/continual.js';
import { ReplayBuffer } from '../forgetting/replay.js';
import { train } from '../learn/train.js';
import type { TextClassifier } from '../model/classifier.js';
import { buildMemory, DEFAULT_REPLAY, type ContinualMemory } from '../update/memory.js';
import { update } from '../update/update.js';
import type { Stream } from './stream.js';
import { evenlySpaced } from '../util/sample.js';

export type PrequentialMode = 'frozen' | 'gate on' | 'gate off';

export interface PrequentialRun {
  name: PrequentialMode;
  /** Whether the top prediction was right, before learning the example. */
  correct: boolean[];
  /** Running accuracy over examples 0..i. */
  accuracy: number[];
  /** Accuracy over the last `window` examples (fewer at the start). */
  windowAccuracy: number[];
  /** One-example updates made and accepted (0 for frozen). */
  updates: number;
  accepted: number;
  meanUpdateMs: number;
}

export interface PrequentialResult {
  warmup: { task: string; examples: number };
  /** Examples fed, and how many the stream after the first task has (the feed is an even sample of them, in order). */
  examples: number;
  available: number;
  window: number;
  /** Index in the feed where each later task starts. */
  taskStarts: { task: string; index: number }[];
  runs: PrequentialRun[];
}

export interface PrequentialOptions {
  /** Most examples fed (default 500). */
  limit?: number;
  /** Width of the moving accuracy (default 100). */
  window?: number;
  /** Replay capacity of the updating models (default DEFAULT_REPLAY, as for any model). */
  replay?: number;
}

export const PREQUENTIAL_DEFAULTS = { limit: 500, window: 100, replay: DEFAULT_REPLAY } as const;

function copyMemory(m: ContinualMemory): ContinualMemory {
  return { ...m, replay: ReplayBuffer.fromState(m.replay.toState()), seen: m.seen ? m.seen.slice() : null };
}

/** Moving accuracy over the last `w` outcomes. */
export function windowAccuracy(correct: readonly boolean[], w: number): number[] {
  let hits = 0;
  return correct.map((c, i) => {
    hits += c ? 1 : 0;
    if (i >= w && correct[i - w]) hits--;
    return hits / Math.min(i + 1, w);
  });
}

function feed(model: TextClassifier, memory: ContinualMemory | null, examples: readonly Example[], mode: PrequentialMode, window: number, onExample?: (done: number) => void): PrequentialRun {
  const correct: boolean[] = [];
  let accepted = 0;
  let ms = 0;
  examples.forEach((e, i) => {
    correct.push(e.labels.includes(model.predict(e.text)[0]?.label ?? ''));
    if (mode !== 'frozen') {
      const t0 = performance.now();
      if (update(model, [e], { memory, gate: mode === 'gate on' }).accepted) accepted++;
      ms += performance.now() - t0;
    }
    onExample?.(i + 1);
  });
  const updates = mode === 'frozen' ? 0 : examples.length;
  return { name: mode, correct, accuracy: progressiveAccuracy(correct), windowAccuracy: windowAccuracy(correct, window), updates, accepted, meanUpdateMs: updates ? ms / updates : 0 };
}

/**
 * Trains on the first task's train part, then feeds an even sample of at most `limit` train examples
 * of the later tasks, in stream order, to each mode. Needs at least two tasks.
 */
export async function runPrequential(
  stream: Stream,
  cfg: Partial<Config>,
  options: PrequentialOptions = {},
  onProgress?: (mode: PrequentialMode, done: number, total: number) => void,
): Promise<PrequentialResult> {
  if (stream.length < 2) throw new RangeError('prequential evaluation needs a stream of at least 2 tasks: the first trains the starting model');
  const limit = options.limit ?? PREQUENTIAL_DEFAULTS.limit;
  const window = options.window ?? PREQUENTIAL_DEFAULTS.window;
  const later = stream.slice(1).flatMap((t, k) => t.train.map((e) => ({ e, task: k + 1 })));
  const fed = evenlySpaced(later, limit);
  const taskStarts = stream.slice(1).map((t, k) => ({ task: t.name, index: fed.findIndex((f) => f.task === k + 1) })).filter((s) => s.index >= 0);
  const examples = fed.map((f) => f.e);
  const trained = await train(stream[0].train, cfg);
  const memory = buildMemory(trained.model, stream[0].train, { capacity: options.replay ?? PREQUENTIAL_DEFAULTS.replay, seen: trained.seen });
  const runs: PrequentialRun[] = [];
  for (const mode of ['frozen', 'gate on', 'gate off'] as const) {
    const model = trained.model.clone();
    runs.push(feed(model, mode === 'frozen' ? null : copyMemory(memory), examples, mode, window, onProgress && ((done) => onProgress(mode, done, examples.length))));
  }
  return { warmup: { task: stream[0].name, examples: stream[0].train.length }, examples: examples.length, available: later.length, window, taskStarts, runs };
}
