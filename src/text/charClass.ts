/**
 * What each code point is to the tokenizer. Classes are computed with Unicode property regexes once
 * per distinct code point and cached, so the scanner's hot loop is one array read per character.
 */

/** The role of a code point in tokenization (see the policy in tokenize.ts). */
export const enum CharClass {
  Unknown = 0,
  /** Separates tokens: White_Space, zero-width space, word joiner, BOM, bidi marks, lone surrogates. */
  Space = 1,
  Letter = 2,
  Digit = 3,
  /** Combining mark (\p{M}): stays with the letter before it. */
  Mark = 4,
  /** Apostrophes and hyphens: part of a word between two word characters, punctuation elsewhere. */
  Joiner = 5,
  /** ZWJ, ZWNJ, soft hyphen: part of a word between two word characters, dropped elsewhere. */
  FormatJoiner = 6,
  /** "." and ",": part of a number between two digits, punctuation elsewhere. */
  NumberSeparator = 7,
  /** Letters of scripts written without spaces: handed to Intl.Segmenter. */
  NoSpace = 8,
  /** \p{Extended_Pictographic} and skin-tone modifiers: starts an emoji token. */
  Emoji = 9,
  /** Regional indicator: a pair of them is a flag. */
  RegionalIndicator = 10,
  /** Variation selector: follows its base, dropped when alone. */
  VariationSelector = 11,
  /** Punctuation and symbols (and anything else printable). */
  Punct = 12,
}

const SPACE = /^[\s\u0085\u180e\u200b\u2060\ufeff\p{Cf}\p{Cc}\p{Cs}]$/u;
// Letters and digits by Script_Extensions, so that "ー" (Common, used by kana) joins a kana run;
// marks by Script only, since generic combining marks (U+0323, Inherited) list Katakana among their
// extensions but belong to whatever letter precedes them.
const NO_SPACE_LETTER = /^[\p{L}\p{N}]$/u;
const NO_SPACE_SCX = /^[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Thai}\p{scx=Lao}\p{scx=Khmer}\p{scx=Myanmar}]$/u;
const NO_SPACE_SC = /^[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]$/u;
const MARK = /^\p{M}$/u;
const DIGIT = /^\p{N}$/u;
const LETTER = /^\p{L}$/u;
const PICTOGRAPHIC = /^\p{Extended_Pictographic}$/u;

function isVariationSelector(cp: number): boolean {
  return (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);
}

/** Classifies one code point from scratch; the order of the tests settles overlaps. */
function computeClass(cp: number): CharClass {
  if (cp === 0x27 || cp === 0x2d || cp === 0x2019 || cp === 0x2010) return CharClass.Joiner;
  if (cp === 0x2e || cp === 0x2c) return CharClass.NumberSeparator;
  if (cp === 0x200c || cp === 0x200d || cp === 0xad) return CharClass.FormatJoiner;
  if (isVariationSelector(cp)) return CharClass.VariationSelector;
  if (cp >= 0x1f1e6 && cp <= 0x1f1ff) return CharClass.RegionalIndicator;
  if (cp >= 0x1f3fb && cp <= 0x1f3ff) return CharClass.Emoji;
  // "ʼ" lists Thai among its Script_Extensions, but it is mostly an apostrophe-letter in Latin and
  // Cyrillic words (Ukrainian "мʼята", Hawaiian), so it must not start a segmenter run.
  if (cp === 0x2bc) return CharClass.Letter;
  const ch = String.fromCodePoint(cp);
  if (SPACE.test(ch)) return CharClass.Space;
  if (PICTOGRAPHIC.test(ch)) return CharClass.Emoji;
  const isMark = MARK.test(ch);
  if (isMark ? NO_SPACE_SC.test(ch) : NO_SPACE_LETTER.test(ch) && NO_SPACE_SCX.test(ch)) return CharClass.NoSpace;
  if (isMark) return CharClass.Mark;
  if (DIGIT.test(ch)) return CharClass.Digit;
  if (LETTER.test(ch)) return CharClass.Letter;
  return CharClass.Punct;
}

// Filled on first lookup, ASCII too: classifying runs the Unicode property regexes, and compiling
// them costs ~3 ms, which a command that featurises no text (or only through the wasm kernel's own
// table, filled once per kernel) need not pay while it loads.
const bmp = new Uint8Array(0x10000);
const astral = new Map<number, CharClass>();

/** The class of code point `cp` (cached after the first lookup). */
export function classOf(cp: number): CharClass {
  if (cp < 0x10000) {
    const k = bmp[cp];
    if (k !== CharClass.Unknown) return k;
    return (bmp[cp] = computeClass(cp));
  }
  let k = astral.get(cp);
  if (k === undefined) astral.set(cp, (k = computeClass(cp)));
  return k;
}

/** True for letters, digits and marks: what a word (or a URL's non-ASCII part) is made of. */
export function isWordClass(k: CharClass): boolean {
  return k === CharClass.Letter || k === CharClass.Digit || k === CharClass.Mark;
}
