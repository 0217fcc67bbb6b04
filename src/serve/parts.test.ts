/** The service's small parts: Page-Hinkley, the live error window, Prometheus text, group commit, request validation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { PageHinkley, servedSinceSwap } from './drift.js';
import { FeedbackQueue } from './feedbackQueue.js';
import { ErrorWindow } from './live.js';
import { MetricsRegistry } from './metrics.js';
import { DEFAULT_LIMITS, feedbackRequest, predictRequest, updateRequest } from './validate.js';
import type { FeedbackEvent } from '../registry/types.js';

const bernoulli = (rng: Rng, p: number) => (rng.next() < p ? 1 : 0);

test('example: Page-Hinkley stays quiet on a steady 10% error rate and fires soon after it jumps to 50%', () => {
  const rng = new Rng(7);
  const ph = new PageHinkley();
  for (let i = 0; i < 5000; i++) assert.equal(ph.update(bernoulli(rng, 0.1)), false, `false alarm at event ${i}`);
  let firedAfter = -1;
  for (let i = 0; i < 500 && firedAfter < 0; i++) if (ph.update(bernoulli(rng, 0.5))) firedAfter = i + 1;
  assert.ok(firedAfter > 0 && firedAfter < 120, `fired after ${firedAfter} events`);
  assert.equal(ph.state().drift, true);
  assert.equal(ph.update(1), false, 'fires once, then stays in drift until reset');
  ph.reset();
  assert.deepEqual(ph.state(), { detector: 'page-hinkley', n: 0, mean: 0, statistic: 0, threshold: 20, drift: false });
});

test('Page-Hinkley: a falling error rate is not drift', () => {
  const rng = new Rng(3);
  const ph = new PageHinkley();
  for (let i = 0; i < 300; i++) ph.update(bernoulli(rng, 0.6));
  for (let i = 0; i < 2000; i++) assert.equal(ph.update(bernoulli(rng, 0.05)), false);
});

test('Page-Hinkley after a restart: replaying the restored outcomes goes on from them without a false alarm, and a burst of errors fires', () => {
  for (const [seed, rate] of [[11, 0.1], [12, 0.3], [13, 0.5]]) {
    const rng = new Rng(seed);
    const history = Array.from({ length: 200 }, () => bernoulli(rng, rate));
    const ph = new PageHinkley();
    ph.replay(history);
    assert.equal(ph.state().n, 200);
    assert.equal(ph.state().drift, false, `no alarm from a steady ${rate} error rate`);
    let firedAfter = -1;
    for (let i = 0; i < 80 && firedAfter < 0; i++) if (ph.update(1)) firedAfter = i + 1;
    assert.ok(firedAfter > 0 && firedAfter < 60, `rate ${rate}: fired after ${firedAfter} straight errors`);
  }
  // What happened without the replay: a detector started at zero on a stream of errors never fires.
  const cold = new PageHinkley();
  for (let i = 0; i < 80; i++) assert.equal(cold.update(1), false);
  assert.equal(cold.state().statistic, 0);
});

test('the outcomes replayed after a restart: the trailing run of the serving version (the detector was reset when it came in)', () => {
  const o = (version: string | null, error: number) => ({ version, error });
  assert.deepEqual(servedSinceSwap([o('v1', 1), o('v2', 0), o('v1', 1), o('v2', 1), o('v2', 0)], 'v2'), [1, 0]);
  assert.deepEqual(servedSinceSwap([o('v1', 1), o('v1', 0)], 'v2'), []);
  assert.deepEqual(servedSinceSwap([], 'v1'), []);
});

test('the live error window: the share of errors among the last N events', () => {
  const w = new ErrorWindow(4);
  assert.equal(w.rate(), null);
  for (const e of [1, 1, 0, 0]) w.push(e);
  assert.equal(w.rate(), 0.5);
  w.push(0);
  w.push(0);
  assert.equal(w.rate(), 0);
  assert.equal(w.count, 4);
});

test('Prometheus text: HELP and TYPE lines, escaped labels, cumulative histogram buckets', () => {
  const m = new MetricsRegistry();
  const c = m.counter('x_total', 'Things.');
  const h = m.histogram('d_seconds', 'Durations.');
  m.gauge({ name: 'g', help: 'A gauge.', read: () => [{ labels: { v: 'a"b\\c\nd' }, value: 2 }] });
  c({ route: '/a' });
  c({ route: '/a' }, 2);
  h({ route: '/a' }, 0.003);
  h({ route: '/a' }, 20);
  const text = m.render();
  assert.match(text, /^# HELP x_total Things\.\n# TYPE x_total counter\nx_total\{route="\/a"\} 3$/m);
  assert.match(text, /^d_seconds_bucket\{route="\/a",le="0\.0025"\} 0$/m);
  assert.match(text, /^d_seconds_bucket\{route="\/a",le="0\.005"\} 1$/m);
  assert.match(text, /^d_seconds_bucket\{route="\/a",le="10"\} 1$/m);
  assert.match(text, /^d_seconds_bucket\{route="\/a",le="\+Inf"\} 2$/m);
  assert.match(text, /^d_seconds_count\{route="\/a"\} 2$/m);
  assert.match(text, /^g\{v="a\\"b\\\\c\\nd"\} 2$/m);
});

test('group commit: requests of one event-loop turn share one write, each gets its own ids', async () => {
  const writes: number[] = [];
  let next = 1;
  const q = new FeedbackQueue(
    async (events) => (writes.push(events.length), events.map(() => next++)),
    () => {},
  );
  const e = { text: 't', labels: ['a'], predicted: 'a', score: 1, version: 'v1', createdAt: 0, source: 's' } satisfies FeedbackEvent;
  const answers = await Promise.all([q.add([e, e]), q.add([e]), q.add([e, e, e])]);
  assert.deepEqual(answers, [[1, 2], [3], [4, 5, 6]]);
  assert.deepEqual(writes, [6]);
  const failing = new FeedbackQueue(
    async () => {
      throw new Error('disk full');
    },
    () => assert.fail('afterCommit must not run'),
  );
  await assert.rejects(failing.add([e]), /disk full/);
});

test('request validation: the accepted shapes', () => {
  assert.deepEqual(predictRequest({ text: 'a b', k: 2 }, DEFAULT_LIMITS), { texts: ['a b'], single: true, k: 2, threshold: 0 });
  assert.deepEqual(predictRequest({ texts: ['a', 'b'], threshold: 0.5 }, DEFAULT_LIMITS), { texts: ['a', 'b'], single: false, k: 1, threshold: 0.5 });
  assert.deepEqual(feedbackRequest({ text: 'a', label: ' x ' }, DEFAULT_LIMITS), { examples: [{ text: 'a', labels: ['x'] }], source: 'api' });
  assert.deepEqual(feedbackRequest({ examples: [{ text: 'a', labels: ['x', 'y'], weight: 2 }], source: 'app-1' }, DEFAULT_LIMITS), { examples: [{ text: 'a', labels: ['x', 'y'], weight: 2 }], source: 'app-1' });
  assert.deepEqual(updateRequest({}), {});
  assert.deepEqual(updateRequest({ select: 'topk-grad:0.5', rounds: 3, maxDrop: 0.02 }), { select: { kind: 'topk-grad', fraction: 0.5 }, rounds: 3, maxDrop: 0.02 });
  // The gate's other knob and the replay mix, as `accrete update` takes them; update()'s ranges apply.
  assert.deepEqual(updateRequest({ labelTolerance: 0.2, replayRatio: 0.5, balance: 1 }), { labelTolerance: 0.2, replayRatio: 0.5, balance: 1 });
  assert.throws(() => updateRequest({ labelTolerance: 2 }), /"labelTolerance" must be a fraction in \[0, 1\]/);
  assert.throws(() => updateRequest({ rounds: 201 }), /"rounds" must be an integer from 1 to 200/);
  // The gate's policy and the traffic mix it weighs by, per update.
  assert.deepEqual(updateRequest({ policy: 'guard', newShare: 0.2 }), { policy: 'guard', newShare: 0.2 });
  assert.throws(() => updateRequest({ policy: 'lenient' }), /"policy" must be one of weighted, guard/);
  assert.throws(() => updateRequest({ newShare: 1.5 }), /"newShare" must be a fraction in \[0, 1\]/);
});
