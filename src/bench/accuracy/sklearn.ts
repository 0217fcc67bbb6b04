/** scikit-learn's hinge-loss linear model (hinge_baseline.py), the reference, as a benchmark arm. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ArmResult } from './run.js';

const SKLEARN = fileURLToPath(new URL('../../../src/bench/accuracy/hinge_baseline.py', import.meta.url));

/** The first Python with scikit-learn: the one on PATH, else Debian's (python3-sklearn installs there). */
export function pythonWithSklearn(): string | undefined {
  return ['python3', '/usr/bin/python3'].find((py) => spawnSync(py, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0);
}

export function sklearn(python: string, trainJsonl: string, testJsonl: string, seed: number): ArmResult {
  const r = spawnSync(python, [SKLEARN, trainJsonl, testJsonl, String(seed)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`hinge_baseline.py failed: ${r.stderr.slice(-800)}`);
  const o = JSON.parse(r.stdout) as { accuracy: number; seconds: number };
  return { accuracy: o.accuracy, seconds: o.seconds, modelBytes: 0 };
}
