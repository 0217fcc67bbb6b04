/**
 * Emoji sequences as single tokens (Unicode TR #51): a pictograph with its variation selector,
 * skin tone, keycap or tag characters, joined to more pictographs by ZWJ ("👨‍👩‍👧"), or a pair of
 * regional indicators (a flag). One token per sequence keeps "👍🏽" from becoming "👍" plus noise.
 */
import { CharClass, classOf } from './charClass.js';

const ZWJ = 0x200d;
const KEYCAP = 0x20e3;

function width(cp: number): number {
  return cp > 0xffff ? 2 : 1;
}

/** Characters that modify the emoji before them: VS15/VS16, keycap, skin tones, tag characters. */
function isEmojiModifier(cp: number): boolean {
  return (
    cp === 0xfe0f || cp === 0xfe0e || cp === KEYCAP || (cp >= 0x1f3fb && cp <= 0x1f3ff) || (cp >= 0xe0020 && cp <= 0xe007f)
  );
}

/** End of the emoji sequence starting at `i` (whose first code point is Emoji or RegionalIndicator). */
export function emojiEnd(s: string, i: number): number {
  const first = s.codePointAt(i)!;
  let j = i + width(first);
  if (classOf(first) === CharClass.RegionalIndicator) {
    const next = s.codePointAt(j);
    return next !== undefined && classOf(next) === CharClass.RegionalIndicator ? j + width(next) : j;
  }
  while (j < s.length) {
    const cp = s.codePointAt(j)!;
    if (isEmojiModifier(cp)) {
      j += width(cp);
      continue;
    }
    const after = cp === ZWJ ? s.codePointAt(j + 1) : undefined;
    if (after === undefined || classOf(after) !== CharClass.Emoji) break;
    j += 1 + width(after);
  }
  return j;
}

/** End of a keycap sequence ("1️⃣", "#⃣") starting at `i`, or -1 when there is none. */
export function keycapEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (!((c >= 0x30 && c <= 0x39) || c === 0x23 || c === 0x2a)) return -1;
  let j = i + 1;
  if (s.charCodeAt(j) === 0xfe0f) j++;
  return s.charCodeAt(j) === KEYCAP ? j + 1 : -1;
}
