import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TextConfig } from '../config.js';
import { fnv1a32 } from './hash.js';
import { fixtureTexts, variedTexts } from './testing.js';
import { scanTokens, tokenize } from './tokenize.js';

const ALL_ON: TextConfig = { lowercase: true, punctuation: true, maskUrls: true };

interface Golden {
  name: string;
  text: string;
  cfg?: Partial<TextConfig>;
  tokens: string[];
}

// Same relative path from src/text/ and dist/text/.
const goldens = JSON.parse(
  readFileSync(new URL('../../test/fixtures/text/goldens.json', import.meta.url), 'utf8'),
) as Golden[];

test('example: tokenize("Don\'t panic!!! 👍🏽")', () => {
  assert.deepEqual(tokenize("Don't panic!!! 👍🏽", ALL_ON), ["don't", 'panic', '!!!', '👍🏽']);
});

test('the golden table is loaded and covers every rule', () => {
  const names = goldens.map((g) => g.name).join('\n');
  for (const topic of ['english', 'chinese', 'japanese', 'thai', 'mixed scripts', 'emoji', 'combining marks', 'urls', 'emails', 'numbers', 'punctuation off', 'lowercase off', 'fullwidth', 'whitespace']) {
    assert.match(names, new RegExp(topic), topic);
  }
});

for (const g of goldens) {
  test(`golden: ${g.name}`, () => {
    assert.deepEqual(tokenize(g.text, { ...ALL_ON, ...g.cfg }), g.tokens);
  });
}

/** Counts Intl.Segmenter.prototype.segment calls made while `fn` runs. */
function countSegmenterCalls(fn: () => void): number {
  const proto = Intl.Segmenter.prototype;
  const original = proto.segment;
  let calls = 0;
  proto.segment = function (this: Intl.Segmenter, input: string) {
    calls++;
    return original.call(this, input);
  };
  try {
    fn();
  } finally {
    proto.segment = original;
  }
  return calls;
}

test('text without no-space scripts never reaches Intl.Segmenter', () => {
  const calls = countSegmenterCalls(() => {
    tokenize("Don't panic: 3.5 e-mail https://x.org me@x.org 한국어 Привет 👨‍👩‍👧 🇫🇷 ＡＢＣ", ALL_ON);
  });
  assert.equal(calls, 0);
});

test('only the no-space runs of mixed text reach Intl.Segmenter', () => {
  const calls = countSegmenterCalls(() => {
    assert.deepEqual(tokenize('我爱 Node.js 和 TypeScript', ALL_ON), ['我', '爱', 'node', '.', 'js', '和', 'typescript']);
  });
  assert.equal(calls, 2); // "我爱" and "和"
});

test('a long no-space run (segmented in windows) matches segmenting it in one piece', () => {
  const sentence = '我们今天天气非常好喜欢这个产品服务质量很差不推荐购买中国北京上海时间工作学习问题没有已经可以因为所以但是朋友';
  const run = sentence.repeat(40); // > 2,000 chars, several windows
  const whole = new Intl.Segmenter(undefined, { granularity: 'word' });
  const expected = [...whole.segment(run)].filter((s) => s.isWordLike).map((s) => s.segment);
  assert.deepEqual(tokenize(run, ALL_ON), expected);
});

test('windows never split a surrogate pair (astral Han)', () => {
  const run = '𠀀𠀁𠀂𠀃𠀄'.repeat(300); // CJK Extension B, two UTF-16 units each
  const tokens = tokenize(run, ALL_ON);
  assert.equal(tokens.join(''), run);
  for (const t of tokens) assert.doesNotMatch(t, /[\ud800-\udfff]/u, 'lone surrogate in a token');
});

test('a single segment longer than a window is kept, cut at the window edge', () => {
  // Katakana followed by 600 astral variation selectors (U+E0100): ICU keeps them as one segment,
  // so the window cannot end on a segment boundary; it ends before the pair that would be cut.
  const run = 'ア' + '\u{e0100}'.repeat(600);
  const tokens = tokenize(run, ALL_ON);
  assert.equal(tokens[0], run.slice(0, 511));
  for (const t of tokens) assert.doesNotMatch(t, /[\ud800-\udfff]/u, 'lone surrogate in a token');
});

test('lone surrogates are separators and never throw', () => {
  assert.deepEqual(tokenize('ab\ud800cd \udc00ef', ALL_ON), ['ab', 'cd', 'ef']);
});

test('every config combination keeps words and emoji', () => {
  const text = 'Hello, WORLD!!! 😂 see www.x.org';
  for (const lowercase of [true, false]) {
    for (const punctuation of [true, false]) {
      for (const maskUrls of [true, false]) {
        const tokens = tokenize(text, { lowercase, punctuation, maskUrls });
        const expected = [
          lowercase ? 'hello' : 'Hello', ...(punctuation ? [','] : []),
          lowercase ? 'world' : 'WORLD', ...(punctuation ? ['!!!'] : []),
          '😂', 'see', maskUrls ? '<url>' : 'www.x.org',
        ];
        assert.deepEqual(tokens, expected, JSON.stringify({ lowercase, punctuation, maskUrls }));
      }
    }
  }
});

// ---- the ASCII fast path (asciiToken.ts) against the general scanner ---------------------------

/** Tokens (and the hashes the scanner passed along) of `text`, with or without the fast path. */
function scanned(text: string, cfg: TextConfig, asciiFastPath: boolean): string[] {
  const out: string[] = [];
  scanTokens(
    text,
    cfg,
    {
      slice: (s, start, end, hash) => {
        const token = s.slice(start, end);
        if (hash >= 0) assert.equal(hash, fnv1a32(token), `hash passed with "${token}"`);
        out.push(token);
      },
      token: (t) => out.push(t),
    },
    asciiFastPath,
  );
  return out;
}

test('the ASCII fast path finds exactly the tokens of the general scanner, under every config', () => {
  const texts = [...goldens.map((g) => g.text), ...fixtureTexts(), ...variedTexts(3000)];
  for (const lowercase of [true, false]) {
    for (const punctuation of [true, false]) {
      for (const maskUrls of [true, false]) {
        const cfg = { lowercase, punctuation, maskUrls };
        for (const text of texts) assert.deepEqual(scanned(text, cfg, true), scanned(text, cfg, false), `${JSON.stringify(cfg)}: ${JSON.stringify(text)}`);
      }
    }
  }
});

test('scanTokens hands over the tokens tokenize returns', () => {
  for (const text of variedTexts(500)) assert.deepEqual(scanned(text, ALL_ON, true), tokenize(text, ALL_ON));
});
