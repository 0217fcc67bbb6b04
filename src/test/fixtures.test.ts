/** The WordNet corpus fixtures are exactly what their generator writes (so they can be rebuilt and reviewed). */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const corpus = fileURLToPath(new URL('../../test/fixtures/corpus/', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'accrete-corpus-'));
after(() => rmSync(out, { recursive: true, force: true }));

test('make.mjs regenerates the committed corpus files byte for byte', () => {
  const r = spawnSync(process.execPath, [join(corpus, 'make.mjs'), out], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const written = readdirSync(out).sort();
  assert.deepEqual(written, ['multilabel.test.jsonl', 'multilabel.train.jsonl', 'wordnet3.test.jsonl', 'wordnet3.train.jsonl', 'wordnet5.test.txt', 'wordnet5.train.txt']);
  for (const name of written) assert.ok(readFileSync(join(out, name)).equals(readFileSync(join(corpus, name))), `${name} differs from make.mjs output`);
});

test('the corpus folder stays small (< 300 KB)', () => {
  const total = readdirSync(corpus).reduce((sum, name) => sum + statSync(join(corpus, name)).size, 0);
  assert.ok(total < 300_000, `${total} bytes`);
});
