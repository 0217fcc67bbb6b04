/**
 * Issue 18 over HTTP: option values that would exhaust memory, bodies nested thousands of levels
 * deep, and feedback whose labels or texts cannot be stored or printed as given all get a 400 with
 * a short message, and the server goes on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UPDATE_RANGES } from '../update/options.js';
import { call, servedTinyModel } from './testing.js';
import { HTTP_CAPS, updateRequest } from './validate.js';

const served = servedTinyModel('accrete-inputs-');

test('POST /v1/update {"replayRatio": 1e9} is refused with 400 before any work, and every option has a cap', async () => {
  const r = await call(served.url, 'POST', '/v1/update', { replayRatio: 1e9 });
  assert.equal(r.status, 400, r.text);
  assert.match(r.json.error.message, /"replayRatio" must be a number in \(0, 10\], got 1000000000/);
  for (const [key, cap] of Object.entries(HTTP_CAPS)) {
    const range = UPDATE_RANGES[key as keyof typeof HTTP_CAPS];
    const over = range.kind === 'int' ? cap.max + 1 : cap.max * 1.5 + 1;
    assert.throws(() => updateRequest({ [key]: over }), (err: Error) => err.message.startsWith(`"${key}" must be ${cap.expected}`), `${key} over its cap`);
    assert.deepEqual(updateRequest({ [key]: cap.max }), { [key]: cap.max }, `${key} at its cap`);
  }
  assert.equal((await call(served.url, 'GET', '/v1/health', undefined, false)).status, 200);
});

test('bodies nested ~4100 and 100,000 levels deep: 400 with a short message (no token needed), never 500', async () => {
  for (const depth of [4100, 100_000]) {
    const deep = '['.repeat(depth) + ']'.repeat(depth);
    const bodies: [string, string, boolean][] = [
      ['/v1/predict', `{"text":"a","k":${deep}}`, false],
      ['/v1/predict', `{"texts":${deep}}`, false],
      ['/v1/feedback', `{"text":"a","label":"b","weight":${deep}}`, true],
      ['/v1/feedback', `{"examples":${deep}}`, true],
      ['/v1/update', `{"rounds":${deep}}`, true],
      ['/v1/models/rollback', deep, true],
    ];
    for (const [path, body, token] of bodies) {
      const r = await call(served.url, 'POST', path, body, token);
      assert.equal(r.status, 400, `${path} at depth ${depth}: ${r.text.slice(0, 200)}`);
      assert.ok(r.json.error.message.length < 200, r.json.error.message.slice(0, 300));
    }
  }
  // Nesting the API itself uses is fine.
  assert.equal((await call(served.url, 'POST', '/v1/predict', { texts: ['a small dog'], k: 2 }, false)).status, 200);
});

test('feedback: labels with control characters or lone surrogates, texts with NUL or lone surrogates: 400; nothing stored', async () => {
  const cases: [unknown, RegExp][] = [
    [{ text: 'a cat', label: 'noun.animal\n' + 'x' }, /control character U\+000A/],
    [{ text: 'a cat', label: '\u001b[2Jnoun.animal' }, /control character U\+001B/],
    [{ text: 'a cat', label: 'noun\u0000animal' }, /control character U\+0000/],
    [{ text: 'a cat', label: 'noun\u2028animal' }, /control character U\+2028/],
    [{ text: 'a cat', label: 'noun\u009banimal' }, /control character U\+009B/],
    [{ text: 'a cat', labels: ['noun.animal', 'x\ud800'] }, /lone surrogate/],
    [{ examples: [{ text: 'a cat', label: 'noun.animal' }, { text: 'a \udc00 dog', label: 'noun.animal' }] }, /examples\[1\]: the text holds a lone surrogate/],
    [{ text: 'a cat\u0000', label: 'noun.animal' }, /"text" holds a NUL character \(U\+0000\)/],
  ];
  const before = (await call(served.url, 'GET', '/v1/stats', undefined, false)).json.feedback.stored;
  for (const [body, message] of cases) {
    const r = await call(served.url, 'POST', '/v1/feedback', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.json.error.message, message);
  }
  assert.equal((await call(served.url, 'GET', '/v1/stats', undefined, false)).json.feedback.stored, before, 'nothing stored');
  // Predict texts may hold NUL; a newline in a feedback text is fine.
  assert.equal((await call(served.url, 'POST', '/v1/predict', { text: 'a \u0000 dog' }, false)).status, 200);
  assert.equal((await call(served.url, 'POST', '/v1/feedback', { text: 'a small\ndog', label: 'noun.animal' })).status, 200);
});
