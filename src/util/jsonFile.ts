/**
 * Writes `{...head, [key]: items}` as JSON to `path` (fsynced), an item at a time: a replay memory
 * of 50,000 e-mails is tens of MB as one JSON string, and again as the Buffer written from it,
 * which raised the peak memory of `accrete train` on SpamAssassin by a tenth.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

/** Output is written in pieces of about this many characters. */
const PIECE = 1 << 16;

export function writeJsonWithArray(path: string, head: Record<string, unknown>, key: string, items: Iterable<unknown>): void {
  const fd = openSync(path, 'w');
  try {
    const open = JSON.stringify(head);
    let out = `${open.slice(0, -1)}${open.length > 2 ? ',' : ''}${JSON.stringify(key)}:[`;
    let first = true;
    for (const item of items) {
      out += (first ? '' : ',') + JSON.stringify(item);
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
