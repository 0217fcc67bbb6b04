import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { toExamples, type Example } from '../data/example.js';
import { ConfigError } from '../errors.js';
import { tensors } from '../model/params.js';
import { Rng } from '../util/rng.js';
import { BUCKETS, CHAR_NGRAMS, DIMS, fitModelSize, HIDDENS, INFORMED_STARTS, informedStarts, LONG_TOKENS, shapeOf, SHORT_TOKENS, type Searched, type TrialSettings, WEIGHT_DECAYS, modelBytes, RUNGS, sampleAround, sigma, type AutotuneOptions, type AutotuneTrial } from './autotune.js';
import { train } from './train.js';

const corpus = (name: string) => fileURLToPath(new URL(`../../test/fixtures/corpus/${name}`, import.meta.url));
const jsonl = (name: string): readonly Example[] =>
  toExamples(
    readFileSync(corpus(name), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown),
    name,
  );
const TRAIN = jsonl('wordnet3.train.jsonl');
const VALID = jsonl('wordnet3.test.jsonl');
/** A fixed small dimension and a small size bound keep every trial fast. */
const START = { dim: 16, thread: 1 };
const SIZE = 2_000_000;

const checksum = (model: Awaited<ReturnType<typeof train>>['model']) => {
  const h = createHash('sha256');
  for (const [, m] of tensors(model.params)) h.update(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
  return h.digest('hex');
};

const search = (seed: number, tune: Partial<AutotuneOptions>) => train(TRAIN, { ...START, seed, autotune: { validation: VALID, trials: 6, modelSize: SIZE, ...tune } });

test('a trial-bounded search is deterministic for a seed: same trials, same model', async () => {
  const a = await search(4, {});
  const b = await search(4, {});
  const strip = (r: typeof a) => r.autotune!.trials.map(({ seconds: _s, ...t }) => t);
  assert.equal(a.autotune!.trials.length, 6);
  assert.deepEqual(strip(a), strip(b));
  assert.equal(a.autotune!.best, b.autotune!.best);
  assert.equal(checksum(a.model), checksum(b.model));
  const c = await search(5, {});
  assert.notDeepEqual(strip(c).map((t) => t.settings), strip(a).map((t) => t.settings), 'another seed samples other trials');
});

test('trial 1 is the starting options, and the kept trial scores at least as well, as reported', async () => {
  const r = await search(2, { trials: 8 });
  const tune = r.autotune!;
  const first = tune.trials[0];
  assert.deepEqual(
    { dim: first.settings.dim, epoch: first.settings.epoch, lr: first.settings.lr, wordNgrams: first.settings.wordNgrams, minn: first.settings.minn, maxn: first.settings.maxn, loss: first.settings.loss, hidden: first.settings.hidden },
    { dim: 16, epoch: 5, lr: 0.1, wordNgrams: 1, minn: 0, maxn: 0, loss: 'softmax', hidden: 0 },
  );
  assert.equal(first.status, 'done');
  // Glosses of about ten words: no informed starts, so trial 2 is already a sample around trial 1.
  assert.equal(tune.shape, 'middle');
  assert.equal(tune.informedStarts, 0);
  assert.equal(tune.startScore, first.score);
  assert.ok(tune.bestScore >= tune.startScore, `best ${tune.bestScore} < start ${tune.startScore}`);
  for (const t of tune.trials) if (t.score !== null) assert.ok(t.score <= tune.bestScore);
  // The kept model is the best trial's, and predicts what the search measured.
  const kept = tune.trials[tune.best - 1];
  assert.equal(r.model.config.dim, kept.settings.dim);
  assert.equal(r.model.config.epoch, kept.settings.epoch);
  // Reused featurised data trains the same model as featurising afresh.
  const again = await train(TRAIN, { ...START, ...kept.settings, seed: 2 });
  assert.equal(checksum(again.model), checksum(r.model));
  const correct = VALID.filter((e) => e.labels.includes(r.model.predict(e.text, { k: 1 })[0].label)).length;
  assert.equal(correct / VALID.length, tune.bestScore);
});

test('every trial respects the model-size bound', async () => {
  const limit = 400_000;
  const r = await search(1, { trials: 8, modelSize: limit });
  for (const t of r.autotune!.trials) {
    assert.ok(t.modelBytes <= limit, `trial ${t.trial}: ${t.modelBytes} bytes`);
    assert.ok((BUCKETS as readonly number[]).includes(t.settings.bucket), `trial ${t.trial}: bucket ${t.settings.bucket} is off the grid`);
  }
  assert.ok(r.model.params.input.rows * r.model.params.input.cols * 4 <= limit);
  assert.equal(r.autotune!.modelSizeLimit, limit);
});

test('fitModelSize shrinks the bucket, then the dimension, and refuses a bound the words alone exceed', () => {
  const s = { dim: 100, epoch: 5, lr: 0.1, wordNgrams: 2, minn: 0, maxn: 0, bucket: 2_000_000, loss: 'softmax' as const, hidden: 0, bagNorm: 'mean' as const, weightDecay: 0 };
  const fit = fitModelSize(s, 'fnv1a', 1000, 10_000_000);
  assert.equal(fit.dim, 100);
  assert.equal(fit.bucket, 20_000, 'the largest bucket of the grid that fits');
  assert.ok(modelBytes({ ...fit, hashing: 'fnv1a' }, 1000) <= 10_000_000);
  const tight = fitModelSize(s, 'fnv1a', 1000, 100_000);
  assert.ok(tight.dim < 100);
  assert.ok(modelBytes({ ...tight, hashing: 'fnv1a' }, 1000) <= 100_000);
  assert.throws(() => fitModelSize(s, 'fnv1a', 1000, 3000), ConfigError);
});

test('sampling stays in its ranges, and its spread shrinks as the budget is used', () => {
  assert.equal(sigma(2, 0.5, 0), 2);
  assert.equal(sigma(2, 0.5, 0.25), 2);
  assert.equal(sigma(2, 0.5, 1), 0.5);
  const best = { dim: 50, epoch: 10, lr: 0.5, wordNgrams: 2, minn: 2, maxn: 5, bucket: 100_000, loss: 'softmax' as const, hidden: 0, bagNorm: 'mean' as const, weightDecay: 0 };
  const rng = new Rng(3);
  const spread = (t: number) => {
    let sum = 0;
    for (let i = 0; i < 300; i++) {
      const s = sampleAround(best, t, rng, true);
      assert.ok((DIMS as readonly number[]).includes(s.dim));
      assert.ok(s.epoch >= 1 && s.epoch <= 100 && Number.isInteger(s.epoch));
      assert.ok(s.lr >= 0.01 && s.lr <= 5);
      assert.ok(s.wordNgrams >= 1 && s.wordNgrams <= 5);
      assert.ok(CHAR_NGRAMS.some(([a, b]) => a === s.minn && b === s.maxn));
      assert.ok(s.bucket >= 10_000 && s.bucket <= 10_000_000);
      assert.ok((HIDDENS as readonly number[]).includes(s.hidden));
      assert.ok(['mean', 'l2'].includes(s.bagNorm) && (WEIGHT_DECAYS as readonly number[]).includes(s.weightDecay));
      sum += Math.abs(DIMS.indexOf(s.dim as (typeof DIMS)[number]) - DIMS.indexOf(50));
    }
    return sum / 300;
  };
  assert.ok(spread(1) < spread(0) / 2, `${spread(1)} vs ${spread(0)}`);
  const fixed = sampleAround(best, 0, rng, true, new Set(['dim', 'lr', 'minn']));
  assert.equal(fixed.dim, 50);
  assert.equal(fixed.lr, 0.5);
  assert.deepEqual([fixed.minn, fixed.maxn], [2, 5]);
});

test('options given explicitly are not searched; trials share featurised data', async () => {
  const r = await train(TRAIN, { ...START, lr: 0.5, wordNgrams: 2, seed: 1, autotune: { validation: VALID, trials: 8, modelSize: SIZE } });
  const tune = r.autotune!;
  assert.deepEqual(tune.fixed.sort(), ['dim', 'lr', 'wordNgrams']);
  for (const t of tune.trials) assert.deepEqual([t.settings.dim, t.settings.lr, t.settings.wordNgrams], [16, 0.5, 2]);
  assert.ok(tune.reusedFeatures > 0, 'some trials reused an earlier trial\'s features');
});

test('a time budget ends the search', async () => {
  const r = await train(TRAIN, { ...START, autotune: { validation: VALID, duration: 0.5, modelSize: SIZE } });
  const tune = r.autotune!;
  assert.equal(tune.stoppedBy, 'duration');
  assert.equal(tune.trialBudget, null);
  assert.ok(tune.seconds < 15, `took ${tune.seconds}s`);
});

test('macroF1 is a metric the search can maximise, and bad autotune options are ConfigErrors', async () => {
  const r = await search(1, { trials: 2, metric: 'macroF1' });
  assert.equal(r.autotune!.metric, 'macroF1');
  assert.equal(r.autotune!.trials[0].score, r.autotune!.trials[0].macroF1);
  await assert.rejects(search(1, { trials: 0 }), ConfigError);
  await assert.rejects(search(1, { duration: -1 }), ConfigError);
  await assert.rejects(search(1, { metric: 'f1' as never }), ConfigError);
});

test('a hopeless trial is stopped at a rung, mid-epoch if need be, only when it scores more than the margin below the best earlier trial there', async () => {
  const r = await search(1, { trials: 12 });
  const trials = r.autotune!.trials;
  const pruned = trials.filter((t) => t.status === 'pruned');
  assert.ok(pruned.length > 0, 'this seed prunes some trials (else this test checks nothing)');
  for (const t of pruned) {
    const rung = t.rungScores.length - 1;
    assert.ok(Math.abs(t.trained - RUNGS[rung].at) < 0.04, `trial ${t.trial} stopped at ${t.trained} of its run, rung ${rung}`);
    assert.equal(t.score, null);
    // The bar: the best of trials 1..n-2 (the earliest of equals), at the same rung.
    const best = trials.slice(0, t.trial - 2).reduce<AutotuneTrial | null>((b, e) => (e.score !== null && (b === null || e.score > b.score!) ? e : b), null)!;
    assert.ok(t.rungScores[rung] + RUNGS[rung].margin < best.rungScores[rung], `trial ${t.trial}: ${t.rungScores[rung]} vs ${best.rungScores[rung]}`);
  }
  assert.ok(pruned.some((t) => (t.trained * t.settings.epoch) % 1 !== 0), 'some trial stopped mid-epoch');
  for (const t of trials.filter((e) => e.status === 'done')) {
    assert.equal(t.trained, 1);
    assert.equal(t.rungScores.length, RUNGS.length);
  }
});

test('two lanes (thread 2) run the same trials and keep the same model as one', async () => {
  const one = await search(7, { trials: 6 });
  const two = await train(TRAIN, { ...START, thread: 2, seed: 7, autotune: { validation: VALID, trials: 6, modelSize: SIZE } });
  const strip = (r: typeof one) => r.autotune!.trials.map(({ seconds: _s, ...t }) => t);
  assert.equal(two.autotune!.lanes, 2);
  assert.deepEqual(strip(two), strip(one));
  assert.equal(two.autotune!.best, one.autotune!.best);
  assert.equal(checksum(two.model), checksum(one.model));
  const correct = VALID.filter((e) => e.labels.includes(two.model.predict(e.text, { k: 1 })[0].label)).length;
  assert.equal(correct / VALID.length, two.autotune!.bestScore);
});

test('validation examples whose label the training data lacks count as errors', async () => {
  const unknown = VALID.map((e, i) => (i % 2 === 0 ? { text: e.text, labels: ['never.seen'] } : e));
  const a = await search(1, { trials: 1 });
  const b = await search(1, { trials: 1, validation: unknown });
  assert.ok(b.autotune!.bestScore < a.autotune!.bestScore);
  const correct = unknown.filter((e) => e.labels.includes(b.model.predict(e.text, { k: 1 })[0].label)).length;
  assert.equal(b.autotune!.bestScore, correct / unknown.length);
});

const BASE: TrialSettings = { dim: 8, epoch: 10, lr: 0.5, wordNgrams: 1, minn: 0, maxn: 0, bucket: 10_000, loss: 'softmax', hidden: 0, bagNorm: 'mean', weightDecay: 0 };

test('the data shape picks the informed starts, which keep fixed settings and a loss that is not searched', () => {
  assert.equal(shapeOf(LONG_TOKENS), 'long');
  assert.equal(shapeOf(SHORT_TOKENS - 0.1), 'short');
  assert.equal(shapeOf(10), 'middle');
  assert.deepEqual(informedStarts(BASE, 'middle', true, new Set()), []);
  const long = informedStarts(BASE, 'long', true, new Set());
  assert.deepEqual(long, INFORMED_STARTS.long.map((c) => ({ ...BASE, ...c })));
  // A fixed loss, or multi-label data (the loss not searched), keeps the loss; the rest still changes.
  for (const [searchLoss, fixed] of [[true, new Set<Searched>(['loss'])], [false, new Set<Searched>()]] as const) {
    const kept = informedStarts(BASE, 'long', searchLoss, fixed);
    assert.deepEqual(kept.map((s) => [s.loss, s.bagNorm]), [['softmax', 'l2'], ['softmax', 'l2']]);
  }
  // Short texts: char n-grams on when the start has none, unless minn or maxn is fixed (the pair stays whole).
  const short = informedStarts(BASE, 'short', true, new Set());
  assert.deepEqual(short.map((s) => [s.dim, s.epoch, s.minn, s.maxn]), [[32, 50, 2, 5], [64, 100, 2, 5]]);
  assert.deepEqual(informedStarts({ ...BASE, minn: 3, maxn: 6 }, 'short', true, new Set()).map((s) => [s.minn, s.maxn]), [[3, 6], [3, 6]]);
  assert.deepEqual(informedStarts(BASE, 'short', true, new Set(['maxn'])).map((s) => [s.minn, s.maxn]), [[0, 0], [0, 0]]);
  // A start that changes nothing (everything it sets is fixed) is dropped.
  assert.deepEqual(informedStarts(BASE, 'short', true, new Set(['dim', 'epoch', 'bucket', 'lr', 'minn'])), []);
});

test('a search on long documents, or on one-word texts, runs its informed starts as trials 2 and 3', async () => {
  // Long documents: each text is six glosses of its label run together.
  const long = (xs: readonly Example[]) => xs.map((e, i) => ({ text: xs.filter((x, j) => j >= i && x.labels[0] === e.labels[0]).slice(0, 6).map((x) => x.text).join(' '), labels: e.labels }));
  // One-word texts: each gloss's first word.
  const short = (xs: readonly Example[]) => xs.map((e) => ({ text: e.text.split(' ')[0], labels: e.labels }));
  for (const [shape, make] of [['long', long], ['short', short]] as const) {
    const r = await train(make(TRAIN), { thread: 1, seed: 1, autotune: { validation: make(VALID), trials: 4, modelSize: 50_000_000 } });
    const tune = r.autotune!;
    assert.equal(tune.shape, shape, `mean tokens ${tune.meanTokens}`);
    assert.equal(tune.informedStarts, 2);
    const start = tune.trials[0].settings;
    const expected = informedStarts(start, shape, true, new Set());
    for (const i of [0, 1]) {
      const t = tune.trials[i + 1].settings;
      for (const [k, v] of Object.entries(expected[i]) as [keyof TrialSettings, unknown][]) if (k !== 'bucket') assert.equal(t[k], v, `trial ${i + 2} ${k}`);
      assert.ok(t.bucket <= expected[i].bucket, 'the bucket only shrinks, to the size bound');
    }
  }
});
