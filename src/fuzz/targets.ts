/**
 * The fuzz targets of issue 18, shared by the test suite (fuzz.test.ts) and `npm run bench:fuzz`:
 * the data readers, the model-file and safetensors readers, the fastText .bin reader, and the
 * request validators. Property of each: any input gives a result or a typed error
 * (AccreteError), never another exception or a hang. The HTTP routes are in serveTarget.ts.
 */
import fc from 'fast-check';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataFormat } from '../data/example.js';
import { parseExamples } from '../data/read.js';
import { exportFastText } from '../interop/export.js';
import { importFastText } from '../interop/import.js';
import { train } from '../learn/train.js';
import { Matrix } from '../model/matrix.js';
import { DEFAULT_LIMITS, feedbackRequest, predictRequest, updateRequest } from '../serve/validate.js';
import { loadModel, saveModel } from '../store/modelFiles.js';
import { SafetensorsReader, writeSafetensors } from '../store/safetensors.js';
import { typedOnly } from './runs.js';
import { BODY_SEEDS, DATA_SEEDS } from './seeds.js';

export interface FuzzTarget {
  name: string;
  /** The property, with the seed corpus as explicit examples, ready for fc.assert / fc.check. */
  property: fc.IAsyncPropertyWithHooks<[unknown]> | fc.IAsyncProperty<[unknown]>;
  examples: [unknown][];
  /** Runs relative to the base count (slow targets run fewer). */
  weight: number;
}

/** Characters that matter to the readers: delimiters, quotes, escapes, controls, surrogates, brackets. */
const SPECIAL = ['"', ',', '\t', '\n', '\r', '\\', '|', ' ', '\u0000', '\u001b', '\u0085', '\u2028', '\ud800', '\udc00', '{', '}', '[', ']', '__label__', 'text', 'label', 'labels', 'weight', 'time', ':'];
const piece = fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ maxLength: 8, unit: 'binary' }), fc.string({ maxLength: 8 }));
/** Lines near the formats' grammar, plus raw JSON values. */
const dataText = fc.oneof(
  fc.array(piece, { maxLength: 40 }).map((p) => p.join('')),
  fc.array(fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), { maxLength: 6 }).map((l) => l.join('\n')),
  fc.array(fc.record({ text: fc.string({ unit: 'binary' }), label: fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue({ maxDepth: 3 })) }, { requiredKeys: [] }), { maxLength: 5 }).map((rs) => rs.map((r) => JSON.stringify(r)).join('\n')),
  fc.integer({ min: 1, max: 60_000 }).map((n) => `{"text":"a","label":${'['.repeat(n)}${']'.repeat(n)}}`),
);

function dataTarget(format: DataFormat): FuzzTarget {
  const header = format === 'csv' ? 'text,label,weight\n' : format === 'tsv' ? 'text\tlabel\tweight\n' : '';
  const property = fc.asyncProperty(fc.tuple(fc.boolean(), fc.boolean(), dataText) as fc.Arbitrary<unknown>, async (input) => {
    const [withHeader, skipBad, text] = input as [boolean, boolean, string];
    await typedOnly(() => parseExamples(withHeader ? header + text : text, format, { skipBad, maxLineBytes: 1 << 20 }));
  });
  return { name: `data: ${format}`, property, examples: DATA_SEEDS[format].map((s) => [[false, false, s]]), weight: 1 };
}

/** Validators of the HTTP bodies, given any JSON value (or a mutation of a valid body). */
function validatorTarget(): FuzzTarget {
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 5 }),
    fc.record({ text: fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue()), label: fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue()), k: fc.jsonValue(), weight: fc.jsonValue() }, { requiredKeys: [] }),
    fc.dictionary(fc.constantFrom('rounds', 'patience', 'budgetMs', 'lr', 'replay', 'replayRatio', 'ewc', 'distill', 'balance', 'seed', 'maxDrop', 'labelTolerance', 'select'), fc.oneof(fc.double(), fc.integer(), fc.jsonValue())),
  );
  const property = fc.asyncProperty(value as fc.Arbitrary<unknown>, async (body) => {
    await typedOnly(() => predictRequest(body, DEFAULT_LIMITS));
    await typedOnly(() => feedbackRequest(body, DEFAULT_LIMITS));
    await typedOnly(() => updateRequest(body));
  });
  const examples = Object.values(BODY_SEEDS)
    .flat()
    .map((s) => [JSON.parse(s)] as [unknown]);
  return { name: 'http: request validators', property, examples, weight: 1 };
}

/** A mutation of a file's bytes: cut it, flip bytes, or overwrite 8 bytes with a little-endian u64. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate'), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('flip'), at: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('u64'), at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
  fc.record({ kind: fc.constant('append'), bytes: fc.uint8Array({ maxLength: 64 }) }),
);
type Mutation = { kind: 'truncate'; at: number } | { kind: 'flip'; at: [number, number][] } | { kind: 'u64'; at: number; value: bigint } | { kind: 'append'; bytes: Uint8Array };

export function mutate(bytes: Buffer, m: Mutation): Buffer {
  const b = Buffer.from(bytes);
  switch (m.kind) {
    case 'truncate':
      return b.subarray(0, Math.floor(m.at * b.length));
    case 'flip':
      for (const [at, x] of m.at) b[Math.floor(at * b.length)] ^= x;
      return b;
    case 'u64': {
      // Header fields sit near the start: aim there most of the time.
      const at = Math.min(b.length - 8, Math.floor(m.at * m.at * b.length));
      if (at >= 0) b.writeBigUInt64LE(m.value, at);
      return b;
    }
    case 'append':
      return Buffer.concat([b, m.bytes]);
  }
}

/** Mutated model.json entries: any key of the file set to any JSON value (or removed). */
const jsonEdit = fc.record({
  path: fc.constantFrom('format', 'formatVersion', 'config', 'config.dim', 'config.bucket', 'config.wordNgrams', 'shape', 'shape.inputRows', 'shape.dim', 'shape.labels', 'shape.hidden', 'words', 'wordCounts', 'labels', 'labelCounts', 'weights', 'weights.name', 'weights.bytes', 'optimizer', 'info', 'extraFiles'),
  value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(2 ** 40, -1, 1e300, 0, 2 ** 31, 'weights.safetensors', '../x', null)),
});

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at: unknown = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof at !== 'object' || at === null) return;
    at = (at as Record<string, unknown>)[k];
  }
  if (typeof at === 'object' && at !== null) (at as Record<string, unknown>)[keys[keys.length - 1]] = value;
}

/** Builds the fixtures (a tiny Accrete model, its .bin export, a safetensors file) under `dir`. */
export async function fileTargets(dir: string): Promise<FuzzTarget[]> {
  const examples = Array.from({ length: 40 }, (_, i) => ({ text: `word${i % 7} thing${i % 3} common`, label: `l${i % 3}` }));
  const { model } = await train(examples, { dim: 4, bucket: 500, epoch: 1, wordNgrams: 2, thread: 1, seed: 1, tokenizer: 'fasttext', hashing: 'fasttext', minn: 0, maxn: 0 });
  const modelDir = join(dir, 'model');
  saveModel(model, modelDir);
  const binPath = join(dir, 'model.bin');
  exportFastText(model, binPath);
  const bin = readFileSync(binPath);
  const files = Object.fromEntries(readdirSync(modelDir).map((f) => [f, readFileSync(join(modelDir, f))]));
  const stPath = join(dir, 'plain.safetensors');
  const a = Matrix.zeros(3, 4);
  a.data.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  writeSafetensors(stPath, [['a', a], ['b', Matrix.zeros(2, 2)]], { note: 'fuzz' });
  const st = readFileSync(stPath);
  let n = 0;
  const fresh = () => join(dir, `case-${n++}`);

  const safetensors: FuzzTarget = {
    name: 'files: safetensors',
    property: fc.asyncProperty(mutation as fc.Arbitrary<unknown>, async (m) => {
      const path = fresh() + '.safetensors';
      writeFileSync(path, mutate(st, m as Mutation));
      await typedOnly(() => {
        const r = new SafetensorsReader(path);
        try {
          r.readAll([['a', Matrix.zeros(3, 4)], ['b', Matrix.zeros(2, 2)]]);
        } finally {
          r.close();
        }
      });
      rmSync(path, { force: true });
    }),
    examples: [[{ kind: 'u64', at: 0, value: (1n << 64n) - 1n }], [{ kind: 'truncate', at: 0.3 }]],
    weight: 1,
  };

  const modelFiles: FuzzTarget = {
    name: 'files: model directory',
    property: fc.asyncProperty(fc.tuple(fc.constantFrom(...Object.keys(files)), mutation, fc.option(jsonEdit, { nil: undefined })) as fc.Arbitrary<unknown>, async (input) => {
      const [file, m, edit] = input as [string, Mutation, { path: string; value: unknown } | undefined];
      const target = fresh();
      mkdirSync(target);
      for (const [name, bytes] of Object.entries(files)) writeFileSync(join(target, name), bytes);
      if (edit) {
        const json = JSON.parse(files['model.json'].toString('utf8')) as Record<string, unknown>;
        setPath(json, edit.path, edit.value);
        writeFileSync(join(target, 'model.json'), JSON.stringify(json));
      } else {
        writeFileSync(join(target, file), mutate(files[file], m));
      }
      await typedOnly(() => loadModel(target));
      rmSync(target, { recursive: true, force: true });
    }),
    examples: [
      ['weights.safetensors', { kind: 'truncate', at: 0.001 }, undefined],
      ['model.json', { kind: 'flip', at: [[0.5, 1]] }, { path: 'shape.inputRows', value: 2 ** 40 }],
    ].map((e) => [e]),
    weight: 0.5,
  };

  const fastTextBin: FuzzTarget = {
    name: 'files: fastText .bin',
    property: fc.asyncProperty(mutation as fc.Arbitrary<unknown>, async (m) => {
      const path = fresh() + '.bin';
      writeFileSync(path, mutate(bin, m as Mutation));
      await typedOnly(() => importFastText(path));
      rmSync(path, { force: true });
    }),
    examples: [[{ kind: 'u64', at: 0.01, value: 1n << 40n }], [{ kind: 'truncate', at: 0.5 }]],
    weight: 0.5,
  };
  return [safetensors, modelFiles, fastTextBin];
}

/** The targets that need no server. */
export async function offlineTargets(dir: string): Promise<FuzzTarget[]> {
  return [dataTarget('jsonl'), dataTarget('csv'), dataTarget('tsv'), dataTarget('fasttext'), validatorTarget(), ...(await fileTargets(dir))];
}
