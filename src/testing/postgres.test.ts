import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { newPool } from '../registry/postgres/connect.js';
import { postgresOrSkip, TestPostgres } from './postgres.js';

const postmasters = (dir: string) => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(dir) && l.includes('postgres')).length;

test('a private PostgreSQL: starts, survives stop -m immediate with committed rows, and leaves nothing behind', async (t) => {
  const pg = await postgresOrSkip(t);
  if (!pg) return;
  assert.ok(pg instanceof TestPostgres);
  const url = pg.createDatabase('h');
  let pool = newPool(url);
  await pool.query('CREATE TABLE x (v int)');
  await pool.query('INSERT INTO x VALUES (42)');
  await pool.end();
  pg.stop('immediate');
  assert.equal(postmasters(pg.dir), 0, 'stopped');
  pg.restart();
  pool = newPool(url);
  assert.deepEqual((await pool.query('SELECT v FROM x')).rows, [{ v: 42 }]);
  await pool.end();
  pg.destroy();
  assert.equal(postmasters(pg.dir), 0);
  assert.ok(!existsSync(pg.dir), 'its directory removed');
});

test('a missing PostgreSQL fails a test under CI, and skips it with a message elsewhere', async () => {
  const skipped: string[] = [];
  const t = { name: 'x', skip: (why?: string) => void skipped.push(why ?? ''), after: () => undefined };
  await assert.rejects(postgresOrSkip(t, true, '/nonexistent/bin'), /PostgreSQL 15 is needed: \/nonexistent\/bin\/initdb is missing \(apt-get install -y postgresql-15\); under CI the PostgreSQL tests must run/);
  assert.equal(await postgresOrSkip(t, false, '/nonexistent/bin'), null);
  assert.equal(skipped.length, 1);
});
