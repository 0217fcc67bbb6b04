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
