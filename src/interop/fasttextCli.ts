/**
 * The real fastText command line (Debian package `fasttext`, 0.9.2), for tests and comparisons that
 * check Accrete against fastText itself.
 */
import { spawnSync } from 'node:child_process';
import { AccreteError } from '../errors.js';

/** Runs `fasttext ...args` and returns its stdout; a missing CLI or a failure is an error saying so. */
export function runFastText(args: string[], input?: string): string {
  const r = spawnSync('fasttext', args, { input, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 120_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new AccreteError('USAGE', 'the fastText CLI (`fasttext`) is not installed; these checks compare against it: apt-get install fasttext (.ci/run installs it in CI)');
  }
  if (r.error) throw r.error;
  if (r.status !== 0) throw new AccreteError('BAD_DATA', `fasttext ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim().slice(0, 500)}`);
  return r.stdout;
}

/**
 * One line of `fasttext predict-prob` output as label -> probability, labels without `__label__`.
 * @example parsePredictProb('__label__a 0.7 __label__b 0.3') // Map { 'a' => 0.7, 'b' => 0.3 }
 */
export function parsePredictProb(line: string): Map<string, number> {
  const out = new Map<string, number>();
  const parts = line.trim().split(' ').filter((p) => p !== '');
  for (let i = 0; i + 1 < parts.length; i += 2) out.set(parts[i].replace(/^__label__/, ''), Number(parts[i + 1]));
  return out;
}

/** P@1 from `fasttext test` output ("N\t500\nP@1\t0.614\nR@1\t0.614"). */
export function parseTestPrecision(stdout: string): { n: number; precision: number } {
  const n = /^N\s+(\d+)/m.exec(stdout);
  const p = /^P@1\s+([\d.eE+-]+|-?nan)/m.exec(stdout);
  if (!n || !p) throw new AccreteError('BAD_DATA', `cannot read the output of fasttext test: ${JSON.stringify(stdout.slice(0, 200))}`);
  return { n: Number(n[1]), precision: Number(p[1]) };
}
