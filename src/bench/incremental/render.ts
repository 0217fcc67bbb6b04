/** Markdown for bench/results/incremental.md. */
import type { Machine } from '../machine.js';
import type { AbResult } from './abtest.js';
import type { FeedbackResult } from './feedback.js';
import type { SeedSpread } from './seeds.js';
import type { Checks, RunMetrics } from './metrics.js';
import type { StreamRun } from './runner.js';

export interface StreamSection {
  title: string;
  description: string;
  /** The ACC target in points below retrain. */
  accPoints: number;
  showBwtTarget: boolean;
  runs: StreamRun[];
  metrics: RunMetrics[];
  checks: (Checks | null)[];
  notes: string[];
}

const pct = (x: number, digits = 2) => (Number.isFinite(x) ? (x * 100).toFixed(digits) : '—');
const pts = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(2)}` : '—');
const mark = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? 'yes' : '**no**');
const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)}`);
const count = (n: number) => n.toLocaleString('en-US');

export function header(machine: Machine, quick: boolean, sections: string[], loadEnd: number, totalMs: number): string {
  return [
    '# Accrete: incremental learning benchmark',
    '',
    `Machine: ${machine.nproc} CPUs (${machine.cpu}), ${machine.memoryGiB} GiB; Node ${machine.node}; ` +
      `load average ${machine.loadAverage} at start, ${loadEnd} at the end; ${machine.date}.`,
    `Accrete: ${machine.accrete}. Run: \`npm run bench:incremental${quick ? ' -- --quick' : ''}\`` +
      ` (${quick ? 'quick: WordNet bucket 200,000, no selection variants, 1 repeat' : 'full'}); sections: ${sections.join(', ')}; ` +
      `took ${(totalMs / 60000).toFixed(1)} min. Raw numbers: the .json file next to this one.`,
    '',
    'How to read it. A stream is a list of tasks, each with a train and a test part. R[i][j] is accuracy on',
    "task j's test part after learning tasks 1..i. ACC = mean of the last row of R (accuracy over all tasks at",
    'the end); BWT = mean of R[T][j] - R[j][j] over j < T (negative = forgetting); forgetting = mean over j < T',
    'of (best R[i][j] before the end) - R[T][j]; FWT = mean of R[j-1][j] - b_j, with b_j = 1 / (labels known after',
    'task j) (chance; class-incremental FWT is always -mean(b_j), since no model can predict a label it has never',
    'seen). Accuracies and their differences are in points (percent). "accepted" counts the updates the gate',
    'accepted (gate off = every update is kept, its checks are still reported). Step times are wall times of',
    'the update alone (retrain/fresh: the training run), one run of each paradigm (accuracies are deterministic:',
    'fixed seeds, one thread; the wall times are not: the machine is shared, see the load average). "last / retrain"',
    'is the last step\'s time over retrain\'s training time at the last task (median of 3 runs); "last: ms in rounds" is the part of the',
    'last update spent in its rounds (training and per-round validation; the rest is featurising, journaling,',
    'measuring before and after). "params changed (last)" is runParadigm\'s count (changed values + grown rows x dim;',
    'retrain/fresh: every parameter). Targets are marked yes / **no**.',
  ].join('\n');
}

export function streamSection(s: StreamSection): string {
  const T = s.runs[0]?.R.length ?? 0;
  const retrain = s.metrics[0];
  const lines = [`## ${s.title}`, '', s.description, ''];
  const head = [
    'paradigm',
    'ACC',
    'Δ ACC vs retrain',
    `ACC ≥ retrain − ${s.accPoints}`,
    'BWT',
    ...(s.showBwtTarget ? ['Δ BWT vs retrain', 'BWT ≥ retrain − 3'] : []),
    'mean forgetting',
    'forgets (> 1 pt)',
    'FWT',
    'accepted',
    `step ms (tasks 2..${T})`,
    'last: ms in rounds',
    'last / retrain',
    '≤ 10%',
    'params changed (last)',
  ];
  lines.push(`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  s.metrics.forEach((m, i) => {
    const c = s.checks[i];
    const isRetrain = i === 0;
    const cells = [
      m.paradigm,
      pct(m.acc),
      isRetrain ? '' : pts((m.acc - retrain.acc) * 100),
      isRetrain ? '' : mark(c?.acc),
      pct(m.bwt),
      ...(s.showBwtTarget ? [isRetrain ? '' : pts((m.bwt - retrain.bwt) * 100), isRetrain ? '' : mark(c?.bwt)] : []),
      pct(m.forgetting),
      c ? (c.forgets ? 'yes' : 'no') : '',
      pct(m.fwt),
      m.accepted ? `${m.accepted.accepted}/${m.accepted.of}` : 'n/a',
      m.stepMs.map(ms).join(', '),
      m.lastRoundsMs === null ? '' : ms(m.lastRoundsMs),
      `${(m.lastVsRetrain * 100).toFixed(1)}%`,
      isRetrain ? '' : mark(c?.cost),
      lastRejected(s.runs[i]) ? `0 (rejected; the candidate changed ${count(m.paramsChangedLast)})` : count(m.paramsChangedLast),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  });
  lines.push('');
  const rejected = rejections(s.runs);
  if (rejected.length > 0) lines.push('Rejected updates and the gate\'s reasons:', '', ...rejected, '');
  const reported = gateOffReasons(s.runs);
  if (reported.length > 0) lines.push('Gate off: what the gate would have said about the updates that were kept anyway:', '', ...reported, '');
  for (const n of s.notes) lines.push(`- ${n}`);
  if (s.notes.length > 0) lines.push('');
  lines.push('<details><summary>Accuracy matrices R (rows: after task i; columns: task j; points)</summary>', '');
  for (const r of s.runs) {
    lines.push(`${r.paradigm}:`, '```', ...r.R.map((row) => row.map((v) => pct(v, 1).padStart(6)).join(' ')), '```');
  }
  lines.push('</details>', '');
  return lines.join('\n');
}

function lastRejected(run: StreamRun): boolean {
  return !run.steps[run.steps.length - 1].accepted;
}

function rejections(runs: StreamRun[]): string[] {
  const out: string[] = [];
  for (const r of runs) {
    for (const st of r.steps) {
      if (st.accepted || !st.reasons) continue;
      const shown = st.reasons.slice(0, 4).join('; ');
      out.push(`- ${r.paradigm}, task ${st.task + 1}: ${shown}${st.reasons.length > 4 ? `; … ${st.reasons.length - 4} more` : ''}`);
    }
  }
  return out;
}

function gateOffReasons(runs: StreamRun[]): string[] {
  const out: string[] = [];
  for (const r of runs) {
    const steps = r.steps.filter((st) => st.accepted && st.reasons && st.reasons.length > 0);
    if (steps.length === 0) continue;
    out.push(`- ${r.paradigm}: ${steps.map((st) => `task ${st.task + 1}: ${st.reasons!.length} reason${st.reasons!.length > 1 ? 's' : ''}, first: ${st.reasons![0]}`).join('; ')}`);
  }
  return out;
}

export function abSection(results: AbResult[], repeats: number, notes: string[]): string {
  const lines = [
    '## A then B versus A+B',
    '',
    `Each corpus: splitTrainTest(examples, 0.2, seed 1); the train part shuffled (seed 1) and halved into A and B. ` +
      `"update(B)" = update(train(A) model, B, {memory: buildMemory(model, A, {seen})}), on a clone of the A model. ` +
      `Wall times: median of ${repeats} run${repeats === 1 ? '' : 's'} (train(A): 1 run). Target: update within 1 point of train(A+B).`,
    '',
    '| corpus | variant | test accuracy | Δ vs A+B (pts) | within 1 pt | accepted | wall time (ms) | / train(A+B) |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    for (const row of r.rows) {
      const isUpdate = row.decision !== null;
      lines.push(
        `| ${r.corpus} (A ${count(r.sizes.a)}, B ${count(r.sizes.b)}, test ${count(r.sizes.test)}) | ${row.variant} | ${pct(row.accuracy)} | ${row.variant === 'train(A+B)' ? '' : pts(row.deltaPoints)} | ` +
          `${isUpdate ? mark(Math.abs(row.deltaPoints) <= 1) : ''} | ${row.decision ? (row.decision.accepted ? 'yes' : '**no**') : ''} | ${ms(row.ms)} | ${(row.vsJoint * 100).toFixed(1)}% |`,
      );
    }
  }
  lines.push('');
  for (const r of results) {
    for (const row of r.rows) {
      if (row.decision && row.decision.reasons.length > 0) {
        lines.push(`- ${r.corpus}, ${row.variant}: gate ${row.decision.accepted ? 'reported (not enforced)' : 'rejected'}: ${row.decision.reasons.map((x) => x.message).join('; ')}`);
      }
      if (row.accuracies.some((a) => a !== row.accuracies[0])) lines.push(`- ${r.corpus}, ${row.variant}: repeats differ in accuracy: ${row.accuracies.join(', ')}`);
    }
  }
  for (const r of results) {
    const a = r.rows.find((x) => x.variant === 'train(A) only');
    const u = r.rows.find((x) => x.decision?.guardAccuracy.before != null);
    if (a && u) {
      lines.push(
        `- ${r.corpus}: the default guard (held out of the replay buffer, i.e. examples of A the model was trained on) scores ${pct(u.decision!.guardAccuracy.before!)}% on the A model, ` +
          `whose test accuracy is ${pct(a.accuracy)}%; after the update (gate off) the guard scores ${pct(r.rows[r.rows.length - 1].decision?.guardAccuracy.after ?? NaN)}% and the test ${pct(r.rows[r.rows.length - 1].accuracy)}%.`,
      );
    }
  }
  for (const n of notes) lines.push(`- ${n}`);
  lines.push('');
  return lines.join('\n');
}

export function feedbackSection(f: FeedbackResult, bucket: number): string {
  const lines = [
    '## Feedback latency',
    '',
    `A WordNet model (bucket ${count(bucket)}, dim 100) trained on the train parts of the first four class groups ` +
      `(${count(f.trainExamples)} examples, ${f.oldLabels} labels, ${(f.trainMs / 1000).toFixed(1)} s), with its memory (buildMemory, default capacity, seen rows). ` +
      `${f.trials.length} single-example updates with a label from the fifth group it has never seen ("${f.label}"), ` +
      `each on a fresh clone with a fresh copy of the memory: update(clone, [example], {memory}), gate on. ` +
      `Timed: update() alone (performance.now), after one untimed warm-up update (another example of the label) and, before each trial, a full GC and a ${'0.3'} s pause so the previous clone's tables are freed first. Guard: a fixed sample of ${f.guardSample} test examples of the old labels. ` +
      `Paraphrases: drop a word, swap two adjacent words, duplicate a word (seeded positions).`,
    '',
    '| measure | value | target |',
    '|---|---:|---|',
    `| median latency (ms) | ${f.medianMs.toFixed(1)} | < 50: ${mark(f.medianMs < 50)} |`,
    `| max latency (ms) | ${f.maxMs.toFixed(1)} | < 50: ${mark(f.maxMs < 50)} |`,
    `| median / max CPU time of update() (ms, user + system) | ${f.medianCpuMs.toFixed(1)} / ${f.maxCpuMs.toFixed(1)} | (all threads of the process: V8's parallel GC helpers included, so it can exceed the wall time) |`,
    `| accepted | ${f.accepted}/${f.trials.length} | |`,
    `| example then predicted as the new label | ${f.learned}/${f.trials.length} | |`,
    `| paraphrases predicted as the new label | ${pct(f.paraphraseFraction, 1)}% | |`,
    `| guard accuracy before | ${pct(f.trials[0]?.guardBefore ?? NaN)} | |`,
    `| guard accuracy move, max over trials (pts) | ${f.maxGuardMovePoints.toFixed(2)} | < 0.5: ${mark(f.maxGuardMovePoints < 0.5)} |`,
    `| guard accuracy move, mean over trials (pts) | ${f.meanGuardMovePoints.toFixed(2)} | |`,
    '',
    '| # | ms | cpu ms | of which in rounds | accepted | learned | paraphrases | guard after | gate reasons | example |',
    '|---:|---:|---:|---:|---|---|---:|---:|---|---|',
  ];
  f.trials.forEach((t, i) => {
    const text = t.text.length > 60 ? `${t.text.slice(0, 57)}...` : t.text;
    lines.push(
      `| ${i + 1} | ${t.ms.toFixed(1)} | ${t.cpuMs.toFixed(1)} | ${t.decision.rounds.reduce((a, r) => a + r.ms, 0).toFixed(1)} | ${t.accepted ? 'yes' : '**no**'} | ${t.learned ? 'yes' : 'no'} | ${t.paraphrases.filter((p) => p.newLabel).length}/${t.paraphrases.length} | ${pct(t.guardAfter)} | ${t.reasons.join('; ') || ''} | ${text.replace(/\|/g, '\\|')} |`,
    );
  });
  lines.push('');
  return lines.join('\n');
}

/** The class-incremental rows over seeds: ACC and BWT per seed, the difference to retrain, and their mean. */
export function seedSection(s: SeedSpread, loadNote: string): string {
  const [retrain, ...others] = s.variants;
  const head = ['seed', `${retrain} ACC`, `${retrain} BWT`, ...others.flatMap((v) => [`${v}: ACC (Δ)`, `BWT (Δ)`, 'accepted'])];
  const cell = (x: number, ref: number) => `${pct(x)} (${pts((x - ref) * 100)})`;
  const line = (label: string, r: SeedSpread['rows'][number]['results']) => [
    label,
    pct(r[0].acc),
    pct(r[0].bwt),
    ...r.slice(1).flatMap((x) => [cell(x.acc, r[0].acc), cell(x.bwt, r[0].bwt), `${x.accepted}/${x.updates}`]),
  ];
  const mean = (f: (x: SeedSpread['rows'][number]['results'][number]) => number, i: number) => s.rows.reduce((a, r) => a + f(r.results[i]), 0) / s.rows.length;
  const means = s.variants.map((_, i) => ({ acc: mean((x) => x.acc, i), bwt: mean((x) => x.bwt, i), accepted: Math.round(mean((x) => x.accepted, i) * 10) / 10, updates: s.rows[0].results[i].updates }));
  const rows = [...s.rows.map((r) => line(String(r.seed), r.results)), line('mean', means)];
  return [
    '## Class-incremental WordNet over seeds',
    '',
    'The same stream and config with seeds 2 and 3 (byClasses(wordnet, 5, 0.2, seed), models seeded alike) beside seed 1 of the table above:',
    'which labels form each task changes, and with it every number. Δ is against retrain on the same seed.',
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `- ${loadNote}`,
    '',
  ].join('\n');
}
