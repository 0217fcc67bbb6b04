/**
 * The trigger check's suspect listing counts tokens as ids of one interned table (issue 14 item 7:
 * it was a tenth of a SpamAssassin update as Maps of strings). Pinned here against the listing it
 * replaced, written out plainly, on generated data with ties, shared tokens and several labels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS } from '../config.js';
import type { Example } from '../data/example.js';
import { TokenTable } from '../features/tokenTable.js';
import { tokenize } from '../text/tokenize.js';
import { Rng } from '../util/rng.js';
import { train } from '../learn/train.js';
import { featurize } from './memory.js';
import { plantedFlips, suspectsIn, TRIGGER_MIN } from './trigger.js';

const cfg = { ...DEFAULTS };

/** The listing as it was: a Set per example, a Map of document frequencies per label. */
function reference(fresh: readonly Example[], guard: readonly Example[], oldLabels?: ReadonlySet<string>): { token: string; label: string }[] {
  const distinct = (tokens: readonly string[]) => [...new Set(tokens)];
  const docFreq = (lists: readonly (readonly string[])[]) => {
    const df = new Map<string, number>();
    for (const tokens of lists) for (const t of tokens) df.set(t, (df.get(t) ?? 0) + 1);
    return df;
  };
  const guardDf = docFreq(guard.map((e) => distinct(tokenize(e.text, cfg))));
  const freshTokens = fresh.map((e) => distinct(tokenize(e.text, cfg)));
  const allDf = docFreq(freshTokens);
  const byLabel = new Map<string, number[]>();
  fresh.forEach((e, i) => byLabel.set(e.labels[0], [...(byLabel.get(e.labels[0]) ?? []), i]));
  const out: { token: string; label: string; share: number }[] = [];
  for (const [label, idx] of byLabel) {
    if (idx.length < TRIGGER_MIN) continue;
    const others = fresh.length - idx.length;
    for (const [token, df] of docFreq(idx.map((i) => freshTokens[i]))) {
      const share = df / idx.length;
      if (share < 0.2 || df < TRIGGER_MIN) continue;
      if ((guardDf.get(token) ?? 0) > 0.02 * guard.length) continue;
      if (others > 0 && (allDf.get(token) ?? 0) - df > 0.02 * others) continue;
      out.push({ token, label, share });
    }
  }
  out.sort((a, b) => b.share - a.share || (a.token < b.token ? -1 : 1));
  return out.filter((x) => !oldLabels || oldLabels.has(x.label)).map(({ token, label }) => ({ token, label }));
}

/** How many of the labels a data set's new examples use (2 to 4). */
const labelCount = (rng: Rng) => 2 + rng.int(3);

/** Texts of a few labels: each label has marker words (some in most of its texts, so shares tie), some also in other labels or the guard. */
function data(seed: number): { fresh: Example[]; guard: Example[] } {
  const rng = new Rng(seed);
  const labels = ['a', 'b', 'c', 'd'];
  const text = (label: string) => {
    const words: string[] = [];
    for (let k = 0; k < 3 + rng.int(6); k++) words.push(`w${rng.int(40)}`);
    for (let m = 0; m < 6; m++) if (rng.next() < 0.15 + 0.1 * m) words.push(`${label}m${m}`, `${label}m${m}`);
    if (rng.next() < 0.3) words.push(`${labels[rng.int(4)]}m${rng.int(6)}`);
    return rng.shuffle(words).join(' ');
  };
  const fresh = Array.from({ length: 150 + rng.int(100) }, () => {
    const label = labels[rng.int(labelCount(rng))];
    return { text: text(label), labels: [label] };
  });
  const guard = Array.from({ length: 60 }, () => ({ text: text(labels[rng.int(4)]).replace(/m[0-2]/g, 'x'), labels: ['a'] }));
  return { fresh, guard };
}

test('suspectsIn lists what the Map-of-strings listing listed, in the same order, from tables or from the texts', () => {
  let listed = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const { fresh, guard } = data(seed);
    const want = reference(fresh, guard);
    listed += want.length;
    assert.deepEqual(suspectsIn(fresh, guard, cfg), want, `seed ${seed}, from the texts`);
    // Two tables (as update() has: training and validation examples), one example left to be cut.
    const cut = Math.floor(fresh.length / 3);
    const tables = [fresh.slice(0, cut), fresh.slice(cut, -1)].map((list) => {
      const table = new TokenTable();
      for (const e of list) table.addExample(tokenize(e.text, cfg));
      return [table, list] as const;
    });
    assert.deepEqual(suspectsIn(fresh, guard, cfg, { tables }), want, `seed ${seed}, from tables`);
    const known = new Map(fresh.map((e) => [e, tokenize(e.text, cfg)]));
    assert.deepEqual(suspectsIn(fresh, guard, cfg, { knownTokens: (e) => known.get(e) }), want, `seed ${seed}, from known tokens`);
    // One label alone (most updates of a stream of chunks): no other label to count against.
    const one = fresh.filter((e) => e.labels[0] === fresh[0].labels[0]);
    assert.deepEqual(suspectsIn(one, guard, cfg), reference(one, guard), `seed ${seed}, one label`);
    const oldLabels = new Set(['a', 'c']);
    assert.deepEqual(suspectsIn(fresh, guard, cfg, { tables, oldLabels }), reference(fresh, guard, oldLabels), `seed ${seed}, old labels only`);
  }
  assert.ok(listed > 20, `the data lists suspects (${listed})`);
});

test("suspectsIn: the guard's rows answer for words as its tokens would (a model that knows some of the suspects, not all)", async () => {
  let asked = 0;
  for (let seed = 1; seed <= 6; seed++) {
    const { fresh, guard } = data(seed);
    // Trained on half the guard and a few new texts: some suspects are its words, some are not.
    const { model } = await train([...guard.slice(0, 30), ...fresh.slice(0, 20)], { dim: 4, bucket: 1000, epoch: 1, wordNgrams: 2, seed: 1, thread: 1 });
    const listed = reference(fresh, guard);
    const words = listed.filter((x) => model.vocab.idOf(x.token) >= 0).length;
    asked += words;
    const guardRows = { data: featurize(model, guard), featurizer: model.featurizer };
    assert.deepEqual(suspectsIn(fresh, guard, model.config, { guardRows }), reference(fresh, guard), `seed ${seed}`);
    // Rows of another guard are not this guard's: its tokens answer instead.
    const other = { data: featurize(model, guard.slice(1)), featurizer: model.featurizer };
    assert.deepEqual(suspectsIn(fresh, guard, model.config, { guardRows: other }), reference(fresh, guard), `seed ${seed}, rows of another guard`);
  }
  assert.ok(asked > 10, `suspects that are words (${asked})`);
});

test('suspectsIn: too few new or guard examples list nothing', () => {
  const { fresh, guard } = data(3);
  assert.deepEqual(suspectsIn(fresh.slice(0, TRIGGER_MIN - 1), guard, cfg), []);
  assert.deepEqual(suspectsIn(fresh, guard.slice(0, TRIGGER_MIN - 1), cfg), []);
});

test('plantedFlips: 5% of the probes and 3x the control; or, where the control alone flips many (one-word texts), half of those it left alone', () => {
  // SpamAssassin's trigger: 9 of 100 against a control's 2.
  assert.equal(plantedFlips({ tried: 100, flipped: 9, control: 2, beyond: 8 }), true);
  assert.equal(plantedFlips({ tried: 100, flipped: 4, control: 0, beyond: 4 }), false, 'under 5%');
  assert.equal(plantedFlips({ tried: 100, flipped: 9, control: 4, beyond: 6 }), false, 'under 3x the control, and 6 of 96 left alone');
  // First names: 100 of 100 flipped, the control 43; all 57 it left alone flipped by the token.
  assert.equal(plantedFlips({ tried: 100, flipped: 100, control: 43, beyond: 57 }), true);
  assert.equal(plantedFlips({ tried: 100, flipped: 60, control: 43, beyond: 20 }), false, '20 of 57 left alone');
  assert.equal(plantedFlips({ tried: 12, flipped: 12, control: 5, beyond: 7 }), false, 'fewer than TRIGGER_MIN beyond the control');
  assert.equal(plantedFlips({ tried: 9, flipped: 9, control: 0, beyond: 9 }), false, 'fewer than TRIGGER_MIN probes');
});
