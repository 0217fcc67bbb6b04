/**
 * A stream kept as files: `DIR/tasks/<k>/train.*` and `DIR/tasks/<k>/test.*`, one folder per task,
 * in natural order of the folder names (2 before 10). Any data format `readDataset` reads.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DataFormat } from '../data/example.js';
import { readDataset } from '../data/read.js';
import { AccreteError } from '../errors.js';
import type { Stream, Task } from './stream.js';

const natural = new Intl.Collator('en', { numeric: true }).compare;

function fail(message: string): AccreteError {
  return new AccreteError('BAD_DATA', message);
}

/** The one file named `part.<ext>` in `dir`. */
function partFile(dir: string, part: 'train' | 'test'): string {
  const files = readdirSync(dir).filter((f) => f.startsWith(`${part}.`) && statSync(join(dir, f)).isFile());
  if (files.length === 0) throw fail(`${dir} has no ${part} file (expected ${part}.jsonl, ${part}.csv, ${part}.tsv or ${part}.txt)`);
  if (files.length > 1) throw fail(`${dir} has several ${part} files (${files.join(', ')}); keep one`);
  return join(dir, files[0]);
}

/** The task folders of a stream directory: DIR/tasks/* when DIR/tasks exists, else DIR/*. */
export function taskDirs(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw fail(`stream directory ${dir} does not exist or is not a directory`);
  const root = existsSync(join(dir, 'tasks')) ? join(dir, 'tasks') : dir;
  const names = readdirSync(root).filter((n) => statSync(join(root, n)).isDirectory()).sort(natural);
  if (names.length === 0) throw fail(`${root} has no task folders (expected ${join(dir, 'tasks', '1', 'train.jsonl')} and so on)`);
  return names.map((n) => join(root, n));
}

/**
 * Reads a stream directory.
 * @example await readStreamDir('stream') // [{ name: '1', train: [...], test: [...] }, { name: '2', ... }]
 */
export async function readStreamDir(dir: string, options: { format?: DataFormat; skipBad?: boolean } = {}): Promise<Stream> {
  const stream: Stream = [];
  for (const taskDir of taskDirs(dir)) {
    const read = async (part: 'train' | 'test') => (await readDataset(partFile(taskDir, part), options)).examples;
    const task: Task = { name: taskDir.split(/[\\/]/).pop()!, train: await read('train'), test: await read('test') };
    if (task.train.length === 0) throw fail(`${taskDir}: the train file has no examples`);
    if (task.test.length === 0) throw fail(`${taskDir}: the test file has no examples`);
    stream.push(task);
  }
  return stream;
}
