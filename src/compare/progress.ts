/**
 * Progress of a comparison on stderr: one cli-progress bar per paradigm on a terminal; elsewhere
 * (logs, CI, pipes), where cli-progress draws nothing unless told to (its noTTYOutput option, which
 * then repaints whole bars every few seconds), one plain line per step.
 */
import cliProgress from 'cli-progress';
import type { CompareListener } from './compare.js';

export interface CompareProgress extends CompareListener {
  stop(): void;
}

const pct = (x: number) => (x * 100).toFixed(1);

function ttyProgress(): CompareProgress {
  const bars = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: '{name} [{bar}] {value}/{total} {unit} | {info}',
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
      barsize: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const current = new Map<string, cliProgress.SingleBar>();
  let width = 0;
  const pad = (name: string) => name.padEnd(width);
  return {
    paradigmStart(name, _index, _count, tasks) {
      width = Math.max(width, name.length, 'prequential gate off'.length);
      current.set(name, bars.create(tasks, 0, { name: pad(name), unit: 'tasks', info: 'training on task 1' }));
    },
    step(name, task, cost, row) {
      const seen = row.slice(0, task + 1).map(pct).join(' ');
      current.get(name)?.update(task + 1, { info: `${cost.ms.toFixed(0)} ms${cost.accepted ? '' : ' (rejected)'} | acc on tasks so far ${seen}` });
    },
    prequential(mode, done, total) {
      const key = `prequential ${mode}`;
      if (!current.has(key)) current.set(key, bars.create(total, 0, { name: pad(key), unit: 'examples', info: 'test, then train' }));
      if (done % 10 === 0 || done === total) current.get(key)!.update(done);
    },
    stop: () => bars.stop(),
  };
}

function lineProgress(): CompareProgress {
  let lastPrequential = 0;
  const say = (s: string) => process.stderr.write(`compare: ${s}\n`);
  return {
    paradigmStart(name, index, count) {
      say(`[${index + 1}/${count}] ${name}`);
    },
    step(name, task, cost, row) {
      const seen = row.slice(0, task + 1).map(pct).join(' ');
      say(`  ${name}: task ${task + 1}/${row.length}: ${cost.ms.toFixed(0)} ms${cost.accepted ? '' : ', rejected by the gate'}; accuracy on tasks so far ${seen}`);
    },
    paradigmEnd(name, s) {
      say(`  ${name}: ACC ${pct(s.metrics.acc)}, ${(s.cost.totalMs / 1000).toFixed(1)} s in all`);
    },
    prequential(mode, done, total) {
      const now = Date.now();
      if (done === total || done === 1 || now - lastPrequential >= 5000) {
        lastPrequential = now;
        say(`prequential ${mode}: ${done}/${total} examples`);
      }
    },
    stop() {},
  };
}

/** The progress view for this process's stderr; `quiet` shows nothing. */
export function compareProgress(quiet = false): CompareProgress {
  if (quiet) return { stop() {} };
  return process.stderr.isTTY ? ttyProgress() : lineProgress();
}
