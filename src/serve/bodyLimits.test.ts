/**
 * Bodies over --max-body with a declared Content-Length get 413 before the server reads them
 * (with "Expect: 100-continue", instead of the 100), and a client that disconnects mid-body is
 * logged as one line, not as a server error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type ClientRequest } from 'node:http';
import { servedTinyModel, TOKEN } from './testing.js';

const served = servedTinyModel('accrete-body-');
const { logs } = served;

/** Sends only the headers of a POST declaring `length` bytes; resolves with the answer and whether a 100 came first. */
function declare(length: number, headers: Record<string, string> = {}): { req: ClientRequest; answer: Promise<{ status: number; json: any; continued: boolean }> } {
  const u = new URL(served.url);
  const req = request({ host: u.hostname, port: u.port, method: 'POST', path: '/v1/feedback', headers: { authorization: `Bearer ${TOKEN}`, 'content-length': String(length), ...headers }, timeout: 5000 });
  let continued = false;
  const answer = new Promise<{ status: number; json: any; continued: boolean }>((resolve, reject) => {
    req.on('continue', () => (continued = true));
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text), continued }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('no answer before the body was sent')));
  });
  req.flushHeaders();
  return { req, answer };
}

test('a declared 40 MB body gets 413 before any of it is sent', async () => {
  const { req, answer } = declare(40 * 1024 * 1024);
  const r = await answer;
  req.destroy();
  assert.equal(r.status, 413);
  assert.equal(r.json.error.code, 'TOO_LARGE');
  assert.match(r.json.error.message, /limit of 1048576 bytes/);
});

test('with "Expect: 100-continue", 413 instead of 100 Continue', async () => {
  const { req, answer } = declare(40 * 1024 * 1024, { expect: '100-continue' });
  const r = await answer;
  req.destroy();
  assert.equal(r.status, 413);
  assert.equal(r.continued, false, 'no 100 Continue for a body that will be refused');
});

test('a client that disconnects mid-body: one log line, no error', async () => {
  logs.length = 0;
  const body = JSON.stringify({ text: 'a small dog', label: 'noun.animal' });
  const { req, answer } = declare(Buffer.byteLength(body));
  answer.catch(() => undefined);
  req.write(body.slice(0, 10));
  await new Promise((r) => setTimeout(r, 100));
  req.destroy();
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(logs, ['client disconnected during POST /v1/feedback (before its body was complete)']);
});
