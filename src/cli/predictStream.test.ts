import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../config.js';
import { EOS } from '../features/featurizer.js';
import { TextClassifier } from '../model/classifier.js';
import { ForwardThread } from '../model/forwardThread.js';
import type { TopRows } from '../model/topRows.js';
import type { PendingModel } from '../store/modelFiles.js';
import { Rng } from '../util/rng.js';
import { Vocab } from '../vocab/vocab.js';
import { predictStream, type Write } from './predictStream.js';

/** A small model with random weights (seeded): predictions differ from line to line. */
function model(): TextClassifier {
  const v = new Vocab();
  for (const w of ['the', 'cat', 'dog', 'sat', 'ran', 'on', 'mat', EOS]) v.addWord(w);
  for (const l of ['a', 'b', 'c']) v.addLabel(l);
  const m = TextClassifier.create(resolveConfig({ dim: 6, bucket: 101, wordNgrams: 2, seed: 3 }), v);
  // Random output rows too (a new model's are zero), so that the scores depend on the text.
  m.params.output.data.forEach((_, i, d) => (d[i] = Math.sin(i * 12.9898) * 0.7));
  return m;
}

const TEXTS = ['the cat sat on the mat', 'the dog ran', '', 'unknown words', 'cat cat cat', 'mat on the dog'];

/** A model whose `ready` settles when the test says so. */
function pendingOf(m: TextClassifier): PendingModel & { resolve(): void; reject(err: Error): void } {
  let resolve!: (m: TextClassifier) => void;
  let reject!: (err: Error) => void;
  const ready = new Promise<TextClassifier>((res, rej) => ((resolve = res), (reject = rej)));
  ready.catch(() => {});
  return { features: (t) => m.features(t), ready, resolve: () => resolve(m), reject };
}

/** Collects what is written. */
function collector(): { write: Write; text: () => string; writes: () => number } {
  let text = '';
  let writes = 0;
  return {
    write: async (t) => {
      if (t) (text += t), writes++;
    },
    text: () => text,
    writes: () => writes,
  };
}

/** Batches of TEXTS, `rounds` times over, counting how many batches were taken. */
function batches(rounds: number, taken: { count: number }): AsyncIterable<string[]> {
  return (async function* () {
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < TEXTS.length; i += 2) {
        taken.count++;
        yield TEXTS.slice(i, i + 2);
        await new Promise((res) => setImmediate(res));
      }
    }
  })();
}

function expected(m: TextClassifier, rounds: number, k: number): string {
  let out = '';
  for (let r = 0; r < rounds; r++) for (const t of TEXTS) out += JSON.stringify({ predictions: m.predict(t, { k }) }) + '\n';
  return out;
}

test('lines read before the weights are ready wait, and come out first, in order, with the same predictions', async () => {
  const m = model();
  const pending = pendingOf(m);
  const out = collector();
  const taken = { count: 0 };
  const done = predictStream(batches(4, taken), pending, { k: 2 }, out.write);
  while (taken.count < 5) await new Promise((res) => setImmediate(res));
  assert.equal(out.writes(), 0, 'nothing is written before the weights are verified');
  pending.resolve();
  await done;
  assert.equal(out.text(), expected(m, 4, 2));
});

test('past the cap, reading waits for the weights: the input is not buffered whole', async () => {
  const m = model();
  const pending = pendingOf(m);
  const out = collector();
  const taken = { count: 0 };
  // A round of TEXTS (3 batches) holds 40 rows and 6 line ends: a cap of 100 is reached in the third round.
  const done = predictStream(batches(50, taken), pending, {}, out.write, { cap: 100 });
  for (let i = 0; i < 200; i++) await new Promise((res) => setImmediate(res));
  assert.ok(taken.count >= 6 && taken.count <= 9, `reading stopped at the cap (took ${taken.count} batches of 150)`);
  assert.equal(out.writes(), 0);
  pending.resolve();
  await done;
  assert.equal(taken.count, 150);
  assert.equal(out.text(), expected(m, 50, 1));
});

test('weights that fail verification: the error comes out and nothing is written', async () => {
  for (const failAfter of [0, 3]) {
    const pending = pendingOf(model());
    const out = collector();
    const taken = { count: 0 };
    const done = predictStream(batches(20, taken), pending, {}, out.write);
    while (taken.count < failAfter) await new Promise((res) => setImmediate(res));
    pending.reject(new Error('checksum mismatch'));
    await assert.rejects(done, /checksum mismatch/);
    assert.equal(out.writes(), 0);
    assert.ok(taken.count < 60, 'reading stops at the failure');
  }
});

test('an empty input still waits for the weights, and fails when they fail', async () => {
  const ok = pendingOf(model());
  const out = collector();
  const done = predictStream(batches(0, { count: 0 }), ok, {}, out.write);
  ok.resolve();
  await done;
  assert.equal(out.text(), '');
  const bad = pendingOf(model());
  bad.reject(new Error('truncated'));
  await assert.rejects(predictStream(batches(0, { count: 0 }), bad, {}, collector().write), /truncated/);
});

/** An input whose batches arrive when the test pushes them (and ends when it says so). */
function channel(): { input: AsyncIterable<string[]>; push(batch: string[]): void; end(): void } {
  const queue: IteratorResult<string[]>[] = [];
  let wake: (() => void) | null = null;
  const put = (r: IteratorResult<string[]>) => {
    queue.push(r);
    wake?.();
  };
  return {
    input: {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          while (queue.length === 0) await new Promise<void>((res) => (wake = res));
          return queue.shift()!;
        },
      }),
    },
    push: (batch) => put({ value: batch, done: false }),
    end: () => put({ value: undefined, done: true }),
  };
}

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((res) => setImmediate(res));
};

test('lines held while the weights load are answered as soon as the weights are in, before any more input', async () => {
  const m = model();
  const pending = pendingOf(m);
  const out = collector();
  const ch = channel();
  const done = predictStream(ch.input, pending, {}, out.write);
  ch.push(TEXTS.slice(0, 3));
  await ticks(5);
  assert.equal(out.text(), '');
  pending.resolve();
  await ticks(5);
  // (The writer batches its output; this one writes through, so the answers are out already.)
  assert.equal(out.text(), expected(m, 1, 1).split('\n').slice(0, 3).join('\n') + '\n', 'the three held lines are answered with no more input');
  ch.push(TEXTS.slice(3));
  ch.end();
  await done;
  assert.equal(out.text(), expected(m, 1, 1));
});

test('weights failing while no input comes: the error comes out at once', async () => {
  const pending = pendingOf(model());
  const ch = channel();
  const done = predictStream(ch.input, pending, {}, collector().write);
  ch.push(['the cat']);
  await ticks(3);
  pending.reject(new Error('checksum mismatch'));
  await assert.rejects(done, /checksum mismatch/);
});

/** A forward thread that counts the jobs it is given. */
class CountingThread extends ForwardThread {
  runs = 0;
  override run(rows: Int32Array, ends: Int32Array): Promise<TopRows> {
    this.runs++;
    return super.run(rows, ends);
  }
}

const WORDS = ['the', 'cat', 'dog', 'sat', 'ran', 'on', 'mat', 'zebra', 'yak'];

/** `n` batches of 50 lines of up to 80 words: long enough for the worker to start and take chunks. */
function longBatches(n: number, seed: number): string[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: 50 }, () => Array.from({ length: rng.int(81) }, () => WORDS[rng.int(WORDS.length)]).join(' ')));
}

function expectedOf(m: TextClassifier, lines: readonly string[], k: number): string {
  return lines.map((t) => JSON.stringify({ predictions: m.predict(t, { k }) }) + '\n').join('');
}

test('with a forward worker: the same output, in order, across many batches, the worker doing part of it', async () => {
  const m = model();
  const input = longBatches(120, 1);
  // Weights in before the input, after some of it, and only once it has all been read.
  for (const resolveAfter of [0, 30, Infinity]) {
    const pending = pendingOf(m);
    const out = collector();
    const thread = new CountingThread();
    const batches = (async function* () {
      for (const [i, batch] of input.entries()) {
        if (i === resolveAfter) pending.resolve();
        // Once started, the worker is given the time to come up: the rest of the input is its to share.
        if (i === 40 && thread.started) await thread.whenUp;
        yield batch;
      }
      setTimeout(() => pending.resolve(), 5);
    })();
    try {
      await predictStream(batches, pending, { k: 2 }, out.write, { forward: thread, workerAfterRows: 1 << 16 });
    } finally {
      await thread.close();
    }
    assert.equal(out.text(), expectedOf(m, input.flat(), 2), `weights in after ${resolveAfter} batches`);
    if (resolveAfter < input.length) assert.ok(thread.runs > 0, 'the worker took chunks');
    else assert.equal(thread.started, false, 'no worker for an input read whole before the weights are in');
  }
});

test('with a forward worker that fails on its jobs: this thread predicts them, the output is complete', async () => {
  const m = model();
  const pending = pendingOf(m);
  pending.resolve();
  const script = `import { parentPort } from 'node:worker_threads'; parentPort.on('message', (m) => { if (m.type === 'job') throw new Error('kernel trap'); }); parentPort.postMessage({ type: 'up' });`;
  const thread = new ForwardThread(new URL(`data:text/javascript,${encodeURIComponent(script)}`));
  const input = longBatches(60, 2);
  const out = collector();
  const batches = (async function* () {
    for (const batch of input) {
      // Once started, the worker is given the time to come up (a loaded machine may take longer
      // than the whole input): the rest of the input is its to take, and to fail on.
      if (thread.started) await thread.whenUp;
      yield batch;
      await new Promise((res) => setTimeout(res, 1));
    }
  })();
  try {
    await predictStream(batches, pending, {}, out.write, { forward: thread, workerAfterRows: 1 << 16 });
    assert.equal(out.text(), expectedOf(m, input.flat(), 1));
    assert.match(String(thread.error?.message), /forward worker (failed|exited)/, 'the worker was sent jobs and failed');
  } finally {
    await thread.close();
  }
});

test('with a forward worker that fails after it was sent chunks: the chunks still waiting for it are predicted at once, not when the input ends', async () => {
  const m = model();
  const pending = pendingOf(m);
  pending.resolve();
  const script = `import { parentPort } from 'node:worker_threads'; parentPort.on('message', (m) => { if (m.type === 'job') throw new Error('kernel trap'); }); parentPort.postMessage({ type: 'up' });`;
  const thread = new ForwardThread(new URL(`data:text/javascript,${encodeURIComponent(script)}`));
  // Batches of 200 lines (~16k input rows): each goes to the worker, which takes two at a time.
  const big = Array.from({ length: 5 }, (_, i) => longBatches(4, 10 + i).flat());
  const out = collector();
  const ch = channel();
  const done = predictStream(ch.input, pending, {}, out.write, { forward: thread, workerAfterRows: 1 });
  try {
    ch.push(['the cat']);
    assert.equal(await thread.whenUp, true);
    // All at once: the worker is sent two, three wait for it, and then it fails on its first job.
    for (const batch of big) ch.push(batch);
    while (!thread.failed) await new Promise((res) => setTimeout(res, 5));
    await ticks(5);
    assert.match(String(thread.error?.message), /forward worker failed: kernel trap/);
    // No more input yet: every line read so far is answered all the same.
    assert.equal(out.text(), expectedOf(m, ['the cat', ...big.flat()], 1));
    ch.end();
    await done;
  } finally {
    await thread.close();
  }
});

test('with a forward worker that never comes up: this thread predicts everything', async () => {
  const m = model();
  const pending = pendingOf(m);
  const out = collector();
  const thread = new ForwardThread(new URL('data:text/javascript,throw new Error("cannot start")'));
  const input = longBatches(30, 3);
  const done = predictStream(
    (async function* () {
      yield* input;
    })(),
    pending,
    {},
    out.write,
    { forward: thread, workerAfterRows: 1 << 16 },
  );
  pending.resolve();
  try {
    await done;
  } finally {
    await thread.close();
  }
  assert.equal(out.text(), expectedOf(m, input.flat(), 1));
});
