/**
 * fastText's `-autotune-validation` as the autotune bench runs it. fastText 0.9.2 (Debian's) does not
 * hold its search to -autotune-duration: a 20 s search on SpamAssassin at -thread 2 ran trials of
 * 104, 75 and 550 s and was starting its ninth trial 20 minutes in (load 12-19 on 2 cores). So the
 * search is stopped at the time limit, and the best trial it had finished (from its -verbose 3 log)
 * is trained once more with its settings, as fastText itself ends a search; both count in the time.
 */
import { join } from 'node:path';
import { fastTextArgs, OverranError, spawn, type ArmResult, type RunFiles } from './run.js';

/** The settings and validation score of every trial a -verbose 3 log shows as finished. */
export function trialsOf(log: string): { args: Record<string, string>; score: number }[] {
  const out: { args: Record<string, string>; score: number }[] = [];
  let args: Record<string, string> = {};
  for (const line of log.replace(/\r/g, '\n').split('\n')) {
    const m = /^\s*(\w+) = (\S+)\s*$/.exec(line);
    if (!m) continue;
    if (m[1] === 'Trial') args = {};
    else if (m[1] === 'currentScore') out.push({ args, score: Number(m[2]) });
    else args[m[1]] = m[2];
  }
  return out;
}

const SEARCHED = ['epoch', 'lr', 'dim', 'wordNgrams', 'minn', 'maxn', 'bucket', 'dsub', 'loss'];

/** fastText's autotune, stopped at `limitMs` if need be (then its best finished trial is trained again). */
export function fastTextAutotune(files: RunFiles, validFt: string, duration: string, thread: string, limitMs: number): ArmResult {
  const out = join(files.dir, 'ft');
  const test = (seconds: number, note?: string): ArmResult => {
    const e = spawn('fasttext', ['test', `${out}.bin`, files.testFt], limitMs);
    const p = /^P@1\s+(\S+)/m.exec(e.stdout);
    if (!p) throw new Error(`cannot read fasttext test: ${e.stdout.slice(0, 200)}`);
    return { accuracy: Number(p[1]), seconds, modelBytes: 0, chose: fastTextArgs(`${out}.bin`), ...(note ? { error: note } : {}) };
  };
  const base = ['supervised', '-input', files.trainFt, '-output', out, '-thread', thread];
  try {
    const t = spawn('stdbuf', ['-oL', '-eL', 'fasttext', ...base, '-autotune-validation', validFt, '-autotune-duration', duration, '-verbose', '3'], limitMs);
    return test(t.seconds);
  } catch (err) {
    if (!(err instanceof OverranError)) throw err;
    const trials = trialsOf(err.output);
    // Trial 1 is fastText's defaults: with no trial finished, those are what the search had.
    const best = trials.reduce<(typeof trials)[number] | null>((b, t) => (b === null || t.score > b.score ? t : b), null);
    const args = SEARCHED.flatMap((k) => (best?.args[k] !== undefined ? [`-${k}`, best.args[k]] : []));
    try {
      const again = spawn('fasttext', [...base, ...args], limitMs);
      return test(err.seconds + again.seconds, `search stopped at ${err.seconds.toFixed(0)} s after ${trials.length} finished trials; the best retrained`);
    } catch (e2) {
      if (e2 instanceof OverranError) throw new OverranError('fasttext', err.seconds + e2.seconds, '');
      throw e2;
    }
  }
}
