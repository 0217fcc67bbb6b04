/**
 * One server per registry, with real processes: two `accrete serve` started in the same tick on
 * one registry, five times (the registry free; its owner SIGKILLed and reaped; its owner SIGKILLed
 * and still a zombie, its parent not having waited for it yet). Each time exactly one comes up and
 * takes writes, and the other exits 1 with the CONFLICT message; a dead owner never blocks them.
 * (The chaos benchmark, npm run bench:chaos, runs many more tries.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { procState, ServerProc } from './serverProc.js';
import { call, tinyModel } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'accrete-owner-race-'));
const registry = join(dir, 'reg', 'registry.db');
const started: ServerProc[] = [];
const start = (unreaped = false) => {
  const s = new ServerProc(['--registry', registry, '--no-drift'], {}, unreaped);
  started.push(s);
  return s;
};

before(async () => {
  await tinyModel(join(dir, 'base'));
  const first = new ServerProc(['--registry', registry, '--model', join(dir, 'base'), '--no-drift']);
  started.push(first);
  assert.ok((await first.outcome()).up, first.log());
  await first.stop();
});
after(async () => {
  for (const s of started) await s.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Leaves the registry's owner row to a server killed with SIGKILL: reaped, or a zombie. */
async function deadOwner(zombie: boolean): Promise<ServerProc> {
  const owner = start(zombie);
  assert.ok((await owner.outcome()).up, owner.log());
  await owner.kill9();
  await owner.dead();
  if (zombie) assert.equal(procState(await owner.pid()), 'Z', 'the killed owner is a zombie while the two start');
  else await owner.dispose();
  return owner;
}

for (const [i, mode] of (['free', 'stale', 'zombie', 'free', 'zombie'] as const).entries()) {
  test(`race ${i + 1}: two servers at once, ${mode === 'free' ? 'the registry free' : mode === 'stale' ? 'its owner SIGKILLed and reaped' : 'its owner SIGKILLed, still a zombie'}: exactly one comes up`, async () => {
    const owner = mode === 'free' ? null : await deadOwner(mode === 'zombie');
    const pair = [start(), start()];
    try {
      const outs = await Promise.all(pair.map((s) => s.outcome()));
      const up = outs.flatMap((o) => (o.up ? [o.url] : []));
      const refused = pair.filter((_, k) => !outs[k].up);
      assert.equal(up.length, 1, `servers up: ${up.length}; logs:\n${pair.map((s) => s.log()).join('\n---\n')}`);
      assert.match(refused[0].log(), /accrete serve: another accrete serve \(pid \d+, since .*\) uses the registry .*registry\.db; stop it first/);
      const fed = await call(up[0], 'POST', '/v1/feedback', { text: `race ${i}`, label: 'noun.animal' });
      assert.equal(fed.status, 200, fed.text);
    } finally {
      // A clean stop releases the registry for the next race; the dead owner is reaped.
      await Promise.all(pair.map((s) => (s.alive() ? s.stop() : s.dispose())));
      await owner?.dispose();
    }
  });
}
