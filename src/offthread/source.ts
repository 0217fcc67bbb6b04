/** What the Learner's methods take as examples, and how a job receives them (a path, or packed examples). */
import { toExample, type ExampleInput } from '../data/example.js';
import { show } from '../data/fields.js';
import type { ReadOptions } from '../data/read.js';
import { AccreteError } from '../errors.js';
import { packExamplesSliced } from './pack.js';
import type { JobSource } from './protocol.js';

/**
 * Where examples come from: an array (or any iterable) of examples, a data file's path (JSONL,
 * CSV, TSV or fastText, read with readDataset in the learner's worker thread), or an async
 * iterable of examples (e.g. readExamples), read on the caller's thread.
 */
export type ExampleSource = string | Iterable<ExampleInput> | AsyncIterable<ExampleInput>;

/** A source as a job takes it: a file's path (the worker reads it), or examples checked and packed here. */
export async function sourceOf(source: ExampleSource, what: string, read: ReadOptions = {}): Promise<JobSource> {
  if (typeof source === 'string') return { file: source, read };
  let list: unknown[];
  if (source !== null && typeof source === 'object' && Symbol.asyncIterator in source) {
    list = [];
    for await (const e of source as AsyncIterable<ExampleInput>) list.push(e);
  } else if (source !== null && typeof source === 'object' && !Array.isArray(source) && Symbol.iterator in source) list = [...(source as Iterable<unknown>)];
  else if (Array.isArray(source)) list = source;
  else throw new AccreteError('BAD_DATA', `${what} must be an array of examples, a data file's path or an async iterable of examples, got ${show(source)}`);
  // Checked and packed a slice at a time: 3,000 e-mails are some 15 ms of work for the main thread.
  const items = list;
  return { examples: await packExamplesSliced(items.length, (i) => toExample(items[i], what, i)) };
}
