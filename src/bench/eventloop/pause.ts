/**
 * The event loop's longest pause while some work runs: a 10 ms interval timer notes the time
 * between its ticks (and from the last tick to the end of the work). Work that blocks the thread
 * shows as one long gap; work off the thread as gaps near 10 ms.
 */
export interface Pauses<T> {
  result: T;
  /** Longest time between two ticks, or from the start or the last tick to the end (ms). */
  longestMs: number;
  /** Ticks during the work: a guard that the work lasted long enough to be measured at all. */
  ticks: number;
  wallMs: number;
}

export async function measurePauses<T>(work: () => Promise<T>, intervalMs = 10): Promise<Pauses<T>> {
  const started = performance.now();
  let last = started;
  let longest = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    ticks++;
  }, intervalMs);
  try {
    const result = await work();
    const end = performance.now();
    return { result, longestMs: Math.max(longest, end - last), ticks, wallMs: end - started };
  } finally {
    clearInterval(timer);
  }
}

/** The control thread: the same 10 ms interval on an event loop that has nothing else to do. */
const CONTROL = `
const { parentPort } = require('node:worker_threads');
let last = performance.now();
let longest = 0;
const timer = setInterval(() => {
  const now = performance.now();
  longest = Math.max(longest, now - last);
  last = now;
}, 10);
parentPort.once('message', () => {
  clearInterval(timer);
  parentPort.postMessage(Math.max(longest, performance.now() - last));
});
parentPort.postMessage('ready');
`;

/**
 * measurePauses, with a control measured at the same time on a thread that does nothing: on a
 * machine so busy that threads wait their turn for a core, `controlMs` is what that waiting alone
 * cost meanwhile. Work that blocks the measured thread shows in `longestMs`, not in `controlMs`.
 */
export async function measurePausesWithControl<T>(work: () => Promise<T>): Promise<Pauses<T> & { controlMs: number }> {
  const { Worker } = await import('node:worker_threads');
  const control = new Worker(CONTROL, { eval: true });
  await new Promise((resolve) => control.once('message', resolve));
  try {
    const p = await measurePauses(work);
    const controlMs = await new Promise<number>((resolve) => {
      control.once('message', resolve);
      control.postMessage('stop');
    });
    return { ...p, controlMs };
  } finally {
    await control.terminate();
  }
}
