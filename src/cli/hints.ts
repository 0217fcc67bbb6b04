/**
 * Hints for two mistakes a message alone does not explain: a fastText .bin given where a model
 * directory goes, and a data file whose content is in another format than its extension says.
 * Each looks at the first bytes of the file only.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { DataFormat } from '../data/example.js';
import { detectFormat } from '../data/format.js';

/** fastText's magic number, the first int32 (little-endian) of every .bin it writes. */
const FASTTEXT_MAGIC = 793712314;

/** Up to `n` bytes from the start of a regular file, or null when it is not one or cannot be read. */
function head(path: string, n: number): Buffer | null {
  try {
    if (!statSync(path).isFile()) return null;
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(n);
      return buf.subarray(0, readSync(fd, buf, 0, n, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

/**
 * What to do when `path`, given as a model directory, is a fastText model file; null when it is not one.
 * @example fastTextModelHint('ft.bin') // 'ft.bin is a fastText model: import it first with accrete import-fasttext ft.bin --out MODEL ...'
 */
export function fastTextModelHint(path: string): string | null {
  const bytes = head(path, 4);
  if (bytes === null || bytes.length < 4 || bytes.readInt32LE(0) !== FASTTEXT_MAGIC) return null;
  const dir = path.replace(/\.bin$/i, '') === path ? `${path}-model` : path.replace(/\.bin$/i, '');
  return `${path} is a fastText model: import it first with accrete import-fasttext ${path} --out ${dir}, then give ${dir} as the model`;
}

const FORMAT_NAMES: Readonly<Record<DataFormat, string>> = { jsonl: 'JSON lines', csv: 'CSV', tsv: 'TSV', fasttext: 'fastText lines (__label__NAME text)' };

/** The format the first line of a data file looks like, or null when it does not look like any in particular. */
export function sniffFormat(firstLine: string): DataFormat | null {
  const line = firstLine.replace(/^\uFEFF/, '').trim();
  if (/^\{\s*"/.test(line)) return 'jsonl';
  if (/(^|\s)__label__\S/.test(line)) return 'fasttext';
  // CSV and TSV start with a header naming the text and label columns.
  const header = (sep: string) => {
    const names = line.split(sep).map((f) => f.trim().replace(/^"|"$/g, '').toLowerCase());
    return names.length >= 2 && names.includes('text') && (names.includes('label') || names.includes('labels'));
  };
  if (header('\t')) return 'tsv';
  if (header(',')) return 'csv';
  return null;
}

/**
 * "; the file looks like JSON lines, ...: give --format jsonl" when the content of `path` is in
 * another format than `used` (taken from its extension unless `given`), or '' when it is not, or
 * cannot be told.
 */
export function formatHint(path: string, used: DataFormat, given: boolean): string {
  const bytes = head(path, 64 * 1024);
  if (bytes === null) return '';
  const firstLine = bytes.toString('utf8').split('\n').find((l) => l.trim() !== '') ?? '';
  const looks = sniffFormat(firstLine);
  if (looks === null || looks === used) return '';
  return `; the file looks like ${FORMAT_NAMES[looks]}, not ${FORMAT_NAMES[used]}${given ? ' as --format says' : ' as its extension says'}: give --format ${looks}`;
}

/** The format a data file is read in: `format` when given, else the one its extension names (null when none does). */
export function formatOf(path: string, format: DataFormat | undefined): DataFormat | null {
  if (format !== undefined) return format;
  try {
    return detectFormat(path);
  } catch {
    return null;
  }
}
