/**
 * Reading a model's weights before its model.json: `accrete predict` starts the ~100 MB read as
 * soon as it knows the directory, so that the read (page faults and copies on libuv's threads)
 * overlaps loading the code, parsing model.json and building the vocabulary on the main thread.
 *
 * The read is a guess, checked before any byte of it is used: the shapes come from the file's own
 * header, and modelFiles.beginLoad takes the parameters only when model.json names this file, with
 * these shapes, and the XXH64 of every byte read equals the one model.json records. Otherwise it
 * reads the weights again the usual way. Nothing here throws: a failure just means no prefetch,
 * and the usual load then reports what is wrong.
 */
import { join } from 'node:path';
import { tensors, zeroParams, type ParamShape, type Params } from '../model/params.js';
import { SafetensorsReader, type AsyncReadOptions, type SafetensorsHeader } from './safetensors.js';

/** The file a model directory keeps its weights in (modelFiles.ts writes it under this name). */
export const WEIGHTS_FILE = 'weights.safetensors';

export class WeightsPrefetch {
  /** The XXH64 of the whole file once every byte is in; null when the read failed or was cancelled. */
  readonly checksum: Promise<string | null>;
  private readonly abort = new AbortController();

  constructor(
    readonly path: string,
    readonly shape: ParamShape,
    /** Filled by the read: use them only once `checksum` has matched the expected one. */
    readonly params: Params,
    reader: SafetensorsReader,
    options: AsyncReadOptions,
  ) {
    this.checksum = reader
      .readAllAsync(tensors(params), { ...options, signal: this.abort.signal })
      .then(
        (r) => r.xxh64,
        () => null,
      )
      .finally(() => reader.close());
  }

  /** Whether these are the weights model.json names (`path`) with its shapes. */
  fits(path: string, shape: ParamShape): boolean {
    const s = this.shape;
    return path === this.path && shape.inputRows === s.inputRows && shape.dim === s.dim && shape.hidden === s.hidden && shape.labels === s.labels;
  }

  /** Stops reading (the weights will not be used); `checksum` then settles as null. */
  cancel(): void {
    this.abort.abort();
  }
}

/** Starts reading `dir`'s weights file into parameters shaped by its header; null when that cannot start. */
export function prefetchWeights(dir: string, options: AsyncReadOptions = {}): WeightsPrefetch | null {
  const path = join(dir, WEIGHTS_FILE);
  let reader: SafetensorsReader;
  try {
    reader = new SafetensorsReader(path);
  } catch {
    return null;
  }
  try {
    const shape = shapeOf(reader.header);
    // entry() checks that each tensor lies inside the file: no allocation beyond the file's size.
    if (shape === null || !tensorNames(shape).every((name) => reader.entry(name))) throw new Error('not an Accrete weights file');
    return new WeightsPrefetch(path, shape, zeroParams(shape), reader, options);
  } catch {
    reader.close();
    return null;
  }
}

function tensorNames(shape: ParamShape): string[] {
  return shape.hidden > 0 ? ['input', 'hidden.weight', 'hidden.bias', 'output'] : ['input', 'output'];
}

/** The parameter shape a weights header describes (input, optional hidden layer, output); null when it does not. */
export function shapeOf(header: SafetensorsHeader): ParamShape | null {
  const dims = (name: string): [number, number] | null => {
    const shape = (header[name] as { shape?: unknown } | undefined)?.shape;
    return Array.isArray(shape) && shape.length === 2 && shape.every((n) => Number.isSafeInteger(n) && n >= 0) ? (shape as [number, number]) : null;
  };
  const input = dims('input');
  const output = dims('output');
  const hidden = dims('hidden.weight');
  if (input === null || output === null) return null;
  if (hidden !== null && (hidden[0] === 0 || hidden[1] !== input[1] || output[1] !== hidden[0])) return null;
  if (hidden === null && ('hidden.bias' in header || output[1] !== input[1])) return null;
  return { inputRows: input[0], dim: input[1], hidden: hidden?.[0] ?? 0, labels: output[0] };
}
