/**
 * The learner's worker thread: runs the jobs (jobs.ts) runner.ts posts, one at a time, posting each
 * one's progress and then its result or error. The thread waits for the next job until runner.ts
 * ends it (after a one-off job, or on an abort, which terminates it mid-way).
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { evaluateJob, learnJob, loadJob, trainJob, type Post } from './jobs.js';
import type { Job, JobResult, LearnResult, TrainResult, LoadResult } from './protocol.js';
import { memoryBuffers } from './transfer.js';
import { buffersOf } from './pack.js';
import { toWire } from '../errorWire.js';

// The caller's thread first: on a busy machine its timers and requests should not wait for ours
// (on Linux a thread has its own nice value, and Hogwild workers started here inherit it), as the
// server's update worker does.
try {
  setPriority(10);
} catch {
  // not allowed here: run at normal priority
}

const port = parentPort!;
const post: Post = (m) => port.postMessage(m);

/** The buffers a result hands over rather than copies: this thread is done with them. */
function transferOf(job: Job, result: JobResult): ArrayBuffer[] {
  if (job.kind === 'train' || job.kind === 'load') return memoryBuffers((result as TrainResult | LoadResult).memory);
  if (job.kind !== 'learn') return [];
  const r = result as LearnResult;
  if (!r.accepted) return [];
  const arrays = [...r.parent.tensors.values()].flatMap((t) => [t.ids, t.values]);
  for (const row of r.patch.rows) arrays.push(row.ids, row.delta);
  const memory = r.memory === null ? null : 'started' in r.memory ? r.memory.started : { fisher: r.memory.changes.fisher, seen: r.memory.changes.seen };
  return [...new Set([...buffersOf(...arrays), ...memoryBuffers(memory)])];
}

async function run(job: Job): Promise<JobResult> {
  switch (job.kind) {
    case 'train':
      return trainJob(job, post);
    case 'learn':
      return learnJob(job, post);
    case 'evaluate':
      return evaluateJob(job, post);
    case 'load':
      return loadJob(job);
  }
}

// One job after another (runner.ts sends the next only once this one answered).
port.on('message', (job: Job) => {
  run(job).then(
    (result) => port.postMessage({ type: 'done', result }, transferOf(job, result)),
    (err: unknown) => post({ type: 'error', error: toWire(err) }),
  );
});
