/**
 * Writes `{...head, [key]: items}` as JSON to `path` (fsynced), an item at a time: a replay memory
 * of 50,000 e-mails is tens of MB as one JSON string, and again as the Buffer written from it,
 * which raised the peak memory of `accrete train` on SpamAssassin by a tenth.
 *
 * The JSON is written in ASCII: every character beyond U+007F as a `\uXXXX` escape (a character
 * beyond U+FFFF as its two surrogates), the same value to any JSON parser. Reading pays for the
 * difference: Node decodes an ASCII file as a one-byte string with a vector scan, while UTF-8
 * holding a few accented letters becomes a two-byte string decoded character by character. The
 * 9.3 MB replay.json of the bench:versions model (10,510 characters beyond ASCII among 9.3 million)
 * took 60 ms of CPU to decode and parse, 24 ms in ASCII, for 0.4% more bytes.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

/** Output is written in pieces of about this many characters. */
const PIECE = 1 << 16;

const BEYOND_ASCII = /[\u0080-\uffff]/g;
const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** JSON.stringify(value) in ASCII: characters beyond U+007F as `\uXXXX` escapes. */
export function asciiJson(value: unknown): string {
  const json = JSON.stringify(value);
  return json === undefined ? json : json.replace(BEYOND_ASCII, escape);
}

export function writeJsonWithArray(path: string, head: Record<string, unknown>, key: string, items: Iterable<unknown>): void {
  const fd = openSync(path, 'w');
  try {
    const open = asciiJson(head);
    let out = `${open.slice(0, -1)}${open.length > 2 ? ',' : ''}${asciiJson(key)}:[`;
    let first = true;
    for (const item of items) {
      out += (first ? '' : ',') + asciiJson(item);
      first = false;
      if (out.length >= PIECE) {
        writeSync(fd, out);
        out = '';
      }
    }
    writeSync(fd, `${out}]}`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
