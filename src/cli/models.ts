/** `accrete models list | show ID | activate ID | rollback`: the registry from the command line. */
import { UsageError } from '../errors.js';
import { DEFAULT_REGISTRY, type VersionRecord } from '../registry/registry.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPostgresUrl, openStore } from '../registry/open.js';
import { help, optionalNumberWhere, optionalString, parseCommandLine } from './args.js';

export const modelsHelp = `usage: accrete models <list | show ID | activate ID | rollback | gc --keep N> [--registry FILE|postgres://...] [--json]

The versions in a model registry (the one accrete serve uses), and its active pointer.
A running accrete serve notices an activation within a second and serves that version.

  list                 every version: parent, time, guard and new-data accuracy, gate decision,
                       and the bytes it adds on disk (a version made by a patch shares its parent's files)
  gc --keep N          remove the files of all but the last N versions; the active version and its
                       lineage back to a base are always kept (rows stay, marked removed)
  show ID              one version in full (options, metrics, the gate's reasons, its update job)
  activate ID          make version ID the active one (refused unless its model files load)
  rollback             make the parent of the active version the active one (same check)

options:
  --registry FILE      the registry's SQLite file, or a PostgreSQL connection string
                       (ACCRETE_REGISTRY, else ${DEFAULT_REGISTRY})
  --cache DIR          PostgreSQL: where activate and rollback fetch the model files they check
                       (a temporary directory, removed after)
  --json               print JSON instead of a table`;

const pct = (x: number | undefined | null) => (typeof x === 'number' ? `${(x * 100).toFixed(1)}%` : '-');

const size = (n: number) => (n < 1 << 20 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1 << 20)).toFixed(1)} MiB`);

function table(versions: VersionRecord[], active: string | null, bytes: Map<string, number>, total: number): string {
  const rows = [['', 'id', 'parent', 'created', 'source', 'guard acc', 'new-data acc', 'labels', 'on disk']];
  for (const v of versions) {
    rows.push([v.id === active ? '*' : '', v.id, v.parent ?? '-', v.createdAt.replace('T', ' ').slice(0, 19), v.decision.source, pct(v.metrics.guard?.accuracy), pct(v.metrics.fresh?.accuracy), String(v.labels.length), size(bytes.get(v.id) ?? 0)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  // "on disk": what a version adds; a version made by a patch shares its parent's files.
  return [...lines, `${versions.length} version(s), ${size(total)} on disk`].join('\n');
}

export async function modelsCommand(argv: string[]): Promise<number> {
  const { flags: values, positionals } = parseCommandLine(argv, { registry: { type: 'string' }, cache: { type: 'string' }, json: { type: 'boolean' }, keep: { type: 'string' } });
  if (values.help) return help(modelsHelp);
  const [action, id, ...extra] = positionals;
  const wantsId = action === 'show' || action === 'activate';
  if (action === undefined) throw new UsageError('say what to do: list, show ID, activate ID, rollback or gc --keep N');
  if (!['list', 'show', 'activate', 'rollback', 'gc'].includes(action)) throw new UsageError(`unknown action "${action}"; use list, show ID, activate ID, rollback or gc --keep N`);
  const keep = action === 'gc' ? optionalNumberWhere(values, 'keep', 'int', (n) => n >= 0, 'a whole number of versions, 0 or more') : undefined;
  if (action === 'gc' && keep === undefined) throw new UsageError('gc needs --keep N: how many of the latest versions to keep');
  if (action !== 'gc' && values.keep !== undefined) throw new UsageError('--keep is for gc');
  if (wantsId && id === undefined) throw new UsageError(`${action} needs a version id (accrete models list shows them)`);
  if ((!wantsId && id !== undefined) || extra.length) throw new UsageError(`unexpected argument "${wantsId ? extra[0] : id}"`);

  const spec = optionalString(values, 'registry') ?? (process.env.ACCRETE_REGISTRY || DEFAULT_REGISTRY);
  // PostgreSQL: activate and rollback fetch the target's files to check them; without --cache, into a temporary directory.
  const scratch = isPostgresUrl(spec) && values.cache === undefined ? mkdtempSync(join(tmpdir(), 'accrete-models-')) : null;
  let registry;
  try {
    registry = await openStore(spec, { readonly: action === 'list' || action === 'show', mustExist: true, cache: optionalString(values, 'cache') ?? scratch ?? undefined });
  } catch (err) {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
  const out = (text: string, json: unknown) => process.stdout.write((values.json ? JSON.stringify(json) : text) + '\n');
  try {
    if (action === 'list') {
      const active = await registry.activeId();
      const versions = await registry.versions();
      const usage = await registry.diskUsage();
      out(versions.length ? table(versions, active, usage.byVersion, usage.total) : 'the registry has no versions', { active, totalBytes: usage.total, models: versions.map((v) => ({ ...v, bytes: usage.byVersion.get(v.id) ?? 0 })) });
    } else if (action === 'show') {
      const v = await registry.version(id);
      const detail = { ...v, active: (await registry.activeId()) === v.id, update: v.job === null ? null : await registry.job(v.job) };
      out(JSON.stringify(detail, null, 2), detail);
    } else if (action === 'gc') {
      const r = await registry.gc(keep!);
      out(r.removed.length ? `removed the files of ${r.removed.join(', ')}; kept ${r.kept.join(', ')}` : 'nothing to remove', r);
    } else {
      const r = action === 'activate' ? await registry.activate(id, 'activate (cli)') : await registry.rollback();
      out(`active: ${r.active}${r.previous ? ` (was ${r.previous})` : ''}`, r);
    }
  } finally {
    await registry.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  return 0;
}
