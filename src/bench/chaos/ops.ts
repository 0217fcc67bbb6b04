/**
 * The operator of the chaos benchmark: POST /v1/update, activations of a random recorded version and
 * rollbacks, one at a time at random intervals, against whichever server is up; every answer's
 * status is counted per operation. 409 (an update already running, nothing to roll back to) and
 * 422 (a failed update) are answers; 500 never is.
 */
import { call } from '../../serve/testing.js';
import { Rng } from '../../util/rng.js';

export type Op = 'update' | 'activate' | 'rollback';

export class Operator {
  readonly statuses: Record<Op, Record<string, number>> = { update: {}, activate: {}, rollback: {} };
  /** Bodies of answers with status >= 500 other than 503: each one is a bug. */
  readonly serverErrors: string[] = [];
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly target: () => string | null,
    private readonly rng: Rng,
    private readonly gapMs: [number, number] = [150, 700],
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** One operation now; resolves with its status (0: the connection died). */
  async once(op: Op, url: string): Promise<number> {
    let status = 0;
    let text = '';
    try {
      if (op === 'update') {
        ({ status, text } = await call(url, 'POST', '/v1/update', { rounds: 2 + this.rng.int(10) }, true, {}, 60_000));
      } else if (op === 'rollback') {
        ({ status, text } = await call(url, 'POST', '/v1/models/rollback', undefined, true, {}, 30_000));
      } else {
        const models = await call(url, 'GET', '/v1/models', undefined, false, {}, 10_000);
        // A version other than the active one when there is one: an activation that changes something.
        const all = (models.json?.models ?? []).map((m: { id: string }) => m.id) as string[];
        const others = all.filter((id) => id !== models.json?.active);
        const ids = others.length > 0 ? others : all;
        if (ids.length === 0) return 0;
        ({ status, text } = await call(url, 'POST', `/v1/models/${ids[this.rng.int(ids.length)]}/activate`, undefined, true, {}, 30_000));
      }
    } catch {
      status = 0;
    }
    this.statuses[op][status] = (this.statuses[op][status] ?? 0) + 1;
    if (status >= 500 && status !== 503) this.serverErrors.push(`${op}: ${status} ${text.slice(0, 300)}`);
    return status;
  }

  private async run(): Promise<void> {
    while (this.running) {
      await new Promise((r) => setTimeout(r, this.rng.uniform(...this.gapMs)));
      const url = this.target();
      if (url === null) continue;
      const r = this.rng.next();
      await this.once(r < 0.5 ? 'update' : r < 0.75 ? 'activate' : 'rollback', url);
    }
  }
}
