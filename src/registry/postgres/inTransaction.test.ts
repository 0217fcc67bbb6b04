/**
 * inTransaction on a private PostgreSQL (testing/postgres.ts): when the server ends the connection
 * of a client checked out for a transaction, the transaction fails with an error that says the
 * database is unreachable, and the process lives on. Without a listener of its own, the pg client
 * emitted an unhandled 'error' event, which kills the process (a replica of `accrete serve` died so
 * when PostgreSQL stopped under feedback load).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postgresOrSkip } from '../../testing/postgres.js';
import { asStorageFault, inTransaction, newPool } from './connect.js';
import { StorageError } from '../../errors.js';

/** Fails the test, instead of the process dying first, if an uncaught exception happens while `fn` runs. */
async function noUncaught<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; uncaught: unknown[] }> {
  const uncaught: unknown[] = [];
  const catcher = (err: unknown) => uncaught.push(err);
  // The test runner's own handler would fail the file; ours records it for the assert below.
  const before = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', catcher);
  try {
    const value = await fn();
    await new Promise((r) => setTimeout(r, 200));
    return { value, uncaught };
  } catch (error) {
    await new Promise((r) => setTimeout(r, 200));
    return { error, uncaught };
  } finally {
    process.removeListener('uncaughtException', catcher);
    for (const l of before) process.on('uncaughtException', l);
  }
}

test('inTransaction: the server ends the connection mid-transaction (between queries, then during one): a storage fault, not a crash', async (t) => {
  const pg = await postgresOrSkip(t);
  if (!pg) return;
  const url = pg.createDatabase('tx');
  const pool = newPool(url);
  const admin = newPool(url, 1);
  t.after(async () => {
    await pool.end();
    await admin.end();
  });
  const terminate = (pid: number) => admin.query('SELECT pg_terminate_backend($1)', [pid]);
  const pidOf = async (c: { query: (s: string) => Promise<{ rows: { pid: number }[] }> }) => (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;

  // Between two queries: no query is active when the server's message and the end of the connection arrive.
  const between = await noUncaught(() =>
    inTransaction(pool, async (c) => {
      await terminate(await pidOf(c));
      await new Promise((r) => setTimeout(r, 300));
      return c.query('SELECT 1');
    }),
  );
  assert.deepEqual(between.uncaught, [], 'no uncaught exception');
  assert.ok(between.error, 'the transaction failed');
  assert.ok(asStorageFault(between.error, 'db') instanceof StorageError, `told as the database being unreachable: ${(between.error as Error).message}`);

  // During a query.
  const during = await noUncaught(() =>
    inTransaction(pool, async (c) => {
      const pid = await pidOf(c);
      const slow = c.query('SELECT pg_sleep(5)');
      // (its failure may come before `return slow` awaits it: handled at once, or Node calls it unhandled)
      slow.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
      await terminate(pid);
      return slow;
    }),
  );
  assert.deepEqual(during.uncaught, [], 'no uncaught exception');
  assert.ok(during.error, 'the transaction failed');
  assert.ok(asStorageFault(during.error, 'db') instanceof StorageError, `told as the database being unreachable: ${(during.error as Error).message}`);

  // The pool dropped the broken clients: the next transaction works.
  assert.equal(await inTransaction(pool, async (c) => (await c.query('SELECT 41 + 1 AS n')).rows[0].n), 42);
});
