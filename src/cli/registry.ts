/** `accrete registry migrate | copy`: a PostgreSQL registry's schema, and moving a registry between SQLite and PostgreSQL. */
import { AccreteError, UsageError } from '../errors.js';
import { copyRegistry } from '../registry/copy.js';
import { isPostgresUrl } from '../registry/open.js';
import { help, optionalString, parseCommandLine } from './args.js';

export const registryHelp = `usage: accrete registry migrate --registry postgres://...
       accrete registry copy --from FILE.db|postgres://... --to postgres://...|FILE.db [--json]

  migrate              create the registry's tables in a PostgreSQL database, or bring them to this
                       Accrete's schema (accrete serve also does it at start when the schema is older)
  copy                 copy a whole registry (every version with its model files, the activation
                       history, every feedback event and job, ids kept) from SQLite to PostgreSQL or
                       back, into a destination that holds no registry yet; counts and checksums of
                       both sides are compared at the end (exit 1 when they differ)

options:
  --registry URL       the PostgreSQL registry (ACCRETE_REGISTRY)
  --from, --to         a registry's SQLite file, or a postgres:// connection string
  --json               print JSON instead of text`;

export async function registryCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCommandLine(argv, { registry: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } });
  if (flags.help) return help(registryHelp);
  const [action, ...extra] = positionals;
  if (action === undefined) throw new UsageError('say what to do: migrate or copy');
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const out = (text: string, json: unknown) => process.stdout.write((flags.json ? JSON.stringify(json) : text) + '\n');
  if (action === 'migrate') {
    const url = optionalString(flags, 'registry') ?? process.env.ACCRETE_REGISTRY;
    if (!url || !isPostgresUrl(url)) throw new UsageError('migrate needs --registry postgres://... (a SQLite registry is upgraded when it is opened)');
    const { migrateCommand } = await import('../registry/postgres/migrateCommand.js');
    const r = await migrateCommand(url);
    out(r.from === r.to ? `schema version ${r.to}: nothing to do` : r.from === 0 ? `created the registry (schema version ${r.to})` : `migrated from schema version ${r.from} to ${r.to}`, r);
    return 0;
  }
  if (action === 'copy') {
    const from = optionalString(flags, 'from');
    const to = optionalString(flags, 'to');
    if (!from || !to) throw new UsageError('copy needs --from and --to');
    const r = await copyRegistry(from, to);
    const c = r.to.counts;
    out(
      r.differences.length
        ? `the copy differs from the source:\n${r.differences.map((d) => `  ${d}`).join('\n')}`
        : `copied ${c.versions} version(s), ${c.activations} activation(s), ${c.jobs} job(s), ${c.feedback} feedback event(s); counts and checksums match (active: ${r.to.active})`,
      r,
    );
    if (r.differences.length) throw new AccreteError('BAD_MODEL_FILE', 'the copy is not whole (see above)');
    return 0;
  }
  throw new UsageError(`unknown action "${action}"; use migrate or copy`);
}
