/**
 * How deeply a JSON text nests, found by one scan without parsing: a body nested thousands of
 * levels deep parses fine but overflows the stack of any recursive code that later walks or prints
 * it, so the HTTP layer refuses it before parsing.
 */

/** Whether `text` nests arrays and objects deeper than `max` levels (brackets inside strings do not count). */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
