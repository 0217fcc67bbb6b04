/** Which format a file is in (from its extension) and the parser for each format. */
import { extname } from 'node:path';
import { UsageError } from '../errors.js';
import { csvParser } from './csv.js';
import { DATA_FORMATS, type DataFormat } from './example.js';
import { fastTextParser } from './fasttext.js';
import { jsonlParser } from './jsonl.js';
import type { LineParser, ParserOptions } from './parser.js';

const BY_EXTENSION: Readonly<Record<string, DataFormat>> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.txt': 'fasttext',
  '.ft': 'fasttext',
  '.fasttext': 'fasttext',
};

const FORMAT_CHOICES = DATA_FORMATS.join('|');

/**
 * The format of a data file, from its extension (case-insensitive).
 * @example detectFormat('train.ndjson') // 'jsonl'
 */
export function detectFormat(path: string): DataFormat {
  const format = BY_EXTENSION[extname(path).toLowerCase()] as DataFormat | undefined;
  if (format !== undefined) return format;
  const what = path === '-' ? 'standard input' : `"${path}"`;
  const known = Object.keys(BY_EXTENSION).join(' ');
  throw new UsageError(`cannot tell the format of ${what} from its name (known extensions: ${known}); pass --format ${FORMAT_CHOICES}`);
}

/** The line parser for `format`; throws on a format name that does not exist. */
export function createParser(format: DataFormat, options: ParserOptions): LineParser {
  switch (format) {
    case 'jsonl':
      return jsonlParser(options);
    case 'csv':
      return csvParser(options, ',');
    case 'tsv':
      return csvParser(options, '\t');
    case 'fasttext':
      return fastTextParser(options);
    default:
      throw new UsageError(`unknown data format "${String(format)}"; must be one of ${FORMAT_CHOICES}`);
  }
}
