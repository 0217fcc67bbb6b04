import { test } from 'node:test';
import assert from 'node:assert/strict';
import { train } from '../learn/train.js';

const examples = [
  { text: 'win a free prize now', label: 'spam' },
  { text: 'cheap pills click here', label: 'spam' },
  { text: 'lunch at noon tomorrow', label: 'ham' },
  { text: 'the meeting notes are attached', label: 'ham' },
];

test('predict and probabilities refuse a text that is not a string: AccreteError BAD_DATA, not a TypeError', async () => {
  const { model } = await train(examples, { dim: 8, epoch: 5, bucket: 1000, seed: 1 });
  for (const text of [null, undefined, 42, ['free prize'], { text: 'free prize' }]) {
    assert.throws(() => model.predict(text as unknown as string), { name: 'AccreteError', code: 'BAD_DATA', message: /^predict: text must be a string, got / });
    assert.throws(() => model.probabilities(text as unknown as string), { name: 'AccreteError', code: 'BAD_DATA', message: /^probabilities: text must be a string, got / });
  }
  assert.throws(() => model.predict(null as unknown as string), { message: 'predict: text must be a string, got null' });
  assert.equal(model.predict('').length, 1, 'an empty text is still a text');
});

test('predict refuses a k or threshold that would silently give nothing or everything: ConfigError', async () => {
  const { model } = await train(examples, { dim: 8, epoch: 5, bucket: 1000, seed: 1 });
  for (const options of [{ k: 0 }, { k: 1.5 }, { k: NaN }, { k: '2' }, { threshold: -0.1 }, { threshold: 2 }, { threshold: NaN }, null]) {
    assert.throws(() => model.predict('free prize', options as never), { name: 'ConfigError', code: 'BAD_CONFIG' }, JSON.stringify(options));
  }
  assert.equal(model.predict('free prize', { k: Infinity }).length, 2, 'k = Infinity: every label');
  assert.equal(model.predict('free prize', { k: 2, threshold: 1 }).length, 0);
});
