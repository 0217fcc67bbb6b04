/**
 * POST /v1/update on a replica that does not run updates (a shared PostgreSQL registry): the job is
 * queued in the database, the updater replica runs it (told by a notice, or its periodic check),
 * and this replica answers with the job's outcome once it is recorded, serving the new version
 * first when the job made one active.
 */
import { AccreteError } from '../errors.js';
import type { UpdateOptions } from '../update/update.js';
import type { Service } from './service.js';
import { recorded, type UpdateAnswer } from './updateJobs.js';

/** How long a queued job may wait for an updater to pick it up before the request gets 503. */
export const PICKUP_TIMEOUT_MS = 30_000;
const POLL_MS = 100;
/** After an accepted job, how long to wait for this replica to serve the new version before answering. */
const SERVE_WAIT_MS = 2_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function queuedUpdate(s: Service, options: UpdateOptions): Promise<UpdateAnswer> {
  const job = await s.registry.queueJob!('api', recorded(options));
  s.log(`update job ${job} queued for the updater replica`);
  const queuedAt = Date.now();
  for (;;) {
    if (s.isClosed) throw new AccreteError('UNAVAILABLE', `the server is shutting down; update job ${job} stays queued for the updater`);
    const r = await s.registry.job(job);
    if (r.state === 'queued' && Date.now() - queuedAt > PICKUP_TIMEOUT_MS) {
      throw new AccreteError('UNAVAILABLE', `no updater replica picked up update job ${job} within ${PICKUP_TIMEOUT_MS / 1000} s (is a replica with --role update or both running?); the job stays queued`);
    }
    if (r.state === 'failed' || r.state === 'interrupted') throw new AccreteError('CONFLICT', `update job ${job} ${r.state} on the updater replica: ${r.error ?? 'no reason recorded'}`);
    if (r.state === 'accepted' || r.state === 'rejected') {
      if (r.state === 'accepted' && r.version) {
        const until = Date.now() + SERVE_WAIT_MS;
        while (s.active.id !== r.version && Date.now() < until) {
          await s.watch().catch(() => undefined);
          if (s.active.id !== r.version) await sleep(POLL_MS);
        }
      }
      return { accepted: r.state === 'accepted', version: s.active.id, created: r.version, reasons: r.reasons ?? [], report: r.report, job };
    }
    await sleep(POLL_MS);
  }
}
