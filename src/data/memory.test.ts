import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readExamples } from './read.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const dir = mkdtempSync(join(tmpdir(), 'accrete-mem-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes about `mb` megabytes of distinct JSONL examples. */
function generate(path: string, mb: number): number {
  const fd = openSync(path, 'w');
  let bytes = 0;
  for (let i = 0; bytes < mb * 1e6; ) {
    let block = '';
    for (let k = 0; k < 1000; k++, i++) {
      block += `{"text":"example ${i} with some words to make the line longer than it needs to be","label":"l${i % 7}"}\n`;
    }
    bytes += writeSync(fd, block);
  }
  closeSync(fd);
  return bytes;
}

const live = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

test('reading a 50 MB file through the generator keeps heap growth under 30 MB', async (t) => {
  const path = join(dir, 'big.jsonl');
  generate(path, 50);
  gc();
  const before = live();
  let peak = 0;
  let n = 0;
  let chars = 0;
  for await (const e of readExamples(path)) {
    chars += e.text.length;
    if (++n % 50_000 === 0) {
      gc();
      peak = Math.max(peak, live() - before);
    }
  }
  assert.ok(n > 400_000, `read ${n} examples`);
  assert.ok(chars > 0);
  t.diagnostic(`peak growth ${(peak / 1e6).toFixed(1)} MB over ${n} examples`);
  assert.ok(peak < 30e6, `heap grew by ${(peak / 1e6).toFixed(1)} MB while reading`);
});

test('a 40 MB line over the limit is skipped without being held', async (t) => {
  const path = join(dir, 'long.txt');
  const fd = openSync(path, 'w');
  writeSync(fd, '__label__a');
  const block = ' word'.repeat(200_000);
  for (let i = 0; i < 40; i++) writeSync(fd, block);
  writeSync(fd, '\n__label__b short\n');
  closeSync(fd);
  gc();
  const before = live();
  let peak = 0;
  // Collect before each sample: the 1 MiB chunks already passed are garbage, not held memory.
  const timer = setInterval(() => {
    gc();
    peak = Math.max(peak, live() - before);
  }, 2);
  const texts: string[] = [];
  const it = readExamples(path, { skipBad: true, maxLineBytes: 1000 });
  let next = await it.next();
  for (; next.done !== true; next = await it.next()) texts.push(next.value.text);
  clearInterval(timer);
  assert.deepEqual(texts, ['short']);
  assert.equal(next.value.bad[0].problem.startsWith('line is 40000010 bytes'), true);
  t.diagnostic(`peak growth ${(peak / 1e6).toFixed(1)} MB`);
  assert.ok(peak < 30e6, `memory grew by ${(peak / 1e6).toFixed(1)} MB`);
});
