/**
 * Throughput of tokenize on generated text: `node dist/text/tokenize.bench.js [megabytes]`.
 * Not a test (timings vary by machine); it prints MB/s of UTF-8 input, for whole texts and for
 * line-sized examples, which is how training calls tokenize.
 */
import { DEFAULTS } from '../config.js';
import { tokenize } from './tokenize.js';

const EN_WORDS = (
  'the of and to a in is it you that he was for on are with as I his they be at one have this from or had by ' +
  "word but what some we can out other were all there when up use your how said an each she which do their time if " +
  "will way about many then them write would like so these her long make thing see him two has look more day could go " +
  "come did number sound no most people my over know water than call first who may down side been now find don't " +
  "state-of-the-art e-mail Monday London Node.js 2024 3.5 great terrible awful love hate product service"
).split(' ');
const ZH_WORDS = '我们 他们 今天 天气 非常 好 喜欢 这个 产品 服务 质量 很 差 不 推荐 购买 中国 北京 上海 时间 工作 学习 问题 没有 已经 可以 因为 所以 但是 朋友'.split(' ');

/** Deterministic generator (mulberry32) so runs compare. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lines of roughly `lineLen` chars, `bytes` UTF-8 bytes in total; Zipf-ish word choice. */
function generate(words: string[], sep: string, bytes: number, lineLen: number, seed: number): string[] {
  const next = rng(seed);
  const lines: string[] = [];
  let total = 0;
  while (total < bytes) {
    let line = '';
    while (line.length < lineLen) {
      const w = words[Math.floor(words.length * next() * next())];
      const end = next() < 0.08 ? (sep === ' ' ? '. ' : '。') : next() < 0.05 ? (sep === ' ' ? ', ' : '，') : sep;
      line += (next() < 0.05 ? w.toUpperCase() : w) + end;
    }
    lines.push(line);
    total += Buffer.byteLength(line) + 1;
  }
  return lines;
}

function measure(name: string, lines: string[]): void {
  const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
  const whole = lines.join('\n');
  let tokens = 0;
  for (const l of lines.slice(0, 2000)) tokens += tokenize(l, DEFAULTS).length; // warm-up
  let t = performance.now();
  tokens = 0;
  for (const l of lines) tokens += tokenize(l, DEFAULTS).length;
  const perLine = performance.now() - t;
  t = performance.now();
  const wholeTokens = tokenize(whole, DEFAULTS).length;
  const wholeMs = performance.now() - t;
  const mb = bytes / 1e6;
  console.log(
    `${name}: ${mb.toFixed(1)} MB, ${tokens} tokens; per line ${(mb / (perLine / 1000)).toFixed(1)} MB/s; ` +
      `one string ${(mb / (wholeMs / 1000)).toFixed(1)} MB/s (${wholeTokens} tokens)`,
  );
}

const mb = Number(process.argv[2] ?? 10);
measure('latin', generate(EN_WORDS, ' ', mb * 1e6, 200, 1));
measure('chinese', generate(ZH_WORDS, '', (mb * 1e6) / 5, 100, 2));
