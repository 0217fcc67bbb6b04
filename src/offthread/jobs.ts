/**
 * The learner's work as its worker thread runs it: training a learner (model and memory), the gated
 * update on a copy of the learner's model (handed back as a patch), evaluation on the learner's own
 * tensors (read only), and loading. Each takes a job (protocol.ts) and `post`, which sends progress.
 */
import { toExamples, type Example } from '../data/example.js';
import { readDataset } from '../data/read.js';
import { resolveConfig } from '../config.js';
import { MetricsAccumulator, type Metrics } from '../eval/metrics.js';
import { train as trainModel, type TrainOptions } from '../learn/train.js';
import { TextClassifier } from '../model/classifier.js';
import { Arena } from '../model/arena.js';
import { cloneParams } from '../model/params.js';
import { adamAt, paramsAt } from '../model/sharedParams.js';
import { diffModel, renumbered, type ModelBefore, type Patch } from '../store/patch.js';
import { guardSize, holdOutGuard } from '../update/guard.js';
import { buildMemory, loadLearner, memoryAfterUpdate } from '../update/memory.js';
import { update } from '../update/update.js';
import { diffList } from '../util/listPatch.js';
import { Vocab } from '../vocab/vocab.js';
import { own, unpackExamples, unpackStrings } from './pack.js';
import type { EvaluateJob, JobSource, LearnJob, LearnResult, LoadJob, LoadResult, TrainJob, TrainResult, WorkerMessage } from './protocol.js';
import { handleOf, memoryOf, modelAt, packMemory, type ModelHandle } from './transfer.js';

export type Post = (m: WorkerMessage) => void;

/** The examples of a job, and the file they came from. */
async function examplesOf(source: JobSource, post: Post): Promise<{ examples: readonly Example[]; file?: string }> {
  if ('examples' in source) return { examples: unpackExamples(source.examples) };
  const { examples } = await readDataset(source.file, source.read);
  post({ type: 'progress', progress: { phase: 'read', done: examples.length, total: examples.length, loss: null } });
  return { examples, file: source.file };
}

/** A learner trained as `accrete train` trains it: guard held out (or `valid` as the guard), model, then replay memory with Fisher information and seen rows. */
export async function trainJob(job: TrainJob, post: Post): Promise<TrainResult> {
  const { examples: all, file } = await examplesOf(job.source, post);
  const options: TrainOptions = { ...job.options };
  const cfg = resolveConfig(options);
  const valid = options.valid == null ? undefined : toExamples(options.valid, 'Learner.train: options.valid');
  // The guard is drawn with the training seed, as `accrete train` draws it.
  const held = valid || job.replay === 0 ? { train: all, guard: [] as Example[] } : holdOutGuard(all, cfg.seed, job.guardSize ?? guardSize(all.length));
  options.onProgress = (p) => post({ type: 'progress', progress: { phase: 'train', done: Math.round(p.fraction * held.train.length * p.epochs), total: held.train.length * p.epochs, loss: Number.isFinite(p.loss) ? p.loss : null, train: p } });
  if (job.options.autotune) options.autotune = { ...job.options.autotune, ...(job.trials ? { onTrial: (trial, best) => post({ type: 'trial', trial, best }) } : {}) };
  const { model, report, seen } = await trainModel(held.train, { ...options, valid });
  model.info = { ...model.info, ...(file !== undefined ? { trainedOn: { file, examples: report.examples } } : {}), train: report };
  let memory = null;
  if (job.replay > 0) {
    post({ type: 'progress', progress: { phase: 'memory', done: 0, total: 1, loss: null } });
    memory = buildMemory(model, held.train, { capacity: job.replay, seed: model.config.seed, seen, guard: valid ?? held.guard });
    post({ type: 'progress', progress: { phase: 'memory', done: 1, total: 1, loss: null } });
  }
  return { model: handleOf(model), memory: memory && packMemory(memory), report };
}

/**
 * A copy of the model a handle points at, in an arena of its own: the update trains on it, never
 * on the learner's tensors, which the main thread keeps predicting from (docs/decisions.md, the
 * thread model: the updater must not train on the serving rows).
 */
function copyOf(h: ModelHandle): TextClassifier {
  const arena = Arena.attach(h.memory);
  const params = cloneParams(paramsAt(arena, h.params));
  const adam = h.adam ? adamAt(arena, h.adam) : null;
  const state = adam ? { step: adam.step, first: adam.first.map((m) => m?.clone(params.arena) ?? null), second: adam.second.map((m) => m?.clone(params.arena) ?? null) } : null;
  const v = h.vocab;
  const vocab = new Vocab(unpackStrings(v.words), Array.from(v.wordCounts));
  v.labels.forEach((l, i) => vocab.addLabel(l, v.labelCounts[i]));
  const model = new TextClassifier({ ...h.config }, vocab, params, state, structuredClone(h.info));
  model.source = h.source;
  return model;
}

/**
 * The copy of the learner's model an accepted update left in this thread, and the version it is at
 * (the learner's once it applied the update's patch: the same bits, patches being exact). The next
 * learn trains on it rather than copying the whole model again. Null while a learn uses it, and
 * after a rejected or failed one (an update's copy is then not known to be at any version).
 */
let keptCopy: { version: number; model: TextClassifier } | null = null;

/** The model a learn trains on: a copy of the learner's, or the kept copy when it is at the learner's version. */
function learnModelOf(job: LearnJob): TextClassifier {
  const reuse = keptCopy;
  keptCopy = null;
  if (job.model) return copyOf(job.model);
  if (reuse === null || reuse.version !== job.version) throw new Error(`learn: this thread holds no copy of the model at version ${job.version}`);
  // What a save changed since (the model's source, its info).
  reuse.model.info = job.now.info;
  reuse.model.source = job.now.source;
  return reuse.model;
}

/** The gated update on a copy of the learner's model; accepted, the change as a patch of the learner's model and of its memory. */
export async function learnJob(job: LearnJob, post: Post): Promise<LearnResult> {
  const model = learnModelOf(job);
  post({ type: 'copied' });
  const { examples } = await examplesOf(job.source, post);
  const memory = job.memory ? memoryOf(job.memory, unpackExamples(job.memory.replay), job.memory.guard ? unpackExamples(job.memory.guard) : null) : null;
  // The memory's lists as the update found them (the buffer's own objects: changes are found by identity).
  const replayBefore = memory?.replay.examples() ?? [];
  const guardBefore = memory?.guard ?? [];
  const rounds = job.options.rounds ?? 5;
  post({ type: 'progress', progress: { phase: 'update', done: 0, total: rounds, loss: null } });
  const decision = update(model, examples, { ...job.options, memory, onRound: (round) => post({ type: 'progress', progress: { phase: 'update', done: round.round, total: rounds, loss: null, round } }) });
  const { reasons, report, warnings } = decision;
  if (!decision.accepted) return { accepted: false, reasons, report, warnings };
  const kept = memoryAfterUpdate(model, memory, examples, job.options);
  const after = kept === null ? null : memory === null ? { started: packMemory(kept) } : { changes: { head: kept.replay.head(), replay: diffList(replayBefore, kept.replay.examples()), guard: diffList(guardBefore, kept.guard ?? []), ...pick(packMemory(kept)) } };
  // A grown n-gram table: the patch is of the parent grown as the learner's model grows it before applying it.
  const grown = renumbered(model, decision.parent) ? model.config.bucket : undefined;
  const patch = diffModel(model, decision.parent, undefined, { ofGrownParent: grown !== undefined });
  const result: LearnResult = { accepted: true, reasons, report, warnings, parent: owned(decision.parent), patch: ownedPatch(patch), memory: after, ...(grown !== undefined ? { grownTable: grown } : {}) };
  keptCopy = { version: job.next, model };
  return result;
}

const pick = ({ fisher, seen }: ReturnType<typeof packMemory>) => ({ fisher, seen });

/** A ModelBefore whose arrays own their buffers (the journal's may sit in the copy's WebAssembly memory). */
function owned(b: ModelBefore): ModelBefore {
  return { ...b, tensors: new Map([...b.tensors].map(([name, t]) => [name, { rows: t.rows, ids: own(t.ids), values: own(t.values) }])) };
}

function ownedPatch(p: Patch): Patch {
  return { head: p.head, rows: p.rows.map((r) => ({ ...r, ids: own(r.ids), delta: own(r.delta) })) };
}

/** Scores the learner's model, read in place (the learner holds off changing it until this ends). */
export async function evaluateJob(job: EvaluateJob, post: Post): Promise<Metrics> {
  const model = modelAt(job.model);
  const { examples } = await examplesOf(job.source, post);
  const acc = new MetricsAccumulator(model.labels);
  let last = performance.now();
  const tell = (done: number) => post({ type: 'progress', progress: { phase: 'evaluate', done, total: examples.length, loss: null } });
  examples.forEach((e, i) => {
    acc.update(e.labels, model.predict(e.text, job.options).map((p) => p.label));
    if (performance.now() - last > 250) {
      last = performance.now();
      tell(i + 1);
    }
  });
  tell(examples.length);
  return acc.get();
}

/** A saved learner, loaded (files read and checked here, not on the main thread). */
export function loadJob(job: LoadJob): LoadResult {
  const { model, memory } = loadLearner(job.dir);
  return { model: handleOf(model), memory: memory && packMemory(memory) };
}
