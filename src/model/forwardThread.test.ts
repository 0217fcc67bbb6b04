import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { Example } from '../data/example.js';
import { train } from '../learn/train.js';
import { IntBuffer } from '../util/intBuffer.js';
import { Rng } from '../util/rng.js';
import type { PredictOptions, Prediction, TextClassifier } from './classifier.js';
import { ForwardThread } from './forwardThread.js';
import type { TopRows } from './topRows.js';

const WORDS = ['goal', 'match', 'team', 'pasta', 'sauce', 'oven', 'server', 'code', 'cache', 'the', 'a', 'new', 'zebra'];
const LABELS = ['sport', 'food', 'tech', 'misc'];

/** Texts of 0-30 words, some unknown to the model. */
function texts(n: number, seed: number): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: rng.int(31) }, () => WORDS[rng.int(WORDS.length)] + (rng.next() < 0.1 ? 'x' : '')).join(' '));
}

function examples(n: number, seed: number): Example[] {
  const rng = new Rng(seed);
  return texts(n, seed).map((text) => ({ text, labels: [LABELS[rng.int(LABELS.length)]] }));
}

/** Small trained models: linear softmax, one-vs-all in fastText mode (the sigmoid table), and a hidden layer. */
async function models(): Promise<[string, TextClassifier][]> {
  const base = { dim: 8, epoch: 2, lr: 0.5, wordNgrams: 2, bucket: 500, seed: 5 };
  return [
    ['softmax', (await train(examples(300, 1), base)).model],
    ['ova, fastText mode', (await train(examples(300, 2), { ...base, loss: 'ova', tokenizer: 'fasttext' })).model],
    ['hidden layer', (await train(examples(300, 3), { ...base, hidden: 6, optimizer: 'adam', lr: 0.02 })).model],
  ];
}

/** The input rows of `lines` as a job: rows and line ends, in arrays of their own. */
function job(model: TextClassifier, lines: readonly string[]): { rows: Int32Array; ends: Int32Array } {
  const rows = new IntBuffer();
  const ends = new IntBuffer();
  for (const line of lines) {
    rows.pushAll(model.features(line));
    ends.push(rows.length);
  }
  return { rows: rows.toArray(), ends: ends.toArray() };
}

function predictionsOf(model: TextClassifier, top: TopRows): Prediction[][] {
  return Array.from({ length: top.lines }, (_, i) => {
    const out: Prediction[] = [];
    for (let j = i * top.k; j < (i + 1) * top.k && top.labels[j] >= 0; j++) out.push({ label: model.labels[top.labels[j]], score: top.scores[j] });
    return out;
  });
}

test('the worker predicts what TextClassifier.predict does: same labels, order and probabilities', async () => {
  const lines = texts(200, 9);
  for (const [name, model] of await models()) {
    for (const options of [{}, { k: 3 }, { k: 10, threshold: 0.2 }] satisfies PredictOptions[]) {
      const thread = new ForwardThread();
      try {
        thread.start();
        thread.attach(model, options);
        const { rows, ends } = job(model, lines);
        const got = predictionsOf(model, await thread.run(rows, ends));
        assert.deepEqual(
          got,
          lines.map((t) => model.predict(t, options)),
          `${name}, ${JSON.stringify(options)}`,
        );
      } finally {
        await thread.close();
      }
    }
  }
});

test('many jobs in flight at once: each answered with its own lines', async () => {
  const [[, model]] = await models();
  const thread = new ForwardThread();
  try {
    thread.attach(model, { k: 2 });
    // Sent before the worker is up: they wait for it, in order.
    const batches = Array.from({ length: 40 }, (_, b) => texts(1 + (b % 7) * 20, 100 + b));
    const answers = batches.map((lines) => {
      const { rows, ends } = job(model, lines);
      return thread.run(rows, ends);
    });
    assert.equal(thread.inFlight, 40);
    for (const [b, answer] of answers.entries()) {
      assert.deepEqual(
        predictionsOf(model, await answer),
        batches[b].map((t) => model.predict(t, { k: 2 })),
        `batch ${b}`,
      );
    }
    assert.equal(thread.inFlight, 0);
    assert.equal(thread.up, true);
  } finally {
    await thread.close();
  }
});

test('run before attach, and after close, reject', async () => {
  const [[, model]] = await models();
  const thread = new ForwardThread();
  await assert.rejects(thread.run(new Int32Array(1), new Int32Array([1])), /no model attached/);
  thread.attach(model);
  await thread.close();
  await assert.rejects(thread.run(new Int32Array(1), new Int32Array([1])), /forward worker was closed/);
  assert.equal(await thread.whenUp, false);
});

/** A worker script that says it is up and then fails as `body` makes it (on the first job). */
const failing = (body: string) =>
  new URL(`data:text/javascript,${encodeURIComponent(`import { parentPort } from 'node:worker_threads'; parentPort.on('message', (m) => { if (m.type === 'job') { ${body} } }); parentPort.postMessage({ type: 'up' });`)}`);

test('a worker that fails rejects the jobs in flight and every later one, with a message saying so', async () => {
  const [[, model]] = await models();
  for (const [body, message] of [
    ["throw new Error('boom');", /forward worker failed: boom/],
    ['process.exit(3);', /forward worker exited \(code 3\)/],
  ] as const) {
    const thread = new ForwardThread(failing(body));
    try {
      thread.attach(model);
      thread.start();
      assert.equal(await thread.whenUp, true);
      const { rows, ends } = job(model, ['the team']);
      const first = thread.run(rows, ends);
      const second = thread.run(new Int32Array(1), new Int32Array([1]));
      await assert.rejects(first, message);
      await assert.rejects(second, message);
      await assert.rejects(thread.run(new Int32Array(1), new Int32Array([1])), message);
      assert.equal(thread.failed, true);
      assert.equal(thread.up, false);
    } finally {
      await thread.close();
    }
  }
});

test('a worker whose script does not load fails before it is up', async () => {
  const thread = new ForwardThread(new URL('data:text/javascript,throw new Error("no such thing")'));
  thread.start();
  assert.equal(await thread.whenUp, false);
  assert.equal(thread.failed, true);
  await thread.close();
});

test('an idle worker does not keep the process alive, and a busy one does until it answers', () => {
  const url = new URL('./forwardThread.js', import.meta.url).href;
  const script = `
    import { ForwardThread } from ${JSON.stringify(url)};
    import { TextClassifier } from ${JSON.stringify(new URL('./classifier.js', import.meta.url).href)};
    import { Vocab } from ${JSON.stringify(new URL('../vocab/vocab.js', import.meta.url).href)};
    import { resolveConfig } from ${JSON.stringify(new URL('../config.js', import.meta.url).href)};
    const v = new Vocab(); v.addWord('a'); v.addLabel('x'); v.addLabel('y');
    const m = TextClassifier.create(resolveConfig({ dim: 4, bucket: 10 }), v);
    const t = new ForwardThread(); t.attach(m); t.start();
    // Nothing awaits this answer: the worker's reference alone must keep the process up for it.
    t.run(new Int32Array([0]), new Int32Array([1])).then((top) => console.log('answered', top.lines));
  `;
  // A file, not --eval: the worker would inherit --input-type and fail.
  const file = join(mkdtempSync(join(tmpdir(), 'accrete-forward-')), 'idle.mjs');
  writeFileSync(file, script);
  const r = spawnSync(process.execPath, [file], { timeout: 10_000, encoding: 'utf8' });
  rmSync(dirname(file), { recursive: true, force: true });
  assert.equal(r.signal, null, 'the process ended by itself (no hang)');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'answered 1');
});
