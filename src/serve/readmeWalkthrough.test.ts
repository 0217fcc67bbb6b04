// The serve walkthrough (docs/serve.md, "Walkthrough"; it was the README's until issue 16 moved the
// depth to docs/), step by step in process, with the outcomes its comments show: it went stale once
// without any test noticing. src/docsExamples.test.ts also runs it as written, with its curl calls.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, corpus, inProcess, MAIN } from './testing.js';

const doc = readFileSync(fileURLToPath(new URL('../../docs/serve.md', import.meta.url)), 'utf8');
const walkthrough = doc.slice(doc.indexOf('## Walkthrough'), doc.indexOf('## Routes'));
const dir = mkdtempSync(join(tmpdir(), 'accrete-walkthrough-'));
let url: string;
let close: () => Promise<void>;
const feedback = { text: 'a tall plant with woody stems', label: 'noun.plant' };

before(async () => {
  // The walkthrough's train command (its flags, as written there).
  assert.ok(walkthrough.length > 0 && doc.indexOf('## Walkthrough') < doc.indexOf('## Routes'), 'docs/serve.md has its walkthrough');
  const flags = /accrete train --data \$F\/wordnet3\.train\.jsonl --valid \$F\/wordnet3\.test\.jsonl --out model (.*)\n/.exec(walkthrough)?.[1];
  assert.ok(flags, 'the walkthrough trains on wordnet3');
  const out = join(dir, 'model');
  const r = spawnSync(process.execPath, [MAIN, 'train', '--data', corpus('wordnet3.train.jsonl'), '--valid', corpus('wordnet3.test.jsonl'), '--out', out, ...flags.split(' '), '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const s = await inProcess({ registry: join(dir, 'reg', 'registry.db'), model: out, drift: false });
  url = s.url;
  close = () => s.server.close();
});
after(async () => {
  await close?.();
  rmSync(dir, { recursive: true, force: true });
});

test('serve walkthrough (docs/serve.md): the gate rejects one gloss of a new label, maxDrop 0.1 takes it, rollback undoes it', async () => {
  assert.ok(walkthrough.includes(JSON.stringify(feedback).replace(/,/g, ', ').replace(/:/g, ': ')), 'the walkthrough sends this feedback');
  const before = await call(url, 'POST', '/v1/predict', { text: feedback.text, k: 2 }, false);
  assert.equal(before.json.version, 'v1');
  assert.equal(before.json.predictions[0].label, 'noun.animal');

  assert.deepEqual((await call(url, 'POST', '/v1/feedback', feedback)).json, { accepted: 1, ids: [1], pending: 1 });
  const rejected = await call(url, 'POST', '/v1/update');
  assert.equal(rejected.json.accepted, false, rejected.text);
  assert.deepEqual(rejected.json.reasons.map((r: { code: string }) => r.code), ['new-labels-take-guard']);
  assert.ok(walkthrough.includes('"new-labels-take-guard"'), 'the walkthrough shows that reason');
  assert.equal((await call(url, 'POST', '/v1/update')).json.reasons[0].code, 'no-data', 'the rejected job used the feedback');

  assert.ok(walkthrough.includes(`-d '{"maxDrop": 0.1}'`), 'the walkthrough loosens the gate this way');
  await call(url, 'POST', '/v1/feedback', feedback);
  const accepted = await call(url, 'POST', '/v1/update', { maxDrop: 0.1 });
  assert.equal(accepted.json.accepted, true, accepted.text);
  assert.equal(accepted.json.version, 'v2');
  assert.deepEqual(accepted.json.report.newLabels, ['noun.plant']);
  const after = await call(url, 'POST', '/v1/predict', { text: feedback.text, k: 2 }, false);
  assert.equal(after.json.version, 'v2');
  assert.equal(after.json.predictions[0].label, 'noun.plant');

  assert.deepEqual((await call(url, 'POST', '/v1/models/rollback')).json, { active: 'v1', previous: 'v2' });
});
