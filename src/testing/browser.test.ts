/**
 * The rule that decides whether the Chromium tests run: the browser is `chromium` on PATH (what
 * `.ci/run` checks with `command -v chromium`) or /usr/bin/chromium; when it is missing the tests
 * fail under CI and skip, saying so, elsewhere. Before, the tests looked at /usr/bin/chromium only
 * and the dashboard's skipped even under CI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumOrSkip, findChromium, underCi } from './browser.js';

test('chromium is found on PATH first, then at the fixed path, else not at all', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'accrete-chromium-path-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const browser = join(dir, 'chromium');
  const nowhere = join(dir, 'nowhere', 'chromium');
  assert.equal(findChromium(dir, nowhere), null);
  writeFileSync(browser, '#!/bin/sh\n');
  assert.equal(findChromium(dir, nowhere), null, 'a file that is not executable is not a browser');
  chmodSync(browser, 0o755);
  assert.equal(findChromium(`/nonexistent:${dir}`, nowhere), browser);
  assert.equal(findChromium('', browser), browser, 'the fixed path when PATH has none');
});

test('without chromium: a failure under CI, a skip with a message elsewhere', () => {
  const skips: string[] = [];
  const said: string[] = [];
  const t = { name: 'probe', skip: (why?: string) => void skips.push(why ?? '') };
  const say = (line: string) => void said.push(line);
  assert.throws(() => chromiumOrSkip(t, null, true, say), /under CI the browser tests must run/);
  assert.deepEqual([skips, said], [[], []]);
  assert.equal(chromiumOrSkip(t, null, false, say), null);
  assert.match(skips[0], /apt-get install -y chromium/);
  assert.match(said[0], /^SKIPPED browser test "probe": /, 'the skip is said out loud, not only in the TAP output');
  assert.equal(chromiumOrSkip(t, '/x/chromium', true), '/x/chromium');
  assert.equal(underCi('true'), true);
  assert.equal(underCi('1'), true);
  assert.equal(underCi('false'), false);
  assert.equal(underCi(undefined), false);
});

test('.ci/run checks chromium by the same rule (PATH, then /usr/bin/chromium) and runs the tests as CI', () => {
  const run = readFileSync(fileURLToPath(new URL('../../.ci/run', import.meta.url)), 'utf8');
  assert.match(run, /command -v chromium >\/dev\/null 2>&1 \|\| \[ -x \/usr\/bin\/chromium \]/);
  assert.match(run, /export CI="\$\{CI:-true\}"/);
});
