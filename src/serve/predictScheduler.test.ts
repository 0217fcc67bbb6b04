/**
 * The prediction scheduler, deterministically: slices bounded by characters (sliceMs Infinity), so
 * the order of the work is exact. Speed itself is measured by `npm run bench:serve -- --only fairness`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OverloadedError } from '../errors.js';
import { PredictScheduler, TaskDropped } from './predictScheduler.js';
import { STATUS } from './status.js';

/** One text per slice (every text here is at least one character). */
const oneTextSlices = (maxQueuedChars = 1e9) => new PredictScheduler({ sliceMs: Infinity, sliceChars: 1, maxQueuedChars });
const texts = (n: number, prefix: string, length = 3) => Array.from({ length: n }, (_, i) => `${prefix}${i}`.padEnd(length, '.'));

test('a one-text task submitted while a 1,000-text task runs finishes first, after one slice of the large one at most', async () => {
  const s = oneTextSlices();
  const done: string[] = [];
  let bigSteps = 0;
  const big = s.run(texts(1000, 'big', 340), () => bigSteps++).then(() => done.push('big'));
  // Let the large task run a few slices, as it would have before a small request arrives.
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  const before = bigSteps;
  assert.ok(before > 0 && before < 1000, `the large task is under way (${before} texts done)`);
  let bigStepsWhenSmallDone = -1;
  const small = s.run(['a dog'], (t) => t.toUpperCase()).then((r) => {
    done.push('small');
    bigStepsWhenSmallDone = bigSteps;
    return r;
  });
  assert.deepEqual(await small, ['A DOG']);
  assert.ok(bigStepsWhenSmallDone - before <= 1, `the small task waited ${bigStepsWhenSmallDone - before} slices of the large one`);
  await big;
  assert.deepEqual(done, ['small', 'big']);
  assert.equal(bigSteps, 1000);
});

test('new tasks get a first slice before the others their next one; then tasks take turns round-robin; results stay in order', async () => {
  const s = oneTextSlices();
  const log: string[] = [];
  const a = s.run(['a0', 'a1', 'a2', 'a3'], (t) => (log.push(t), t + '!'));
  const b = s.run(['b0', 'b1', 'b2'], (t) => (log.push(t), t + '?'));
  const c = s.run(['c0'], (t) => (log.push(t), t));
  assert.deepEqual(await Promise.all([a, b, c]), [['a0!', 'a1!', 'a2!', 'a3!'], ['b0?', 'b1?', 'b2?'], ['c0']]);
  // a0 ran at once (the scheduler was idle); b and c, new, have their first slice before a its second; then one slice each in turn.
  assert.deepEqual(log, ['a0', 'b0', 'c0', 'a1', 'b1', 'a2', 'b2', 'a3']);
});

test('an idle scheduler runs a small task in the call itself (no event-loop hop)', async () => {
  const s = new PredictScheduler();
  let ran = false;
  const p = s.run(['one text'], () => (ran = true));
  assert.equal(ran, true);
  assert.deepEqual(await p, [true]);
});

test('the time budget ends a slice: a task whose texts take 3 ms each runs about one per 4 ms slice', async () => {
  const s = new PredictScheduler({ sliceMs: 4 });
  const busy = (ms: number) => {
    const t = performance.now();
    while (performance.now() - t < ms);
  };
  let steps = 0;
  const p = s.run(texts(10, 't'), () => (busy(3), steps++));
  assert.ok(steps >= 1 && steps <= 2, `the first slice ran ${steps} texts`);
  await p;
  assert.equal(steps, 10);
});

test('past the queue bound a task is refused with OVERLOADED (503) and a Retry-After; a one-text task is still admitted', async () => {
  const s = oneTextSlices(100);
  const steps = { a: 0, b: 0 };
  const a = s.run(texts(8, 'a', 10), () => steps.a++); // 80 characters; its first slice runs now: 70 left
  const b = s.run(texts(5, 'b', 10), () => steps.b++); // min(70, 50) + 50 = 100: admitted
  assert.throws(
    () => s.run(texts(6, 'c', 10), () => assert.fail('a refused task never runs')), // min(70, 60) + min(50, 60) + 60 > 100
    (err: unknown) => {
      assert.ok(err instanceof OverloadedError);
      assert.equal(err.code, 'OVERLOADED');
      assert.equal(STATUS[err.code], 503);
      assert.ok(Number.isInteger(err.retryAfter) && err.retryAfter >= 1 && err.retryAfter <= 60, String(err.retryAfter));
      assert.match(err.message, /too much prediction work queued \(2 request\(s\), 120 characters; this one has 60\)/);
      return true;
    },
  );
  const small = s.run(['d'], (t) => t); // 1 + 1 + 1 <= 100
  assert.deepEqual(await small, ['d']);
  await Promise.all([a, b]);
  assert.deepEqual(steps, { a: 8, b: 5 });
  assert.deepEqual(s.stats(), { tasks: 0, queuedChars: 0, admitted: 3, refused: 1, dropped: 0 });
  // Once the work is done, the same task is admitted.
  assert.equal((await s.run(texts(6, 'c', 10), (t) => t)).length, 6);
});

test('an aborted task is dropped at once: none of its remaining texts run, and the others go on', async () => {
  const s = oneTextSlices();
  const gone = new AbortController();
  let steps = 0;
  const big = s.run(texts(1000, 'x'), () => steps++, gone.signal);
  const other = s.run(texts(20, 'o'), (t) => t);
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  gone.abort();
  const stopped = steps;
  await assert.rejects(big, TaskDropped);
  assert.equal((await other).length, 20);
  assert.equal(steps, stopped, 'no text of the dropped task ran after the abort');
  assert.ok(stopped < 1000);
  assert.deepEqual(s.stats(), { tasks: 0, queuedChars: 0, admitted: 2, refused: 0, dropped: 1 });

  const already = new AbortController();
  already.abort();
  await assert.rejects(
    s.run(['y'], () => assert.fail('never runs'), already.signal),
    TaskDropped,
  );
});

test('a step that throws fails its own task only', async () => {
  const s = oneTextSlices();
  const bad = s.run(['ok', 'boom', 'never'], (t) => {
    if (t === 'boom') throw new Error('boom');
    return t;
  });
  const good = s.run(['g0', 'g1', 'g2'], (t) => t);
  await assert.rejects(bad, /boom/);
  assert.deepEqual(await good, ['g0', 'g1', 'g2']);
  assert.equal(s.stats().tasks, 0);
});

test('options must be positive', () => {
  assert.throws(() => new PredictScheduler({ sliceMs: 0 }), /sliceMs 0/);
  assert.throws(() => new PredictScheduler({ maxQueuedChars: 0 }), /maxQueuedChars 0/);
});
