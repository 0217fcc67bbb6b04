/** `accrete serve`: the HTTP API, the dashboard and the update policies over a model registry. */
import { createServer } from 'node:net';
import { AccreteError, UsageError } from '../errors.js';
import { DEFAULT_REGISTRY } from '../registry/registry.js';
import { isPostgresUrl } from '../registry/open.js';
import { checkToken, generateToken } from '../serve/auth.js';
import { DEFAULT_SCHEDULER } from '../serve/predictScheduler.js';
import { startServer } from '../serve/server.js';
import { Service } from '../serve/service.js';
import { DEFAULT_UPDATE_PRIORITY, type TestPause } from '../serve/updater.js';
import { DEFAULT_LIMITS } from '../serve/validate.js';
import { GATE_DEFAULTS } from '../update/gate.js';
import { inRange, UPDATE_RANGES } from '../update/options.js';
import { help, optionalNumberWhere, optionalString, parseFlags } from './args.js';
import { gatePolicyOf } from './gateFlags.js';
import { isThreadPriority, THREAD_PRIORITIES } from '../util/threadPriority.js';

export const serveHelp = `usage: accrete serve [--registry FILE|postgres://...] [--model MODEL] [--host 127.0.0.1] [--port 8080] [options]

Serves predictions from the registry's active version over HTTP, records feedback, and makes new
versions from it through the gate (on POST /v1/update, and by policy). The dashboard is at /.
Writes need "Authorization: Bearer <token>": the token is ACCRETE_TOKEN, or one made at start and
printed on stderr.

registry:
  --registry FILE      the registry's SQLite file; model files go under versions/ beside it
                       (ACCRETE_REGISTRY, else ${DEFAULT_REGISTRY})
  --registry postgres://USER@HOST:PORT/DB?sslmode=require
                       a registry in PostgreSQL, shared by any number of replicas (docs/scaling.md);
                       replicas need ACCRETE_TOKEN set, the same on each
  --cache DIR          PostgreSQL: this replica's local copy of the model files, verified by
                       checksum (accrete-cache); one directory per replica
  --role R             PostgreSQL: serve (predictions and feedback only), update (also runs the
                       update jobs: one replica at a time holds the updater lock) or both (both)
  --model MODEL        a model directory (accrete train) imported as the first version of an
                       empty registry

network:
  --host H             address to bind (127.0.0.1; 0.0.0.0 exposes the service to the network)
  --port N             port, 0 = any free one (8080)
  --max-body BYTES     largest request body (${DEFAULT_LIMITS.maxBody})
  --max-text N         longest text, in characters (${DEFAULT_LIMITS.maxText})
  --max-batch N        most texts per predict request and examples per feedback request (${DEFAULT_LIMITS.maxBatch})
  --max-queued N       prediction work, in characters, that may stand before a request's last text
                       (requests share it round-robin); past it the request gets 503 with
                       Retry-After (${DEFAULT_SCHEDULER.maxQueuedChars})

update policies (every update goes through the gate):
  --update-every N     run an update after every N pending feedback events (off)
  --no-drift           do not run an update when Page-Hinkley detects a rise of the live error rate
  --keep N             after each accepted update, remove the files of all but the last N versions
                       (the active one and its lineage back to a base are always kept) (off)
  --gate-policy P      weighted | guard: the gate's policy for every update this server runs
                       (${GATE_DEFAULTS.policy}); a POST /v1/update may name its own ("policy")
  --new-share W        the weighted gate's share of traffic expected to look like the new data,
                       in [0, 1] (${GATE_DEFAULTS.newShare}); a POST /v1/update may name its own ("newShare")
  --no-grow-table      keep the n-gram table's rows as they are (default: an update grows them when
                       the data seen outgrows them); a POST /v1/update may name its own ("growTable")
  --update-priority P  the update thread's CPU priority: idle (Linux SCHED_IDLE: it runs on CPU time
                       nothing else wants, so predictions never wait for it), low (nice 10: a smaller
                       share; choose it where other work keeps every core busy, or updates crawl)
                       or normal (${DEFAULT_UPDATE_PRIORITY})`;

const FLAGS = {
  registry: { type: 'string' },
  cache: { type: 'string' },
  role: { type: 'string' },
  model: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'max-body': { type: 'string' },
  'max-text': { type: 'string' },
  'max-batch': { type: 'string' },
  'max-queued': { type: 'string' },
  'update-every': { type: 'string' },
  keep: { type: 'string' },
  'no-drift': { type: 'boolean' },
  'no-grow-table': { type: 'boolean' },
  'gate-policy': { type: 'string' },
  'new-share': { type: 'string' },
  'update-priority': { type: 'string' },
} as const;

/** How long requests in flight get to finish at shutdown. */
const GRACE_MS = 5000;

const PAUSES: readonly string[] = ['update', 'save', 'commit'];
const ROLES: readonly string[] = ['serve', 'update', 'both'];

export async function serveCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, FLAGS);
  if (flags.help) return help(serveHelp);
  const int = (name: string, min: number, max = Number.MAX_SAFE_INTEGER) => optionalNumberWhere(flags, name, 'int', (n) => n >= min && n <= max, `an integer from ${min} to ${max}`);
  const port = int('port', 0, 65535) ?? 8080;
  const limits = { maxBody: int('max-body', 1024) ?? DEFAULT_LIMITS.maxBody, maxText: int('max-text', 1) ?? DEFAULT_LIMITS.maxText, maxBatch: int('max-batch', 1) ?? DEFAULT_LIMITS.maxBatch };
  const pause = process.env.ACCRETE_TEST_PAUSE ?? '';
  if (pause !== '' && !PAUSES.includes(pause)) throw new AccreteError('USAGE', `ACCRETE_TEST_PAUSE must be one of ${PAUSES.join(', ')}`);
  const registry = optionalString(flags, 'registry') ?? (process.env.ACCRETE_REGISTRY || DEFAULT_REGISTRY);
  const role = optionalString(flags, 'role') ?? 'both';
  if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')} (got ${JSON.stringify(role)})`);
  const shared = isPostgresUrl(registry);
  if (!shared && (flags.role !== undefined || flags.cache !== undefined)) throw new UsageError('--role and --cache are for a PostgreSQL registry (--registry postgres://...)');
  const envToken = process.env.ACCRETE_TOKEN;
  // A token made up per replica would differ from one replica to the next.
  if (shared && !envToken) throw new UsageError('a PostgreSQL registry is served by replicas behind one address: set ACCRETE_TOKEN, the same on every replica');
  const token = envToken || generateToken();
  // Every configuration check before Service.open, which may import --model into the registry.
  checkToken(token);
  const newShare = optionalNumberWhere(flags, 'new-share', UPDATE_RANGES.newShare.kind, (n) => inRange(UPDATE_RANGES.newShare, n), UPDATE_RANGES.newShare.expected);
  const updateDefaults = { policy: gatePolicyOf(optionalString(flags, 'gate-policy')), newShare, ...(flags['no-grow-table'] ? { growTable: false } : {}) };
  const updatePriority = optionalString(flags, 'update-priority');
  if (updatePriority !== undefined && !isThreadPriority(updatePriority)) throw new UsageError(`--update-priority must be one of ${THREAD_PRIORITIES.join(', ')} (got ${JSON.stringify(updatePriority)})`);
  const host = optionalString(flags, 'host') ?? '127.0.0.1';
  if (port !== 0) await checkPort(host, port);

  const service = await Service.open({
    registry,
    cache: optionalString(flags, 'cache'),
    role: role as 'serve' | 'update' | 'both',
    model: optionalString(flags, 'model'),
    limits,
    scheduler: { maxQueuedChars: int('max-queued', 1) ?? DEFAULT_SCHEDULER.maxQueuedChars },
    updateEvery: int('update-every', 1) ?? null,
    keep: int('keep', 0) ?? null,
    drift: !flags['no-drift'],
    updateDefaults,
    updatePriority,
    testPause: pause === '' ? null : (pause as TestPause),
  });
  let running;
  try {
    running = await startServer(service, { host, port, token, graceMs: GRACE_MS });
  } catch (err) {
    await service.close();
    throw listenError(host, port, err);
  }
  if (!envToken) process.stderr.write(`accrete serve: token for writes (Authorization: Bearer ...): ${token}\n`);
  process.stderr.write(`accrete serve: serving ${service.active.id} from ${service.registry.label} on ${running.url}\n`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        // A second signal stops at once (the registry stays consistent, as after a crash).
        process.stderr.write(`accrete serve: ${signal} again, stopping now\n`);
        process.exit(1);
      }
      stopping = true;
      process.stderr.write(`accrete serve: ${signal}, stopping (requests in flight get ${GRACE_MS / 1000} s to finish; send it again to stop now)\n`);
      resolve();
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  await running.close();
  process.stderr.write('accrete serve: stopped\n');
  return 0;
}

function listenError(host: string, port: number, err: unknown): UsageError {
  const e = err as NodeJS.ErrnoException;
  const why = e.code === 'EADDRINUSE' ? 'the port is in use' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EADDRNOTAVAIL' ? 'no such address here' : e.message;
  return new UsageError(`cannot listen on ${host}:${port}: ${why}; choose another --port or --host`);
}

/** Fails (exit 2) when host:port cannot be bound, before the registry is opened. The server binds it again just after. */
function checkPort(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err) => reject(listenError(host, port, err)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
