/**
 * The process of an open-loop client (openLoop.ts), forked by load.ts's startFixedRate: it gets
 * its spec as the first message, sends for a second unmeasured, says "started" as it sends its
 * first measured request, stops early at a "stop" message, and sends back its result.
 */
import { openLoop, type OpenLoopSpec } from './openLoop.js';

const WARM_UP_SECONDS = 1;
let stopped = false;
process.on('message', (m: OpenLoopSpec | 'stop') => {
  if (m === 'stop') {
    stopped = true;
    return;
  }
  void (async () => {
    // Unmeasured first: a fresh process's first requests run its code cold.
    await openLoop({ ...m, maxSeconds: WARM_UP_SECONDS }, () => stopped);
    process.send!('started');
    const result = await openLoop(m, () => stopped);
    process.send!(result, () => process.disconnect());
  })();
});
