/**
 * The main thread's handle on one forward worker (src/model/forwardWorker.ts): start it early, give
 * it a verified model once there is one, then send it texts as input rows, thousands at a time,
 * and get their top labels back, in compact arrays. Jobs are answered in the order they are sent.
 * A worker that fails rejects every job in flight, and every later one, with a message that says so.
 */
import { Worker } from 'node:worker_threads';
import type { PredictOptions, TextClassifier } from './classifier.js';
import type { ForwardJob, ForwardReply, ForwardSetup } from './forwardProtocol.js';
import { paramRefs } from './sharedParams.js';
import type { TopRows } from './topRows.js';

interface Job {
  resolve(top: TopRows): void;
  reject(err: Error): void;
}

const WORKER_SCRIPT = new URL('./forwardWorker.js', import.meta.url);

export class ForwardThread {
  private worker: Worker | null = null;
  private readonly jobs = new Map<number, Job>();
  private nextId = 0;
  private isUp = false;
  private setup: ForwardSetup | null = null;
  private failedWith: Error | null = null;
  private settleUp: (up: boolean) => void = () => {};
  /** Resolves once the worker is up (true), or has failed or been closed before that (false). */
  readonly whenUp = new Promise<boolean>((resolve) => (this.settleUp = resolve));

  /** A handle with no thread yet (start() starts it); `script` is for tests (a worker that fails). */
  constructor(private readonly script: URL = WORKER_SCRIPT) {}

  /** Whether start() was called. */
  get started(): boolean {
    return this.worker !== null;
  }

  /**
   * Starts the worker thread (once; later calls do nothing). It takes some tens of milliseconds of
   * the other core to be `up`: start it early, but only when there is enough input to pay for it.
   */
  start(): void {
    if (this.worker || this.failedWith) return;
    const worker = new Worker(this.script);
    this.worker = worker;
    worker.on('message', (reply: ForwardReply) => this.onReply(reply));
    worker.on('error', (err) => this.fail(`the forward worker failed: ${err.message}`));
    worker.on('messageerror', (err) => this.fail(`the forward worker sent an unreadable message: ${err.message}`));
    worker.on('exit', (code) => this.fail(`the forward worker exited (code ${code})`));
    // The worker keeps the process alive only while it starts (so that whenUp settles) and while
    // jobs are in flight: once up and idle, it is unreferenced.
    if (this.setup) worker.postMessage(this.setup);
  }

  /** Whether the worker has started (and not failed): a job sent now is answered without start-up delay. */
  get up(): boolean {
    return this.isUp && this.failedWith === null;
  }

  /** Whether the worker has failed or been closed: it takes no more jobs. */
  get failed(): boolean {
    return this.failedWith !== null;
  }

  /** Why the worker takes no more jobs (its failure, or close()), or null. */
  get error(): Error | null {
    return this.failedWith;
  }

  /** Jobs sent and not yet answered. */
  get inFlight(): number {
    return this.jobs.size;
  }

  /**
   * Gives the worker the model to predict with (its tensors are shared, not copied): call once,
   * with a verified model, before `run`; before start() too, if need be. The model's parameters
   * must not change while jobs run.
   */
  attach(model: TextClassifier, { k = 1, threshold = 0 }: PredictOptions = {}): void {
    if (this.setup) throw new Error('ForwardThread.attach: a model is attached already');
    const p = model.params;
    this.setup = { type: 'setup', memory: p.arena.memory, params: paramRefs(p), loss: model.config.loss, bagNorm: model.config.bagNorm, tableSigmoid: model.tableSigmoid, labelCount: model.labels.length, k, threshold };
    this.worker?.postMessage(this.setup);
  }

  /**
   * The top labels of texts given as input rows (text i is rows [ends[i-1], ends[i]), text 0 from
   * 0), starting the worker if need be. The arrays' buffers are transferred to the worker: they are
   * unusable here afterwards.
   */
  run(rows: Int32Array, ends: Int32Array): Promise<TopRows> {
    if (!this.setup) return Promise.reject(new Error('ForwardThread.run: no model attached'));
    this.start();
    const worker = this.worker;
    if (this.failedWith || !worker) return Promise.reject(this.failedWith ?? new Error('the forward worker did not start'));
    const id = this.nextId++;
    const answer = new Promise<TopRows>((resolve, reject) => this.jobs.set(id, { resolve, reject }));
    if (this.jobs.size === 1 && this.isUp) worker.ref();
    const transfer = [rows.buffer, ends.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    worker.postMessage({ type: 'job', id, rows, ends } satisfies ForwardJob, transfer);
    return answer;
  }

  /** Stops the worker, if started; jobs still in flight are rejected. */
  async close(): Promise<void> {
    this.fail('the forward worker was closed');
    await this.worker?.terminate();
  }

  private onReply(reply: ForwardReply): void {
    if (reply.type === 'up') {
      this.isUp = true;
      this.settleUp(true);
      if (this.jobs.size === 0) this.worker?.unref();
      return;
    }
    const job = this.jobs.get(reply.id);
    if (!job) return;
    this.jobs.delete(reply.id);
    if (this.jobs.size === 0 && this.isUp) this.worker?.unref();
    if (reply.type === 'done') job.resolve(reply.top);
    else job.reject(new Error(`the forward worker failed on a job: ${reply.message}`));
  }

  /** Rejects every job in flight and all later ones (the first failure is the one reported). */
  private fail(message: string): void {
    this.failedWith ??= new Error(message);
    this.settleUp(false);
    for (const job of this.jobs.values()) job.reject(this.failedWith);
    this.jobs.clear();
    this.worker?.unref();
  }
}
