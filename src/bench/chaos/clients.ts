/**
 * Feedback clients for the chaos benchmark: each sends small feedback requests in a loop to
 * whichever server is up, and every answer is recorded (time, status, Retry-After) with the ids of
 * each acknowledged event (a 200 answer's `ids`). A request that dies with its server is an error,
 * never acknowledged: only what the server answered 200 must be in the registry.
 */
import { call } from '../../serve/testing.js';
import { Rng } from '../../util/rng.js';

export interface Answer {
  /** performance.now() when the request was sent and when it was answered. */
  sent: number;
  at: number;
  /** HTTP status, or 0 for a connection error or a timeout. */
  status: number;
  retryAfter: string | null;
  code: string | null;
}

export class FeedbackLoad {
  /** Every acknowledged event: its id and its text (an id reused after a lost commit would carry another text). */
  readonly acked: { id: number; text: string }[] = [];
  readonly answers: Answer[] = [];
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    /** The server to send to now, or null while none is up. */
    private readonly target: () => string | null,
    private readonly examples: readonly { text: string; label: string }[],
    private readonly clients: number,
    private readonly seed = 1,
  ) {}

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.clients }, (_, i) => this.loop(new Rng(this.seed * 1000 + i)));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(rng: Rng): Promise<void> {
    while (this.running) {
      const url = this.target();
      if (url === null) {
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const batch = Array.from({ length: 1 + rng.int(3) }, () => this.examples[rng.int(this.examples.length)]);
      const sent = performance.now();
      let answer: Answer;
      try {
        const r = await call(url, 'POST', '/v1/feedback', batch.length === 1 ? batch[0] : { examples: batch }, true, {}, 5_000);
        answer = { sent, at: performance.now(), status: r.status, retryAfter: r.headers['retry-after'] ?? null, code: r.json?.error?.code ?? null };
        if (r.status === 200) (r.json.ids as number[]).forEach((id, i) => this.acked.push({ id, text: batch[i].text }));
      } catch {
        answer = { sent, at: performance.now(), status: 0, retryAfter: null, code: null };
      }
      this.answers.push(answer);
      // A refused write waits a little, as a client honouring Retry-After would (but shorter, to time the recovery).
      if (answer.status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Answers counted by status ("0" = connection error or timeout). */
export function byStatus(answers: readonly Answer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
}
