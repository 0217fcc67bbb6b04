/**
 * Strings and examples packed for a trip between threads. postMessage clones an array of strings
 * one string at a time, on the receiving thread too: 33,000 words of a SpamAssassin vocabulary
 * took the main thread 58 ms to clone, where one joined string and its lengths are two copies.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Example } from '../data/example.js';

/**
 * Strings as one joined string (or its UTF-16 code units, which postMessage can hand over without
 * a copy: the main thread sends those) and where each ends.
 */
export type PackedStrings = { joined: string; ends: Uint32Array } | { codes: Uint16Array; ends: Uint32Array };

export function packStrings(strings: readonly string[]): PackedStrings {
  const ends = new Uint32Array(strings.length);
  let at = 0;
  for (let i = 0; i < strings.length; i++) ends[i] = at += strings[i].length;
  return { joined: strings.join(''), ends };
}

export function unpackStrings(p: PackedStrings): string[] {
  const joined = 'joined' in p ? p.joined : null;
  const out = new Array<string>(p.ends.length);
  for (let i = 0, start = 0; i < p.ends.length; i++) {
    out[i] = joined !== null ? joined.slice(start, p.ends[i]) : fromCodes((p as { codes: Uint16Array }).codes, start, p.ends[i]);
    start = p.ends[i];
  }
  return out;
}

/** The string of code units [start, end): exact, lone surrogates included (TextDecoder would replace them). */
function fromCodes(codes: Uint16Array, start: number, end: number): string {
  let s = '';
  for (let at = start; at < end; at += 8192) s += String.fromCharCode.apply(null, codes.subarray(at, Math.min(end, at + 8192)) as unknown as number[]);
  return s;
}

/** Examples packed: texts, every label in order with a count per example, weights (NaN: none) and times. */
export interface PackedExamples {
  texts: PackedStrings;
  labels: PackedStrings;
  labelCounts: Uint32Array;
  weights: Float64Array | null;
  times: (string | undefined)[] | null;
}

export function packExamples(examples: readonly Example[]): PackedExamples {
  const labels: string[] = [];
  const labelCounts = new Uint32Array(examples.length);
  let weights: Float64Array | null = null;
  let times: (string | undefined)[] | null = null;
  examples.forEach((e, i) => {
    labelCounts[i] = e.labels.length;
    for (const l of e.labels) labels.push(l);
    if (e.weight !== undefined) (weights ??= new Float64Array(examples.length).fill(NaN))[i] = e.weight;
    if (e.time !== undefined) (times ??= new Array(examples.length))[i] = e.time;
  });
  return { texts: packStrings(examples.map((e) => e.text)), labels: packStrings(labels), labelCounts, weights, times };
}

export function unpackExamples(p: PackedExamples): Example[] {
  const texts = unpackStrings(p.texts);
  const labels = unpackStrings(p.labels);
  let next = 0;
  return texts.map((text, i) => {
    const e: Example = { text, labels: labels.slice(next, (next += p.labelCounts[i])) };
    if (p.weights && !Number.isNaN(p.weights[i])) e.weight = p.weights[i];
    if (p.times?.[i] !== undefined) e.time = p.times[i];
    return e;
  });
}

/** The buffers of typed arrays, for a transfer list (shared ones are never transferred). */
export function buffersOf(...arrays: (ArrayBufferView | null | undefined)[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) if (a && a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  return [...out];
}

/**
 * The array, on a buffer of its own that is not shared: a view into a model's WebAssembly memory
 * posted as it is would keep that memory (the whole model copy) alive on the receiving thread.
 */
export function own<T extends Float32Array | Int32Array | Uint8Array>(a: T): T {
  return a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : (a.slice() as T);
}

/** Longest stretch of packing between two turns of the event loop (the main thread's way). */
export const SLICE_MS = 4;

/**
 * Calls `each(i)` for i = 0..n-1, giving the event loop a turn every SLICE_MS or so: how the main
 * thread packs (or checks) many examples without pausing its timers and requests.
 */
export async function inSlices(n: number, each: (i: number) => void): Promise<void> {
  for (let i = 0; i < n; ) {
    const until = performance.now() + SLICE_MS;
    do {
      for (const end = Math.min(n, i + 64); i < end; i++) each(i);
    } while (i < n && performance.now() < until);
    if (i < n) await nextTurn();
  }
}

/** packStrings a slice at a time, as code units (handed over, not copied, by postMessage). */
export async function packStringsSliced(strings: readonly string[]): Promise<PackedStrings> {
  const ends = new Uint32Array(strings.length);
  let at = 0;
  for (let i = 0; i < strings.length; i++) ends[i] = at += strings[i].length;
  const codes = new Uint16Array(at);
  await inSlices(strings.length, (i) => {
    const s = strings[i];
    for (let k = 0, o = i > 0 ? ends[i - 1] : 0; k < s.length; k++) codes[o + k] = s.charCodeAt(k);
  });
  return { codes, ends };
}

/** The buffers of packed strings and examples made on this thread, for a transfer list (they are not used here again). */
export function packedBuffers(...packs: (PackedExamples | PackedStrings | null | undefined)[]): ArrayBuffer[] {
  const arrays: (ArrayBufferView | null | undefined)[] = [];
  for (const p of packs) {
    if (!p) continue;
    if ('texts' in p) {
      for (const s of [p.texts, p.labels]) arrays.push(s.ends, 'codes' in s ? s.codes : null);
      arrays.push(p.labelCounts, p.weights);
    } else arrays.push(p.ends, 'codes' in p ? p.codes : null);
  }
  return buffersOf(...arrays);
}

/** Examples made by `check(i)` (which may throw, naming the bad one), packed a slice at a time. */
export async function packExamplesSliced(n: number, check: (i: number) => Example): Promise<PackedExamples> {
  const texts = new Array<string>(n);
  const labels: string[] = [];
  const labelCounts = new Uint32Array(n);
  let weights: Float64Array | null = null;
  let times: (string | undefined)[] | null = null;
  await inSlices(n, (i) => {
    const e = check(i);
    texts[i] = e.text;
    labelCounts[i] = e.labels.length;
    for (const l of e.labels) labels.push(l);
    if (e.weight !== undefined) (weights ??= new Float64Array(n).fill(NaN))[i] = e.weight;
    if (e.time !== undefined) (times ??= new Array(n))[i] = e.time;
  });
  return { texts: await packStringsSliced(texts), labels: await packStringsSliced(labels), labelCounts, weights, times };
}
