/**
 * A private PostgreSQL 15 for the tests: `initdb` as the `postgres` user (initdb refuses root) into
 * a temporary directory under /tmp, its own port and socket directory, started and stopped with
 * `pg_ctl` (`stop -m immediate` is a crash: no checkpoint, recovery at the next start). Under CI a
 * missing PostgreSQL fails the test (`.ci/run` installs it); elsewhere the test is skipped with a
 * message on stderr, so a run without it never looks like one that checked it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { underCi } from './browser.js';

/** Where Debian puts PostgreSQL 15's server programs; ACCRETE_PG_BIN overrides. */
export const PG_BIN = process.env.ACCRETE_PG_BIN || '/usr/lib/postgresql/15/bin';

const runningAsRoot = () => process.getuid?.() === 0;

/** Whether initdb and pg_ctl are there (and, as root, the `postgres` user to run them). */
export function postgresAvailable(bin = PG_BIN): string | null {
  for (const tool of ['initdb', 'pg_ctl', 'postgres']) {
    try {
      accessSync(join(bin, tool), constants.X_OK);
    } catch {
      return `${join(bin, tool)} is missing (apt-get install -y postgresql-15)`;
    }
  }
  if (runningAsRoot() && spawnSync('id', ['postgres']).status !== 0) return 'there is no "postgres" user to run initdb as (apt-get install -y postgresql-15 creates it)';
  return null;
}

/** A free TCP port on loopback. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL tool, as the postgres user when we are root. */
function runTool(bin: string, tool: string, args: string[], timeoutMs = 60_000): string {
  const path = join(bin, tool);
  try {
    if (runningAsRoot()) return execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', [path, ...args].map(shellQuote).join(' ')], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
    return execFileSync(path, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export class TestPostgres {
  private running = false;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  /** The data directory (inside `dir`). */
  get data(): string {
    return join(this.dir, 'data');
  }

  /** A connection string to database `db` (created by createDatabase, or `postgres`). */
  url(db = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${db}`;
  }

  /** initdb into a new temporary directory, then start. */
  static async start(bin = PG_BIN): Promise<TestPostgres> {
    const dir = mkdtempSync('/tmp/accrete-pg-');
    // The postgres user must reach the directory (mkdtemp makes it 0700, owned by us).
    chmodSync(dir, 0o777);
    const pg = new TestPostgres(dir, await freePort(), bin);
    try {
      runTool(bin, 'initdb', ['-D', pg.data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
      pg.startServer();
    } catch (err) {
      pg.destroy();
      throw err;
    }
    return pg;
  }

  private startServer(): void {
    // fsync stays on: the tests check that acknowledged events survive `stop -m immediate`.
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=32MB`;
    runTool(this.bin, 'pg_ctl', ['-D', this.data, '-o', options, '-l', join(this.dir, 'log'), '-w', '-t', '60', 'start']);
    this.running = true;
  }

  /** Starts the server again after stop(). */
  restart(): void {
    if (!this.running) this.startServer();
  }

  /** Stops the server; `immediate`: as a crash (no shutdown checkpoint; connections cut). */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    if (!this.running) return;
    runTool(this.bin, 'pg_ctl', ['-D', this.data, '-m', mode, '-w', '-t', '60', 'stop']);
    this.running = false;
  }

  /** Creates a database and returns its connection string. */
  createDatabase(name: string): string {
    runTool(this.bin, 'psql', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-q', '-c', `CREATE DATABASE "${name.replace(/"/g, '')}"`]);
    return this.url(name);
  }

  /** Stops the server (immediate) and removes its directory; safe to call twice. */
  destroy(): void {
    try {
      this.stop('immediate');
    } catch {
      // already gone: the directory goes anyway
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A private PostgreSQL for a test, stopped and removed when the test ends (pass or fail); null
 * when it is missing outside CI (the test is skipped with a message); a failure under CI.
 */
export async function postgresOrSkip(t: Pick<TestContext, 'name' | 'skip' | 'after'>, ci = underCi(process.env.CI), bin = PG_BIN): Promise<TestPostgres | null> {
  const missing = postgresAvailable(bin);
  if (missing) {
    if (ci) assert.fail(`PostgreSQL 15 is needed: ${missing}; under CI the PostgreSQL tests must run`);
    process.stderr.write(`SKIPPED PostgreSQL test "${t.name}": ${missing}\n`);
    t.skip(missing);
    return null;
  }
  const pg = await TestPostgres.start(bin);
  t.after(() => pg.destroy());
  return pg;
}
