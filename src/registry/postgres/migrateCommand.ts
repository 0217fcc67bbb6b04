/** `accrete registry migrate`: creates or upgrades a PostgreSQL registry's schema, nothing else. */
import { AccreteError } from '../../errors.js';
import { asStorageFault, checkUrl, connectError, newPool, redact } from './connect.js';
import { migrate } from './schema.js';

export async function migrateCommand(url: string): Promise<{ from: number; to: number; registryId: string }> {
  checkUrl(url);
  const label = redact(url);
  const pool = newPool(url, 1);
  try {
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      throw connectError(err, label);
    }
    return await migrate(pool, label);
  } catch (err) {
    if (err instanceof AccreteError) throw err;
    throw asStorageFault(err, label);
  } finally {
    await pool.end().catch(() => undefined);
  }
}
