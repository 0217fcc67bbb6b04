import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_EWC, parseParadigm, parseParadigms, STANDARD_VARIANTS } from './paradigmList.js';

test('the four paradigms of design.md', () => {
  const ps = parseParadigms('retrain,fresh,decay,incremental');
  assert.deepEqual(ps.map((p) => [p.name, p.kind]), [['retrain', 'retrain'], ['fresh', 'fresh'], ['decay', 'decay'], ['incremental', 'incremental']]);
  // Incremental builds its memory as `accrete train` does (with the rows training saw).
  assert.equal(ps[3].passSeen, true);
  assert.deepEqual(ps[3].update, {});
});

const cases: Array<[string, object]> = [
  ['incremental+head', { select: { kind: 'head' } }],
  ['incremental+topk-grad:0.2', { select: { kind: 'topk-grad', fraction: 0.2 } }],
  ['incremental+no-replay', { replay: 0 }],
  ['incremental+replay=500', { replay: 500 }],
  ['incremental+ewc', { ewc: DEFAULT_EWC }],
  ['incremental+ewc=10+distill=2', { ewc: 10, distill: 2 }],
  ['incremental+no-gate', { gate: false }],
  ['incremental+max-drop=0.05', { maxDrop: 0.05 }],
];
for (const [item, update] of cases) {
  test(`variant ${item}`, () => {
    const p = parseParadigm(item);
    assert.equal(p.name, item);
    assert.equal(p.kind, 'incremental');
    assert.deepEqual(p.update, update);
  });
}

test('replay=N also sizes the memory built after the first task', () => {
  assert.equal(parseParadigm('incremental+replay=500').replay, 500);
});

test('"variants" expands to one variant per selection and per forgetting control, each parseable', () => {
  const ps = parseParadigms('retrain,variants');
  assert.equal(ps.length, 1 + STANDARD_VARIANTS.length);
  assert.deepEqual(ps.slice(1).map((p) => p.name), [...STANDARD_VARIANTS]);
  for (const s of ['head', 'new-rows', 'layerwise', 'topk-grad:0.2', 'low-fisher:0.5', 'no-replay', 'ewc', 'distill', 'no-gate']) {
    assert.ok(STANDARD_VARIANTS.includes(`incremental+${s}`), s);
  }
});

const errors: Array<[string, RegExp]> = [
  ['', /--paradigms is empty/],
  ['retrain,retrain', /"retrain": listed twice/],
  ['restart', /"restart": expected retrain, fresh, decay, incremental/],
  ['retrain+head', /only incremental takes \+options/],
  ['incremental+fast', /unknown option "fast"/],
  ['incremental+ewc=-1', /ewc needs a strength > 0, got "-1"/],
  ['incremental+replay=1.5', /replay needs an integer >= 0/],
  ['incremental+topk-grad:2', /unknown option "topk-grad:2"/],
];
for (const [text, message] of errors) {
  test(`bad --paradigms "${text}"`, () => assert.throws(() => parseParadigms(text), message));
}
