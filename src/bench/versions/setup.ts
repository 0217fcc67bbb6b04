/**
 * The pinned model of `bench:versions` (issue 14): SpamAssassin's first 5,000 e-mails, `accrete
 * train --wordNgrams 2 --bucket 2000000 --dim 100` (--quick: 200,000 buckets), trained once and
 * kept under bench/work/versions/ for the next run; and the updates' data: held-out spam e-mails
 * relabelled `phishing` (a new label: the default gate rejects small updates of this near-perfect
 * model, so the accepted runs pass the gate options of UPDATE_FLAGS).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../datasets/index.js';
import type { Example } from '../../data/example.js';

export const TRAIN_EXAMPLES = 5000;

export interface Setup {
  quick: boolean;
  work: string;
  base: string;
  bucket: number;
  trainFlags: string[];
  /** Held-out spam e-mails relabelled `phishing`, in corpus order. */
  pool: Example[];
  /** Seconds the base took to train (null when it came from the cache). */
  trainSeconds: number | null;
}

/** Options an accepted update runs with, as CLI flags and as the body of POST /v1/update. */
export const UPDATE_FLAGS = ['--lr', '0.5', '--max-drop', '0.2', '--label-tolerance', '1'];
export const UPDATE_BODY = { lr: 0.5, maxDrop: 0.2, labelTolerance: 1 };

export const writeJsonl = (path: string, examples: readonly Example[]) => writeFileSync(path, examples.map((e) => JSON.stringify({ text: e.text, labels: e.labels })).join('\n') + '\n');

/** The base model (trained now, or the one cached for the same flags) and the update pool. */
export async function setup(root: string, quick: boolean, cli: string, log: (s: string) => void): Promise<Setup> {
  const bucket = quick ? 200_000 : 2_000_000;
  const work = join(root, 'bench', 'work', 'versions', quick ? 'quick' : 'full');
  mkdirSync(work, { recursive: true });
  const examples = (await loadDataset('spam-assassin')).examples;
  const pool = examples.slice(TRAIN_EXAMPLES).filter((e) => e.labels[0] === 'spam').map((e) => ({ text: e.text, labels: ['phishing'] }));
  const trainFlags = ['--wordNgrams', '2', '--bucket', String(bucket), '--dim', '100', '--seed', '0', '--thread', '1'];
  const base = join(work, 'base');
  const stamp = join(work, 'base.stamp.json');
  // `files`: what the files of a base trained now are like (a base cached before replay.json was written in ASCII is trained again).
  const key = JSON.stringify({ trainFlags, examples: TRAIN_EXAMPLES, files: 'ascii-json' });
  if (existsSync(join(base, 'model.json')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) {
    log(`using the cached base ${base}`);
    return { quick, work, base, bucket, trainFlags, pool, trainSeconds: null };
  }
  const data = join(work, 'train.jsonl');
  writeJsonl(data, examples.slice(0, TRAIN_EXAMPLES));
  rmSync(base, { recursive: true, force: true });
  log(`training the base: accrete train ${trainFlags.join(' ')} (${TRAIN_EXAMPLES} e-mails)`);
  const t = performance.now();
  const r = spawnSync(process.execPath, [cli, 'train', '--data', data, '--out', base, ...trainFlags, '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`accrete train failed (exit ${r.status})`);
  writeFileSync(stamp, key);
  return { quick, work, base, bucket, trainFlags, pool, trainSeconds: (performance.now() - t) / 1000 };
}

/** Every regular file under `dir` (recursively) with its inode and size. */
export function filesOf(dir: string): Map<string, { ino: number; size: number; mtimeMs: number }> {
  const out = new Map<string, { ino: number; size: number; mtimeMs: number }>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else if (s.isFile()) out.set(p, { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs });
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** Bytes on disk under `dir`, each file counted once however many hard links it has there. */
export function uniqueBytes(dir: string): number {
  const seen = new Map<number, number>();
  for (const f of filesOf(dir).values()) seen.set(f.ino, f.size);
  return [...seen.values()].reduce((a, b) => a + b, 0);
}

/** Bytes of the files under `dir` that are new or rewritten since `before` (a filesOf snapshot). */
export function bytesWrittenSince(dir: string, before: ReturnType<typeof filesOf>): number {
  const old = new Set([...before.values()].map((f) => `${f.ino}:${f.size}:${f.mtimeMs}`));
  let n = 0;
  for (const f of filesOf(dir).values()) if (!old.has(`${f.ino}:${f.size}:${f.mtimeMs}`)) n += f.size;
  return n;
}

/** A copy of a model directory that shares its files (hard links): cheap, and the base is never written in place. */
export function linkCopy(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  const r = spawnSync('cp', ['-al', from, to]);
  if (r.status !== 0) throw new Error(`cp -al ${from} ${to} failed: ${r.stderr.toString()}`);
}
