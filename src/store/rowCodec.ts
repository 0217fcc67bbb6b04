/**
 * The byte coding of a patch's rows (format version 2, docs/formats.md): 32-bit words split into
 * four byte planes (byte 0 of every word, then byte 1, ...), each plane deflated when that makes
 * it smaller and stored as it is otherwise. A patch stores a row as the XOR of its bit patterns
 * before and after: where a weight moved a little, its sign, exponent and high mantissa bits are
 * equal, so the high planes are mostly zero bytes and deflate to little, while the low planes are
 * noise and are stored (Gorilla's observation, Pelkonen et al. 2015, with a byte-plane shuffle in
 * place of bit packing, as Blosc does). Row ids are coded as the differences between neighbours.
 * Lossless: decoding gives back every bit.
 */
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { ModelFileError } from '../errors.js';

const PLANES = 4;
const STORED = 0;
const DEFLATED = 1;
/** Bytes of a plane tried first: when deflate saves less than 1/16 of them, the plane is stored (noise costs time to deflate, for nothing). */
const PROBE = 1 << 16;

/**
 * Deflate looking for runs only (`Z_RLE`: matches at distance 1), no general string matching: a
 * byte plane of XORed floats is symbols of skewed frequencies and runs of zeros, not repeated
 * strings. On the top plane of a 5,370-row input patch (537 KB) it gave 117,639 bytes in 9.0 ms
 * against 158,390 bytes in 10.8 ms at level 1's default, and 8 ms instead of 31-37 ms on the noise
 * planes (Huffman alone was as fast but codes a zero byte in a bit: a plane of zeros to 1/8).
 */
const DEFLATE = { level: 1, strategy: constants.Z_RLE };

/** Deflated when that saves at least 1/16 of the plane (probed on its start first). */
function packPlane(plane: Uint8Array): { method: number; bytes: Uint8Array } {
  const worth = (part: Uint8Array, packed: number) => packed < part.length - part.length / 16;
  if (plane.length > PROBE && !worth(plane.subarray(0, PROBE), deflateRawSync(plane.subarray(0, PROBE), DEFLATE).length)) return { method: STORED, bytes: plane };
  const packed = deflateRawSync(plane, DEFLATE);
  return worth(plane, packed.length) ? { method: DEFLATED, bytes: packed } : { method: STORED, bytes: plane };
}

/** Codes `words`: per plane, a method byte and a 4-byte little-endian length, then its bytes. */
export function encodeWords(words: Int32Array): Uint8Array {
  const n = words.length;
  const planes = Array.from({ length: PLANES }, () => new Uint8Array(n));
  // A word at a time, its bytes by shifts (byte 0 the lowest, as decodeWords joins them): a third of
  // the time of four byte reads through a byte view (90 ms of a 27,000-row patch's save).
  const [p0, p1, p2, p3] = planes;
  for (let i = 0; i < n; i++) {
    const w = words[i];
    p0[i] = w;
    p1[i] = w >>> 8;
    p2[i] = w >>> 16;
    p3[i] = w >>> 24;
  }
  const parts = planes.map(packPlane);
  const out = new Uint8Array(parts.reduce((s, p) => s + 5 + p.bytes.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    out[at] = p.method;
    view.setUint32(at + 1, p.bytes.length, true);
    out.set(p.bytes, at + 5);
    at += 5 + p.bytes.length;
  }
  return out;
}

/** The `n` words `coded` holds (encodeWords); a ModelFileError naming `where` when it does not hold exactly that. */
export function decodeWords(coded: Uint8Array, n: number, where: string, what: string): Int32Array {
  const bad = (why: string) => new ModelFileError(where, `${what}: ${why} (corrupted file)`);
  const out = new Int32Array(n);
  const planes: Uint8Array[] = [];
  const view = new DataView(coded.buffer, coded.byteOffset, coded.byteLength);
  let at = 0;
  for (let b = 0; b < PLANES; b++) {
    if (at + 5 > coded.length) throw bad('it ends before its last byte plane');
    const method = coded[at];
    const length = view.getUint32(at + 1, true);
    if (at + 5 + length > coded.length) throw bad(`byte plane ${b} runs past the end`);
    const body = coded.subarray(at + 5, at + 5 + length);
    let plane: Uint8Array;
    if (method === STORED) plane = body;
    else if (method === DEFLATED) {
      try {
        plane = inflateRawSync(body, { maxOutputLength: Math.max(1, n) });
      } catch (cause) {
        throw new ModelFileError(where, `${what}: byte plane ${b} does not inflate (corrupted file)`, { cause });
      }
    } else throw bad(`byte plane ${b} has an unknown coding ${method}`);
    if (plane.length !== n) throw bad(`byte plane ${b} holds ${plane.length} bytes, not ${n}`);
    planes.push(plane);
    at += 5 + length;
  }
  if (at !== coded.length) throw bad(`${coded.length - at} bytes after the last byte plane`);
  // One pass, a word at a time (a pass per plane, a byte at a time, took three times as long).
  const [p0, p1, p2, p3] = planes;
  for (let i = 0; i < n; i++) out[i] = p0[i] | (p1[i] << 8) | (p2[i] << 16) | (p3[i] << 24);
  return out;
}

/** Ascending-ish row ids as differences from the previous one (the first from 0), coded. */
export function encodeIds(ids: Int32Array): Uint8Array {
  const d = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) d[i] = i === 0 ? ids[0] : ids[i] - ids[i - 1];
  return encodeWords(d);
}

/** The `n` ids encodeIds coded. */
export function decodeIds(coded: Uint8Array, n: number, where: string, what: string): Int32Array {
  const ids = decodeWords(coded, n, where, what);
  for (let i = 1; i < n; i++) ids[i] += ids[i - 1];
  return ids;
}
