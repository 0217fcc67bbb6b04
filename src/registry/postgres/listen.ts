/**
 * A replica's ear: a connection of its own that LISTENs on the registry's channel and calls
 * `onNotice` with each payload (ids only). Notices sent while it is disconnected are lost, which is
 * why the service also checks every few seconds; after a failure it connects again with backoff
 * (0.25 s doubling up to 10 s), and calls `onNotice('reconnected')` so that what it missed is read.
 */
import type pg from 'pg';
import { newClient } from './connect.js';
import { CHANNEL } from './rows.js';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 10_000;

export class Listener {
  private client: pg.Client | null = null;
  private closed = false;
  private retryMs = FIRST_RETRY_MS;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly onNotice: (payload: string) => void,
  ) {}

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = newClient(this.url);
    let failed = false;
    const fail = () => {
      if (failed) return;
      failed = true;
      if (this.client === client) this.client = null;
      void client.end().catch(() => undefined);
      this.retry();
    };
    client.on('error', fail);
    client.on('end', fail);
    client.on('notification', (n) => this.onNotice(n.payload ?? ''));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (this.closed) return void client.end().catch(() => undefined);
      this.client = client;
      const wasDown = this.retryMs > FIRST_RETRY_MS;
      this.retryMs = FIRST_RETRY_MS;
      if (wasDown) this.onNotice('reconnected');
    } catch {
      fail();
    }
  }

  private retry(): void {
    if (this.closed || this.timer) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, wait);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }
}
