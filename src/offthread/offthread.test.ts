/**
 * Learner.train, learn and evaluate run off the main thread: a 10 ms interval keeps firing while
 * they work on 3,000 generated texts; they abort (before starting and mid-way) leaving the learner
 * as it was; they report progress; a learn under way leaves predictions as they were until it is
 * applied, and waits for an evaluate reading the model.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measurePausesWithControl } from '../bench/eventloop/pause.js';
import { AccreteError } from '../errors.js';
import { Learner } from '../learner.js';
import type { TextClassifier } from '../model/classifier.js';
import { namedTensors } from '../store/patch.js';
import { Rng } from '../util/rng.js';
import type { Metrics } from '../eval/metrics.js';
import { packExamples } from './pack.js';
import type { LearnerProgress } from './progress.js';
import { JobThread } from './runner.js';
import { handleOf } from './transfer.js';

/**
 * Generous: the target is 50 ms; this must not fail on a loaded 2-core machine, so the
 * bound also grows by what a thread with nothing to do paused meanwhile (the control: on a busy
 * machine threads wait their turn for a core). Work on the main thread shows as a pause as long as
 * the work (train alone is a second or more here), which no control excuses.
 */
const PAUSE_BOUND_MS = 200;

/** `n` texts of 40-120 words: a shared vocabulary of 4,000 words, and 60 words per label that mark it. */
function generate(n: number, labels: string[], seed: number): { text: string; label: string }[] {
  const rng = new Rng(seed);
  const common = Array.from({ length: 4000 }, (_, i) => `w${i.toString(36)}`);
  const marks = new Map(labels.map((l) => [l, Array.from({ length: 60 }, (_, i) => `${l}${i}`)]));
  return Array.from({ length: n }, (_, k) => {
    const label = labels[k % labels.length];
    const words = Array.from({ length: 40 + rng.int(80) }, () => (rng.int(5) === 0 ? marks.get(label)![rng.int(60)] : common[rng.int(common.length)]));
    return { text: words.join(' '), label };
  });
}

const LABELS = ['alpha', 'beta', 'gamma', 'delta'];
const data = generate(3000, LABELS, 1);
const feedback = generate(300, ['epsilon'], 2);
const OPTIONS = { dim: 32, bucket: 200_000, wordNgrams: 2, epoch: 5, lr: 0.5, seed: 1 };

/** Every tensor of a model, bit for bit. */
function weights(model: TextClassifier): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, m] of namedTensors(model)) out[name] = Array.from(new Uint32Array(m.data.buffer, m.data.byteOffset, m.rows * m.cols));
  return out;
}

function snapshot(learner: Learner) {
  return { weights: weights(learner.model), labels: [...learner.labels], words: learner.model.vocab.wordCount, info: structuredClone(learner.model.info), replay: learner.memory?.replay.toState(), guard: learner.memory?.guard, fisher: learner.memory?.fisher };
}

test('a 10 ms interval keeps firing while Learner.train, learn and evaluate work on 3,000 texts', async (t) => {
  for (const thread of [1, 2]) {
    const check = (what: string, p: { longestMs: number; ticks: number; controlMs: number }) => {
      assert.ok(p.ticks >= 3, `the interval fired ${p.ticks} times during ${what} (else this test checks nothing)`);
      assert.ok(p.longestMs < PAUSE_BOUND_MS + p.controlMs, `${what}: the event loop paused ${p.longestMs.toFixed(0)} ms (a thread with nothing to do: ${p.controlMs.toFixed(0)} ms)`);
    };
    const say = (what: string, p: { longestMs: number; ticks: number; wallMs: number; controlMs: number }) => `${what} ${p.longestMs.toFixed(0)} ms (control ${p.controlMs.toFixed(0)} ms; ${p.ticks} ticks in ${p.wallMs.toFixed(0)} ms)`;
    const trained = await measurePausesWithControl(() => Learner.train(data, { ...OPTIONS, thread }));
    check(`train with ${thread} thread(s)`, trained);
    const learner = trained.result;
    const learned = await measurePausesWithControl(() => learner.learn(feedback));
    assert.ok(learned.result.accepted, JSON.stringify(learned.result.reasons));
    check('learn', learned);
    const evaluated = await measurePausesWithControl(() => learner.evaluate(data));
    t.diagnostic(`thread ${thread}: longest pauses: ${say('train', trained)}, ${say('learn', learned)}, ${say('evaluate', evaluated)}`);
    check('evaluate', evaluated);
    assert.ok(evaluated.result.accuracy > 0.9, `accuracy ${evaluated.result.accuracy}`);
  }
});

test('an aborted signal rejects train, learn and evaluate before they start, with an AbortError', async () => {
  const signal = AbortSignal.abort(new Error('user gave up'));
  const isAbort = (what: string) => (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'AbortError');
    assert.equal((err as { code?: unknown }).code, 'ABORT_ERR');
    assert.match(err.message, new RegExp(`^${what} was aborted`));
    assert.equal((err.cause as Error).message, 'user gave up');
    return true;
  };
  await assert.rejects(Learner.train(data, { ...OPTIONS, signal }), isAbort('Learner.train'));
  const learner = await Learner.train(data.slice(0, 300), { ...OPTIONS, epoch: 2 });
  const before = snapshot(learner);
  await assert.rejects(learner.learn(feedback, { signal }), isAbort('learn'));
  await assert.rejects(learner.evaluate(data, { signal }), isAbort('evaluate'));
  await assert.rejects(Learner.load('/nonexistent', { signal }), isAbort('Learner.load'));
  assert.deepEqual(snapshot(learner), before);
  await assert.rejects(learner.learn(feedback, { signal: 'no' as never }), /options\.signal must be an AbortSignal/);
});

test('aborting mid-way: training stops, and a learn leaves the model and memory as they were', async () => {
  const controller = new AbortController();
  const seen: string[] = [];
  await assert.rejects(
    Learner.train(data, {
      ...OPTIONS,
      epoch: 50,
      onProgress: (p) => {
        seen.push(p.phase);
        if (p.phase === 'train') controller.abort();
      },
      signal: controller.signal,
    }),
    { name: 'AbortError' },
  );
  assert.ok(seen.includes('train'), 'aborted from a training progress event');

  const learner = await Learner.train(data, OPTIONS);
  const before = snapshot(learner);
  const predictions = learner.predict(data.slice(0, 50).map((e) => e.text), { k: 2 });
  const abortLearn = new AbortController();
  let rounds = 0;
  await assert.rejects(
    learner.learn(feedback, {
      rounds: 20,
      patience: 20,
      signal: abortLearn.signal,
      onProgress: (p) => {
        if (p.phase === 'update' && p.round && ++rounds === 2) abortLearn.abort();
      },
    }),
    { name: 'AbortError', message: /^learn was aborted/ },
  );
  assert.equal(rounds, 2, 'aborted after two rounds had run');
  assert.deepEqual(snapshot(learner), before, 'nothing of the update was applied');
  assert.deepEqual(learner.predict(data.slice(0, 50).map((e) => e.text), { k: 2 }), predictions);
  // And the learner learns afterwards as if the aborted learn had never been.
  const r = await learner.learn(feedback);
  assert.equal(r.accepted, true, JSON.stringify(r.reasons));
  assert.ok(learner.labels.includes('epsilon'));
});

test('progress: train counts examples over its epochs, then builds the memory; learn counts rounds; evaluate counts examples', async () => {
  const events: LearnerProgress[] = [];
  const learner = await Learner.train(data, { ...OPTIONS, thread: 1, onProgress: (p) => events.push(p) });
  const train = events.filter((e) => e.phase === 'train');
  assert.ok(train.length >= 5, `${train.length} training events (one per epoch at least)`);
  const total = (learner.report!.examples * OPTIONS.epoch);
  for (const e of train) {
    assert.equal(e.total, total);
    assert.ok(e.train && e.train.epochs === OPTIONS.epoch);
  }
  for (let i = 1; i < train.length; i++) assert.ok(train[i].done >= train[i - 1].done, 'done never goes back');
  assert.equal(train.at(-1)!.done, total);
  assert.ok(train.some((e) => e.loss !== null && e.loss > 0), 'losses are reported');
  assert.deepEqual(events.filter((e) => e.phase === 'memory').map((e) => [e.done, e.total]), [[0, 1], [1, 1]]);
  assert.equal(events.findIndex((e) => e.phase === 'memory') > events.lastIndexOf(train.at(-1)!), true, 'the memory after training');

  const updates: LearnerProgress[] = [];
  const roundReports: number[] = [];
  const result = await learner.learn(feedback, { onProgress: (p) => updates.push(p), onRound: (r) => roundReports.push(r.round) });
  assert.deepEqual(updates[0], { phase: 'update', done: 0, total: 5, loss: null });
  const rounds = updates.slice(1);
  assert.deepEqual(rounds.map((e) => e.done), result.report.rounds.map((r) => r.round));
  assert.deepEqual(roundReports, result.report.rounds.map((r) => r.round), 'onRound is still called');
  assert.deepEqual(rounds.map((e) => e.round), result.report.rounds);

  const scored: LearnerProgress[] = [];
  await learner.evaluate(data, { onProgress: (p) => scored.push(p) });
  assert.deepEqual(scored.at(-1), { phase: 'evaluate', done: data.length, total: data.length, loss: null });
});

test('a learn under way leaves predictions as they were, and is applied after an evaluate that reads the model', async () => {
  const learner = await Learner.train(data, OPTIONS);
  const texts = feedback.slice(0, 20).map((e) => e.text);
  const before = learner.predict(texts, { k: 1 });
  const metricsBefore = await learner.evaluate(data);
  let during: unknown = null;
  const learning = learner.learn(feedback, { onProgress: (p) => p.phase === 'update' && p.done === 1 && (during = learner.predict(texts, { k: 1 })) });
  const evaluating = learner.evaluate(data);
  const [result, metrics] = await Promise.all([learning, evaluating]);
  assert.equal(result.accepted, true, JSON.stringify(result.reasons));
  assert.deepEqual(during, before, 'mid-update, predictions are the parent\'s');
  assert.deepEqual(metrics, metricsBefore, 'the evaluate begun before the update was applied read the parent throughout');
  assert.ok(learner.predict(texts, { k: 1 }).every((p) => p[0].label === 'epsilon'), 'after it, the new label');
});

test('two learns at once run one after the other, the second from the first', async () => {
  const learner = await Learner.train(data.slice(0, 1000), OPTIONS);
  const [a, b] = await Promise.all([learner.learn(feedback.slice(0, 100)), learner.learn(generate(100, ['zeta'], 3))]);
  assert.equal(a.accepted && b.accepted, true, JSON.stringify([a.reasons, b.reasons]));
  assert.equal(learner.lineage?.depth, 2);
  assert.ok(learner.labels.includes('epsilon') && learner.labels.includes('zeta'));
});

test('errors thrown on the worker thread reach the caller as the same class, code and message', async () => {
  await assert.rejects(Learner.train('/no/such/dir/train.jsonl'), (err: unknown) => err instanceof AccreteError && /\/no\/such\/dir\/train\.jsonl/.test(err.message));
  await assert.rejects(Learner.load('/no/such/model'), (err: unknown) => err instanceof AccreteError && err.name === 'ModelFileError' && err.code === 'BAD_MODEL_FILE');
  await assert.rejects(Learner.train(data.slice(0, 10), { onCheckpoint: () => undefined } as never), { code: 'BAD_CONFIG', message: /onCheckpoint is not an option here/ });
});

test("a kept worker thread: one for a learner's jobs, ended by an abort and started again by the next job", async () => {
  const { model } = await Learner.train(data.slice(0, 400), { ...OPTIONS, epoch: 1 });
  const job = async () => ({ kind: 'evaluate' as const, model: handleOf(model), source: { examples: packExamples(data.slice(0, 50).map((e) => ({ text: e.text, labels: [e.label] }))) }, options: {} });
  const thread = new JobThread();
  assert.equal(thread.threadId, null, 'started at the first job, not before');
  try {
    const first = await thread.run<Metrics>(await job(), { what: 'evaluate' });
    const id = thread.threadId;
    assert.notEqual(id, null);
    const second = await thread.run<Metrics>(await job(), { what: 'evaluate' });
    assert.equal(thread.threadId, id, 'the same thread ran the second job');
    assert.deepEqual(second, first);
    const controller = new AbortController();
    const aborted = thread.run<Metrics>(await job(), { what: 'evaluate', signal: controller.signal, onMessage: () => controller.abort() });
    await assert.rejects(aborted, { name: 'AbortError' });
    assert.equal(thread.threadId, null, 'an abort ends the thread');
    assert.deepEqual(await thread.run<Metrics>(await job(), { what: 'evaluate' }), first, 'the next job starts another');
    assert.notEqual(thread.threadId, id);
  } finally {
    thread.close();
  }
  assert.equal(thread.threadId, null);
});

test("a learner's idle thread does not keep the process alive", (t) => {
  const script = `import { Learner } from ${JSON.stringify(new URL('../index.js', import.meta.url).href)};
const data = ${JSON.stringify(data.slice(0, 200))};
const learner = await Learner.train(data, { dim: 8, bucket: 20000, epoch: 1, seed: 1 });
const d = await learner.learn(${JSON.stringify(feedback.slice(0, 10))}, { gate: false });
// Held to the end: a learner collected would end its thread (FinalizationRegistry), and this would check nothing.
globalThis.keep = learner;
console.log(d.accepted);`;
  const dir = mkdtempSync(join(tmpdir(), 'accrete-idle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'learn.mjs'), script);
  const r = spawnSync(process.execPath, [join(dir, 'learn.mjs')], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.error, undefined, 'the process ended by itself');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'true');
});
