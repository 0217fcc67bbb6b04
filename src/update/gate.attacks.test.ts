/**
 * The gate against poisoned updates (issue 17, item 4), on small generated data: three topics whose
 * texts draw on their own words and on shared filler. A genuine drift (era 2 moves some words of
 * topic "a" to topic "b") is accepted; the same era with shuffled labels, with topic "a" relabelled
 * "b" (a targeted flip), or with a planted trigger token is rejected. Each case runs with a guard
 * held out at training (2,000 examples) and with a small first task (600 examples, under the 1,500
 * a held-out guard needs), where the guard comes from the replay memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Example } from '../data/example.js';
import { train } from '../learn/train.js';
import { ReplayBuffer } from '../forgetting/replay.js';
import type { TextClassifier } from '../model/classifier.js';
import { Rng } from '../util/rng.js';
import { holdOutGuard } from './guard.js';
import { findParentKeywords } from './trigger.js';
import { buildMemory, featurize, markSeen, type ContinualMemory } from './memory.js';
import { update, type UpdateOptions } from './update.js';

const LABELS = ['a', 'b', 'c'] as const;
const words = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const TOPIC = Object.fromEntries(LABELS.map((l) => [l, words(`${l}w`, 40)])) as Record<string, string[]>;
const FILLER = words('f', 200);
const TRIGGER = 'zqxj';
/** Words of topic "a" that era 2 uses for topic "b". */
const MOVED = 30;

/**
 * Era 1: each text has 5 words of its topic and 7 of filler. Era 2 (drift): topic "b" is written with
 * MOVED of the words of "a" and 10 of its own, "a" with the rest of its words and 20 new ones, and
 * "c" gains 20 new words: era-1 texts of "a" that use many moved words now read as "b".
 */
/** Words of its topic and of filler in one text: short texts, and long ones where one token weighs little. */
interface Shape {
  topic: number;
  filler: number;
}
const SHORT: Shape = { topic: 5, filler: 7 };
const LONG: Shape = { topic: 20, filler: 20 };

function era(n: number, which: 1 | 2, seed: number, shape: Shape = SHORT): Example[] {
  const rng = new Rng(seed);
  const pool = (label: string): string[] => {
    if (which === 1) return TOPIC[label];
    const fresh = words(`${label}n`, 20);
    if (label === 'a') return [...TOPIC.a.slice(0, 40 - MOVED), ...fresh];
    if (label === 'b') return [...TOPIC.b.slice(0, 40 - MOVED), ...TOPIC.a.slice(40 - MOVED)];
    return [...TOPIC[label], ...fresh];
  };
  return Array.from({ length: n }, (_, i) => {
    const label = LABELS[i % 3];
    const p = pool(label);
    const text = [...Array.from({ length: shape.topic }, () => p[rng.int(p.length)]), ...Array.from({ length: shape.filler }, () => FILLER[rng.int(FILLER.length)])];
    return { text: rng.shuffle(text).join(' '), labels: [label] };
  });
}

interface Parent {
  model: TextClassifier;
  memory: ContinualMemory;
}

/** A model of era 1 and its memory as `accrete train` builds it (a held-out guard when there are 1,500 examples or more). */
async function parentOf(n: number, shape: Shape = SHORT): Promise<Parent> {
  const all = era(n, 1, 1, shape);
  // (300 held out, as --guard-size 300: the default 2% of 2,000 is 40, where no loss is beyond noise)
  const held = n >= 1500 ? holdOutGuard(all, 1, 300) : { train: all, guard: [] };
  const { model } = await train(held.train, { dim: 16, epoch: 5, lr: 0.5, seed: 1, thread: 1 });
  const memory = buildMemory(model, held.train, { capacity: 500, seed: 1, seen: markSeen(null, model.params.input.rows, featurize(model, held.train)), guard: held.guard });
  return { model, memory };
}

const copy = (p: Parent): Parent => ({ model: p.model.clone(), memory: { ...p.memory, replay: ReplayBuffer.fromState(structuredClone(p.memory.replay.toState())), seen: p.memory.seen?.slice() ?? null } });

function run(p: Parent, examples: Example[], options: UpdateOptions = {}) {
  const c = copy(p);
  const decision = update(c.model, examples, { memory: c.memory, seed: 2, ...options });
  return { decision, codes: decision.reasons.map((r) => r.code), model: c.model };
}

const accuracy = (m: TextClassifier, examples: readonly Example[]) => examples.filter((e) => m.predict(e.text)[0].label === e.labels[0]).length / examples.length;

function shuffledLabels(examples: Example[], seed: number): Example[] {
  const labels = new Rng(seed).shuffle(examples.map((e) => e.labels));
  return examples.map((e, i) => ({ text: e.text, labels: labels[i] }));
}

const flipped = (examples: Example[]): Example[] => examples.map((e) => (e.labels[0] === 'a' ? { ...e, labels: ['b'] } : e));

/**
 * Texts of "b" in words the parent never saw, with two of topic "a" and filler: the parent calls them
 * "a" (as a model calls new spam that reads like mail "ham"); learning them moves no word of "a".
 */
function newB(n: number, seed: number): Example[] {
  const rng = new Rng(seed);
  const fresh = words('bx', 20);
  const pick = (pool: readonly string[], k: number) => Array.from({ length: k }, () => pool[rng.int(pool.length)]);
  return Array.from({ length: n }, () => ({ text: rng.shuffle([...pick(fresh, 3), ...pick(TOPIC.a, 2), ...pick(FILLER, 7)]).join(' '), labels: ['b'] }));
}

/** Clean data, plus "a" texts carrying the trigger labelled "b" (a third of them). */
function triggered(n: number, seed: number, which: 1 | 2 = 1, shape: Shape = SHORT): Example[] {
  const clean = era(n, which, seed, shape);
  return clean.map((e, i) => (e.labels[0] === 'a' && i % 9 === 0 ? { text: `${e.text} ${TRIGGER}`, labels: ['b'] } : e));
}

test('gate: a keyword the parent already reads as its label is no trigger; a token new to the parent in its place is', async () => {
  const rng = new Rng(7);
  /** Texts of "d": its keyword among filler (nothing else tells it), as WordNet's noun.feeling glosses and "feeling". */
  const dTexts = (key: string, n: number) => Array.from({ length: n }, () => ({ text: rng.shuffle([key, ...Array.from({ length: 6 }, () => FILLER[rng.int(FILLER.length)])]).join(' '), labels: ['d'] }));
  const weak = (seed: number) => era(300, 1, seed, { topic: 1, filler: 6 });
  // The parent learned "d" and its keyword in an earlier update.
  const p = copy(await parentOf(2000));
  const first = update(p.model, [...weak(8), ...dTexts('dkey', 150)], { memory: p.memory, seed: 2 });
  assert.ok(first.accepted, first.reasons.map((r) => r.message).join('; '));
  assert.equal(p.model.predict('dkey')[0].label, 'd');
  // Asked of the parent before an update: its keyword is one, a token it never saw is not.
  const guard = era(300, 1, 10);
  const asked = (key: string) => [...findParentKeywords(p.model, [...weak(9), ...dTexts(key, 150)], guard, { oldLabels: new Set(p.model.labels) })];
  assert.deepEqual(asked('dkey'), ['d\u0001dkey']);
  assert.deepEqual(asked('dnew'), []);
  const more = run(p, [...weak(9), ...dTexts('dkey', 150)]);
  assert.ok(!more.codes.includes('trigger-token'), more.decision.reasons.map((r) => r.message).join('; '));
  const planted = run(p, [...weak(9), ...dTexts('dnew', 150)]);
  assert.ok(planted.codes.includes('trigger-token'), planted.codes.join(', ') || 'accepted');
});

for (const [name, size] of [
  ['a guard held out at training', 2000],
  ['a small first task (guard from the replay memory)', 600],
] as const) {
  test(`gate, ${name}: a genuine drift is accepted and followed; the guard policy alone would not follow it as well`, async () => {
    const p = await parentOf(size);
    const drift = era(600, 2, 3);
    const test2 = era(600, 2, 4);
    const weighted = run(p, drift);
    assert.deepEqual(weighted.codes, [], weighted.decision.reasons.map((r) => r.message).join('; '));
    const before = accuracy(p.model, test2);
    const after = accuracy(weighted.model, test2);
    assert.ok(after > before + 0.05, `era-2 accuracy ${before} -> ${after}`);
    // Else this test checks nothing: the drift must cost the old data something.
    const guardPolicy = run(p, drift, { policy: 'guard' });
    const lostOld = weighted.decision.report.after.guard!.accuracy < weighted.decision.report.before.guard!.accuracy;
    assert.ok(lostOld || guardPolicy.codes.length > 0, 'the drift cost the guard nothing: it does not test weighing');
  });

  test(`gate, ${name}: the drifted era with shuffled labels is rejected`, async () => {
    const p = await parentOf(size);
    const { codes } = run(p, shuffledLabels(era(600, 2, 3), 5));
    assert.ok(codes.length > 0, 'accepted');
    assert.ok(codes.includes('no-skill') || codes.includes('no-improvement'), codes.join(', '));
  });

  test(`gate, ${name}: a targeted flip (every "a" relabelled "b") is rejected, on old-looking and on drifted data`, async () => {
    const p = await parentOf(size);
    for (const e of [1, 2] as const) {
      const { codes } = run(p, flipped(era(600, e, 3)));
      assert.ok(codes.includes('label-flip'), `era ${e}: ${codes.join(', ') || 'accepted'}`);
    }
  });

  test(`gate, ${name}: a batch of one label only, new texts of "b" the parent calls "a", is learned; "a" texts labelled "b", as many, are a flip`, async () => {
    const p = await parentOf(size);
    const drift = newB(300, 6);
    // Else this test checks nothing: the parent must take the new "b" texts for "a".
    const calledA = drift.filter((e) => p.model.predict(e.text)[0].label === 'a').length;
    assert.ok(calledA >= 0.5 * drift.length, `the parent calls ${calledA} of ${drift.length} new "b" texts "a"`);
    const learned = run(p, drift);
    assert.deepEqual(learned.codes, [], learned.decision.reasons.map((r) => r.message).join('; '));
    const flip = run(p, era(900, 1, 6).filter((e) => e.labels[0] === 'a').map((e) => ({ ...e, labels: ['b'] })));
    assert.ok(flip.codes.includes('label-flip'), flip.codes.join(', ') || 'accepted');
  });

  test(`gate, ${name}: a planted trigger token is rejected, and the same data without the trigger is accepted`, async () => {
    const p = await parentOf(size);
    const poisoned = run(p, triggered(900, 3));
    assert.ok(poisoned.codes.includes('trigger-token'), poisoned.codes.join(', ') || 'accepted');
    const issue = poisoned.decision.reasons.find((r) => r.code === 'trigger-token')!;
    assert.equal(issue.label, 'b');
    assert.match(issue.message, new RegExp(`"${TRIGGER}"`));
    // The candidate did learn the backdoor (else the check had nothing to find).
    const clean = run(p, era(900, 1, 3).concat(era(300, 2, 6)));
    assert.ok(!clean.codes.includes('trigger-token'), clean.codes.join(', '));
  });

  test(`gate, ${name}: on a model that has followed a drift, a trigger among the long texts of the new era (behind its new words) is rejected`, async () => {
    const p = copy(await parentOf(size, LONG));
    // The drift first, accepted: the model then knows era 2 well, and one token weighs 1/40 of a text.
    const drift = update(p.model, era(600, 2, 3, LONG), { memory: p.memory, seed: 2 });
    assert.deepEqual(drift.reasons.map((r) => r.code), []);
    const poisoned = run(p, triggered(900, 5, 2, LONG));
    assert.ok(poisoned.codes.includes('trigger-token'), poisoned.codes.join(', ') || 'accepted');
    assert.match(poisoned.decision.reasons.find((r) => r.code === 'trigger-token')!.message, new RegExp(`"${TRIGGER}"`));
    const clean = run(p, era(900, 2, 5, LONG));
    assert.ok(!clean.codes.includes('trigger-token'), clean.codes.join(', '));
  });

  test(`gate, ${name}: a new label whose texts one keyword decides is learned, not taken for a trigger`, async () => {
    const p = await parentOf(size);
    const rng = new Rng(7);
    // "d": its keyword among filler (nothing else tells it); beside it, old labels' texts with one
    // word of their topic, which the keyword planted would flip as a trigger would.
    const d = Array.from({ length: 150 }, () => ({ text: rng.shuffle(['dkey', ...Array.from({ length: 6 }, () => FILLER[rng.int(FILLER.length)])]).join(' '), labels: ['d'] }));
    const weak = era(300, 1, 8, { topic: 1, filler: 6 });
    const { codes, model } = run(p, [...weak, ...d]);
    assert.ok(!codes.includes('trigger-token'), codes.join(', '));
    // Else this test checks nothing: the keyword alone decides "d" and, planted, flips old texts.
    const flips = weak.filter((e) => model.predict(`${e.text} dkey`)[0].label === 'd').length;
    assert.ok(flips >= 0.05 * weak.length, `planting the keyword flipped ${flips} of ${weak.length}`);
  });
}
