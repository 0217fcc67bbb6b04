/**
 * update() says when it runs without what keeps the model from forgetting (issue 16: without a
 * memory it was accepted without a word while "free cruise" went from spam to phishing), in its
 * decision and its report, with the words `accrete update` prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { train } from '../learn/train.js';
import { CRUISE_EXAMPLES, CRUISE_FEEDBACK, CRUISE_OPTIONS } from '../testing/freeCruise.js';
import { buildMemory } from './memory.js';
import { update } from './update.js';
import { updateWarnings } from './warnings.js';

const [examples, feedback, options] = [CRUISE_EXAMPLES, CRUISE_FEEDBACK, CRUISE_OPTIONS];

test('update() without a replay memory returns a no-memory warning, in its decision and its report', async () => {
  const { model } = await train(examples, options);
  const decision = update(model, feedback);
  assert.equal(decision.warnings.length, 1);
  assert.equal(decision.warnings[0].code, 'no-memory');
  assert.match(decision.warnings[0].message, /^the model has no replay memory and no guard was given: the update cannot replay what the model knew and may forget it, and the gate can only check the new data/);
  assert.deepEqual(decision.report.warnings, decision.warnings);
  // Still said when a guard is given: the guard only sees forgetting, replay prevents it.
  const guarded = update(model, feedback, { guard: examples });
  assert.deepEqual(guarded.warnings.map((w) => w.code), ['no-memory']);
  assert.match(guarded.warnings[0].message, /^the model has no replay memory: the update cannot replay what the model knew and may forget it \(/);
});

test('update() with its memory has no warning; replay 0 with no guard to check it has one', async () => {
  const { model, seen } = await train(examples, options);
  const memory = buildMemory(model, examples, { seen });
  const decision = update(model, feedback, { memory });
  assert.deepEqual(decision.warnings, []);
  assert.deepEqual(decision.report.warnings, []);
  const off = update(model, feedback, { memory, replay: 0 });
  assert.deepEqual(off.warnings.map((w) => w.code), ['replay-off']);
  assert.deepEqual(update(model, feedback, { memory, replay: 0, guard: examples }).warnings, [], 'replay off with a guard: the gate checks');
});

test('the CLI and the library say it in the same words, each with its own spelling of the options', () => {
  const context = { subject: 'models/m', memory: false, replayOff: false, guardGiven: false, savedGuard: false };
  const cli = updateWarnings({ ...context, guardOption: '--guard', replayOption: '--replay 0' })[0].message;
  const library = updateWarnings({ ...context, subject: 'the model', guardOption: 'guard', replayOption: 'replay: 0' })[0].message;
  assert.equal(cli.replace('models/m', 'the model').replace('--guard', 'guard'), library);
});
