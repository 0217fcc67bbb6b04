/**
 * Training progress on stderr: a live bar on a terminal, and a plain line every few seconds
 * otherwise (logs and CI), so long runs never look hung.
 */
import cliProgress from 'cli-progress';
import type { TrainProgress } from '../learn/progress.js';

export interface ProgressView {
  update(p: TrainProgress): void;
  stop(): void;
}

function rate(n: number): string {
  if (!Number.isFinite(n)) return '-';
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
}

function eta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function progressView(label: string, quiet = false): ProgressView {
  if (quiet) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${label} [{bar}] {percentage}% | epoch {epoch}/{epochs} | {eps} ex/s | {tps} tok/s | loss {loss} | ETA {eta}`,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(1000, 0, { epoch: 1, epochs: 1, eps: '-', tps: '-', loss: '-', eta: '-' });
    return {
      update(p) {
        bar.update(Math.round(p.fraction * 1000), {
          epoch: p.epoch,
          epochs: p.epochs,
          eps: rate(p.examplesPerSecond),
          tps: rate(p.tokensPerSecond),
          loss: Number.isFinite(p.loss) ? p.loss.toFixed(4) : '-',
          eta: eta(p.etaSeconds),
        });
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 5000 && p.fraction < 1) return;
      last = now;
      const loss = Number.isFinite(p.loss) ? ` loss ${p.loss.toFixed(4)}` : '';
      process.stderr.write(
        `${label} ${(p.fraction * 100).toFixed(1)}% epoch ${p.epoch}/${p.epochs} ${rate(p.examplesPerSecond)} ex/s ${rate(p.tokensPerSecond)} tok/s${loss} ETA ${eta(p.etaSeconds)}\n`,
      );
    },
    stop() {},
  };
}
