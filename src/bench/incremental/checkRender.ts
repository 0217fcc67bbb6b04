/** The checking streams' tables (checking.ts): per stream, each variant's ACC by seed and against the defaults and a retrain. */
import type { CheckRow, CheckStream } from './checking.js';

const pts = (x: number) => (x * 100).toFixed(2);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}`;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** A one-step move of a default that beats it by more than this (mean over seeds) says the default does not hold. */
export const HOLDS_WITHIN = 0.01;

export function checkingSection(streams: readonly CheckStream[], rows: readonly CheckRow[]): string {
  const out: string[] = [];
  for (const s of streams) {
    const mine = rows.filter((r) => r.stream === s.name);
    if (mine.length === 0) continue;
    const seeds = mine.map((r) => r.seed);
    const cfg = Object.entries(mine[0].cfg).filter(([k]) => k !== 'seed' && k !== 'thread').map(([k, v]) => `${k} ${v}`).join(', ');
    out.push(`### ${s.name} (${s.paradigm})`, '', `${s.describe}. First task: ${mine.map((r) => r.firstTask.toLocaleString('en-US')).join(' / ')} training examples (seeds ${seeds.join(', ')}). Config fitted to the first task (as \`accrete train\` with no flags): ${cfg}.`, '');
    out.push(`| variant | ACC per seed (${seeds.join(', ')}) | mean ACC | Δ vs defaults | Δ vs retrain | BWT (mean) | updates accepted |`, '|---|---|---:|---:|---:|---:|---|');
    const names = mine[0].results.map((r) => r.name);
    const meanOf = (name: string, k: 'acc' | 'bwt') => mean(mine.map((r) => r.results.find((x) => x.name === name)![k]));
    const defaults = meanOf('defaults (gate on)', 'acc');
    const retrain = meanOf('retrain', 'acc');
    let worst = { name: '', gain: -Infinity };
    for (const name of names) {
      const acc = meanOf(name, 'acc');
      const got = mine.map((r) => r.results.find((x) => x.name === name)!);
      const accepted = name === 'retrain' ? 'n/a' : got.map((g) => `${g.accepted}/${g.updates}`).join(', ');
      out.push(`| ${name} | ${got.map((g) => pts(g.acc)).join(', ')} | ${pts(acc)} | ${name === 'defaults (gate on)' ? '' : signed(acc - defaults)} | ${name === 'retrain' ? '' : signed(acc - retrain)} | ${signed(meanOf(name, 'bwt'))} | ${accepted} |`);
      if (!['retrain', 'defaults (gate on)', 'gate off'].includes(name) && acc - defaults > worst.gain) worst = { name, gain: acc - defaults };
    }
    const gateOff = meanOf('gate off', 'acc');
    out.push('', `Defaults ${pts(defaults)}: ${signed(defaults - gateOff)} vs the gate off, ${signed(defaults - retrain)} vs retrain. Best one-step move: ${worst.name} (${signed(worst.gain)}): ${worst.gain > HOLDS_WITHIN ? '**the default does not hold**' : `the defaults hold (no move gains more than ${HOLDS_WITHIN * 100} point)`}.`, '');
  }
  return out.join('\n');
}
