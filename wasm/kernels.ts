// Hot vector kernels for Accrete, compiled to WebAssembly with SIMD (AssemblyScript).
// All pointers are byte offsets into the imported (shared) memory; f32 data is 4-byte aligned,
// rows are contiguous. Each kernel handles any length: 4-wide SIMD body plus a scalar tail.

/** dst[0..n) += a * src[0..n) */
export function axpy(dst: usize, src: usize, n: i32, a: f32): void {
  const va = f32x4.splat(a);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>(i << 2);
    v128.store(dst + o, f32x4.add(v128.load(dst + o), f32x4.mul(va, v128.load(src + o))));
  }
  for (; i < n; i++) {
    const o = <usize>(i << 2);
    store<f32>(dst + o, load<f32>(dst + o) + a * load<f32>(src + o));
  }
}

/** Sum over i of a[i] * b[i]. */
export function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>(i << 2);
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; i < n; i++) {
    const o = <usize>(i << 2);
    s += load<f32>(a + o) * load<f32>(b + o);
  }
  return s;
}

/**
 * out[0..dim) = mean of the rows whose ids are the n i32 at `ids` in matrix `m` (dim columns).
 * Column blocks outside, rows inside: each block's sum stays in registers, and the loads of all n
 * rows are independent, so their cache and TLB misses overlap (rows of a large table are rarely
 * cached). Each element is still summed over the rows in order, so the result is the same as
 * adding whole rows one after another.
 */
export function embedMean(m: usize, dim: i32, ids: usize, n: i32, out: usize): void {
  const rowBytes = <usize>(dim << 2);
  let j = 0;
  for (; j + 16 <= dim; j += 16) {
    const col = m + <usize>(j << 2);
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    for (let k = 0; k < n; k++) {
      const p = col + <usize>load<i32>(ids + (<usize>k << 2)) * rowBytes;
      a0 = f32x4.add(a0, v128.load(p));
      a1 = f32x4.add(a1, v128.load(p, 16));
      a2 = f32x4.add(a2, v128.load(p, 32));
      a3 = f32x4.add(a3, v128.load(p, 48));
    }
    const o = out + <usize>(j << 2);
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
  for (; j + 4 <= dim; j += 4) {
    const col = m + <usize>(j << 2);
    let a = f32x4.splat(0);
    for (let k = 0; k < n; k++) a = f32x4.add(a, v128.load(col + <usize>load<i32>(ids + (<usize>k << 2)) * rowBytes));
    v128.store(out + <usize>(j << 2), a);
  }
  for (; j < dim; j++) {
    const col = m + <usize>(j << 2);
    let a: f32 = 0;
    for (let k = 0; k < n; k++) a += load<f32>(col + <usize>load<i32>(ids + (<usize>k << 2)) * rowBytes);
    store<f32>(out + <usize>(j << 2), a);
  }
  if (n > 0) scale(out, dim, <f32>1 / <f32>n);
}

/** v[0..n) *= a */
export function scale(v: usize, n: i32, a: f32): void {
  const va = f32x4.splat(a);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>(i << 2);
    v128.store(v + o, f32x4.mul(va, v128.load(v + o)));
  }
  for (; i < n; i++) {
    const o = <usize>(i << 2);
    store<f32>(v + o, a * load<f32>(v + o));
  }
}

/** The end of dot() from its 4 lane sums at element `from` on: the lanes added in order, then the scalar tail. */
@inline
function dotTail(acc: v128, a: usize, b: usize, from: i32, n: i32): f32 {
  let s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (let i = from; i < n; i++) {
    const o = <usize>(i << 2);
    s += load<f32>(a + o) * load<f32>(b + o);
  }
  return s;
}

/**
 * out[i] = dot(row i of m, x) for i in [0, rows). Four rows at a time: one load of x serves four
 * rows, and four independent sums hide the add's latency (one sum per row waited on each add).
 * Each row is summed exactly as dot() sums it, so the scores are the same bit for bit.
 */
export function matVec(m: usize, rows: i32, cols: i32, x: usize, out: usize): void {
  const rowBytes = <usize>(cols << 2);
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const r0 = m + <usize>i * rowBytes;
    const r1 = r0 + rowBytes;
    const r2 = r1 + rowBytes;
    const r3 = r2 + rowBytes;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let d = 0;
    for (; d + 4 <= cols; d += 4) {
      const o = <usize>(d << 2);
      const xv = v128.load(x + o);
      a0 = f32x4.add(a0, f32x4.mul(v128.load(r0 + o), xv));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(r1 + o), xv));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(r2 + o), xv));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(r3 + o), xv));
    }
    const at = out + (<usize>i << 2);
    store<f32>(at, dotTail(a0, r0, x, d, cols));
    store<f32>(at, dotTail(a1, r1, x, d, cols), 4);
    store<f32>(at, dotTail(a2, r2, x, d, cols), 8);
    store<f32>(at, dotTail(a3, r3, x, d, cols), 12);
  }
  for (; i < rows; i++) store<f32>(out + (<usize>i << 2), dot(m + <usize>i * rowBytes, x, cols));
}

/**
 * The output layer's SGD backward pass, fused: grad += c_i * row_i (before the row changes),
 * then row_i -= lr * c_i * x, for every row i with a non-zero coefficient. Column blocks outside,
 * rows inside: a block of grad and x stays in registers over all rows (not loaded and stored
 * again per row). Each element of grad still sums the rows in order, so the result is the same.
 */
export function outputBackwardSgd(m: usize, rows: i32, cols: i32, coef: usize, x: usize, grad: usize, lr: f32): void {
  const rowBytes = <usize>(cols << 2);
  let d = 0;
  for (; d + 16 <= cols; d += 16) {
    const o = <usize>(d << 2);
    let g0 = v128.load(grad + o);
    let g1 = v128.load(grad + o, 16);
    let g2 = v128.load(grad + o, 32);
    let g3 = v128.load(grad + o, 48);
    const x0 = v128.load(x + o);
    const x1 = v128.load(x + o, 16);
    const x2 = v128.load(x + o, 32);
    const x3 = v128.load(x + o, 48);
    for (let i = 0; i < rows; i++) {
      const c = load<f32>(coef + (<usize>i << 2));
      if (c == 0) continue;
      const vc = f32x4.splat(c);
      const vu = f32x4.splat(-lr * c);
      const p = m + <usize>i * rowBytes + o;
      const w0 = v128.load(p);
      const w1 = v128.load(p, 16);
      const w2 = v128.load(p, 32);
      const w3 = v128.load(p, 48);
      g0 = f32x4.add(g0, f32x4.mul(vc, w0));
      g1 = f32x4.add(g1, f32x4.mul(vc, w1));
      g2 = f32x4.add(g2, f32x4.mul(vc, w2));
      g3 = f32x4.add(g3, f32x4.mul(vc, w3));
      v128.store(p, f32x4.add(w0, f32x4.mul(vu, x0)));
      v128.store(p, f32x4.add(w1, f32x4.mul(vu, x1)), 16);
      v128.store(p, f32x4.add(w2, f32x4.mul(vu, x2)), 32);
      v128.store(p, f32x4.add(w3, f32x4.mul(vu, x3)), 48);
    }
    v128.store(grad + o, g0);
    v128.store(grad + o, g1, 16);
    v128.store(grad + o, g2, 32);
    v128.store(grad + o, g3, 48);
  }
  for (; d + 4 <= cols; d += 4) {
    const o = <usize>(d << 2);
    let g = v128.load(grad + o);
    const xv = v128.load(x + o);
    for (let i = 0; i < rows; i++) {
      const c = load<f32>(coef + (<usize>i << 2));
      if (c == 0) continue;
      const p = m + <usize>i * rowBytes + o;
      const w = v128.load(p);
      g = f32x4.add(g, f32x4.mul(f32x4.splat(c), w));
      v128.store(p, f32x4.add(w, f32x4.mul(f32x4.splat(-lr * c), xv)));
    }
    v128.store(grad + o, g);
  }
  for (; d < cols; d++) {
    const o = <usize>(d << 2);
    for (let i = 0; i < rows; i++) {
      const c = load<f32>(coef + (<usize>i << 2));
      if (c == 0) continue;
      const p = m + <usize>i * rowBytes + o;
      const w = load<f32>(p);
      store<f32>(grad + o, load<f32>(grad + o) + c * w);
      store<f32>(p, w - lr * c * load<f32>(x + o));
    }
  }
}

/** Adds a * v to every row of `m` named by the n i32 ids at `ids` (the embedding-bag scatter). */
export function scatterAdd(m: usize, dim: i32, ids: usize, n: i32, v: usize, a: f32): void {
  // Column blocks outside, rows inside, as in embedMean: the rows' misses overlap. Each element
  // gets its additions in row order, as with whole rows one after another (an id may repeat).
  const rowBytes = <usize>(dim << 2);
  const va = f32x4.splat(a);
  let j = 0;
  for (; j + 16 <= dim; j += 16) {
    const col = m + <usize>(j << 2);
    const src = v + <usize>(j << 2);
    const d0 = f32x4.mul(va, v128.load(src));
    const d1 = f32x4.mul(va, v128.load(src, 16));
    const d2 = f32x4.mul(va, v128.load(src, 32));
    const d3 = f32x4.mul(va, v128.load(src, 48));
    for (let k = 0; k < n; k++) {
      const p = col + <usize>load<i32>(ids + (<usize>k << 2)) * rowBytes;
      v128.store(p, f32x4.add(v128.load(p), d0));
      v128.store(p, f32x4.add(v128.load(p, 16), d1), 16);
      v128.store(p, f32x4.add(v128.load(p, 32), d2), 32);
      v128.store(p, f32x4.add(v128.load(p, 48), d3), 48);
    }
  }
  for (; j + 4 <= dim; j += 4) {
    const col = m + <usize>(j << 2);
    const d = f32x4.mul(va, v128.load(v + <usize>(j << 2)));
    for (let k = 0; k < n; k++) {
      const p = col + <usize>load<i32>(ids + (<usize>k << 2)) * rowBytes;
      v128.store(p, f32x4.add(v128.load(p), d));
    }
  }
  for (; j < dim; j++) {
    const col = m + <usize>(j << 2);
    const d = a * load<f32>(v + <usize>(j << 2));
    for (let k = 0; k < n; k++) {
      const p = col + <usize>load<i32>(ids + (<usize>k << 2)) * rowBytes;
      store<f32>(p, load<f32>(p) + d);
    }
  }
}

/** One lazy-Adam step on n floats: gradient c * v; `rate` already holds the bias corrections. */
export function adamRow(w: usize, m1: usize, m2: usize, v: usize, n: i32, c: f32, rate: f32, beta1: f32, beta2: f32, eps: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>(i << 2);
    const g = c * load<f32>(v + o);
    const a = beta1 * load<f32>(m1 + o) + (1 - beta1) * g;
    const b = beta2 * load<f32>(m2 + o) + (1 - beta2) * g * g;
    store<f32>(m1 + o, a);
    store<f32>(m2 + o, b);
    store<f32>(w + o, load<f32>(w + o) - (rate * a) / (Mathf.sqrt(b) + eps));
  }
}

// ---- XXH64 (xxHash, 64-bit; https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md) ----
// A streaming hasher whose state lives in memory, so tensors are hashed in place. State layout
// (88 bytes, 8-byte aligned): 4 accumulators (u64) at 0..32, total length (u64) at 32, seed (u64)
// at 40, bytes buffered (u32) at 48, the buffer of a partial 32-byte stripe at 56..88.

// @ts-ignore: decorator
@inline const XXH_P1: u64 = 0x9E3779B185EBCA87;
// @ts-ignore: decorator
@inline const XXH_P2: u64 = 0xC2B2AE3D27D4EB4F;
// @ts-ignore: decorator
@inline const XXH_P3: u64 = 0x165667B19E3779F9;
// @ts-ignore: decorator
@inline const XXH_P4: u64 = 0x85EBCA77C2B2AE63;
// @ts-ignore: decorator
@inline const XXH_P5: u64 = 0x27D4EB2F165667C5;
// @ts-ignore: decorator
@inline const XXH_TOTAL: usize = 32;
// @ts-ignore: decorator
@inline const XXH_SEED: usize = 40;
// @ts-ignore: decorator
@inline const XXH_BUFFERED: usize = 48;
// @ts-ignore: decorator
@inline const XXH_BUFFER: usize = 56;

// @ts-ignore: decorator
@inline function xxhRound(acc: u64, lane: u64): u64 {
  return rotl<u64>(acc + lane * XXH_P2, 31) * XXH_P1;
}

// @ts-ignore: decorator
@inline function xxhMerge(acc: u64, v: u64): u64 {
  return (acc ^ xxhRound(0, v)) * XXH_P1 + XXH_P4;
}

/** Consumes the whole 32-byte stripes of data[0..len) into the accumulators; returns the bytes consumed. */
function xxhStripes(state: usize, data: usize, len: usize): usize {
  let v1 = load<u64>(state, 0);
  let v2 = load<u64>(state, 8);
  let v3 = load<u64>(state, 16);
  let v4 = load<u64>(state, 24);
  const end = data + (len & ~<usize>31);
  let p = data;
  while (p < end) {
    v1 = xxhRound(v1, load<u64>(p, 0));
    v2 = xxhRound(v2, load<u64>(p, 8));
    v3 = xxhRound(v3, load<u64>(p, 16));
    v4 = xxhRound(v4, load<u64>(p, 24));
    p += 32;
  }
  store<u64>(state, v1, 0);
  store<u64>(state, v2, 8);
  store<u64>(state, v3, 16);
  store<u64>(state, v4, 24);
  return p - data;
}

/** Starts an XXH64 hash with `seed` in the 88 bytes at `state`. */
export function xxh64Init(state: usize, seed: u64): void {
  store<u64>(state, seed + XXH_P1 + XXH_P2, 0);
  store<u64>(state, seed + XXH_P2, 8);
  store<u64>(state, seed, 16);
  store<u64>(state, seed - XXH_P1, 24);
  store<u64>(state + XXH_TOTAL, 0);
  store<u64>(state + XXH_SEED, seed);
  store<u32>(state + XXH_BUFFERED, 0);
  memory.fill(state + XXH_BUFFER, 0, 32);
}

/** Adds the `len` bytes at `data` to the hash at `state`. */
export function xxh64Update(state: usize, data: usize, len: usize): void {
  store<u64>(state + XXH_TOTAL, load<u64>(state + XXH_TOTAL) + <u64>len);
  const buffer = state + XXH_BUFFER;
  let buffered = <usize>load<u32>(state + XXH_BUFFERED);
  if (len < <usize>32 - buffered) {
    memory.copy(buffer + buffered, data, len);
    store<u32>(state + XXH_BUFFERED, <u32>(buffered + len));
    return;
  }
  if (buffered > 0) {
    const fill = <usize>32 - buffered;
    memory.copy(buffer + buffered, data, fill);
    xxhStripes(state, buffer, 32);
    data += fill;
    len -= fill;
  }
  const done = xxhStripes(state, data, len);
  const rest = len - done;
  memory.copy(buffer, data + done, rest);
  store<u32>(state + XXH_BUFFERED, <u32>rest);
}

/** The XXH64 of everything added so far (the state is left as it is: more can be added). */
export function xxh64Digest(state: usize): u64 {
  const total = load<u64>(state + XXH_TOTAL);
  let acc: u64;
  if (total >= 32) {
    const v1 = load<u64>(state, 0);
    const v2 = load<u64>(state, 8);
    const v3 = load<u64>(state, 16);
    const v4 = load<u64>(state, 24);
    acc = rotl<u64>(v1, 1) + rotl<u64>(v2, 7) + rotl<u64>(v3, 12) + rotl<u64>(v4, 18);
    acc = xxhMerge(acc, v1);
    acc = xxhMerge(acc, v2);
    acc = xxhMerge(acc, v3);
    acc = xxhMerge(acc, v4);
  } else {
    acc = load<u64>(state + XXH_SEED) + XXH_P5;
  }
  acc += total;
  let p = state + XXH_BUFFER;
  let left = <usize>load<u32>(state + XXH_BUFFERED);
  for (; left >= 8; left -= 8, p += 8) acc = rotl<u64>(acc ^ xxhRound(0, load<u64>(p)), 27) * XXH_P1 + XXH_P4;
  if (left >= 4) {
    acc = rotl<u64>(acc ^ (<u64>load<u32>(p) * XXH_P1), 23) * XXH_P2 + XXH_P3;
    p += 4;
    left -= 4;
  }
  for (; left > 0; left--, p++) acc = rotl<u64>(acc ^ (<u64>load<u8>(p) * XXH_P5), 11) * XXH_P1;
  acc ^= acc >> 33;
  acc *= XXH_P2;
  acc ^= acc >> 29;
  acc *= XXH_P3;
  acc ^= acc >> 32;
  return acc;
}

// ---- The undo journal of an update (src/update/journal.ts) ----
// Rows are scattered over a large table: a copy per row (memory.copy) and a SIMD compare beat
// JavaScript's per-row views and float loop by 3x on 194k rows of 100 floats (44 -> 14 ms, 70 -> 24 ms).

/** Copies the rows named by the n i32 ids at `rows` of `m` (`cols` floats each) to consecutive rows at `dst`. */
export function gatherRows(m: usize, cols: i32, rows: usize, n: i32, dst: usize): void {
  const rowBytes = <usize>cols << 2;
  for (let k = 0; k < n; k++) memory.copy(dst + <usize>k * rowBytes, m + <usize>load<i32>(rows + (<usize>k << 2)) * rowBytes, rowBytes);
}

/** The inverse of gatherRows: consecutive rows at `src` back to the rows of `m` named at `rows`. */
export function scatterRows(src: usize, cols: i32, rows: usize, n: i32, m: usize): void {
  const rowBytes = <usize>cols << 2;
  for (let k = 0; k < n; k++) memory.copy(m + <usize>load<i32>(rows + (<usize>k << 2)) * rowBytes, src + <usize>k * rowBytes, rowBytes);
}

/**
 * Compares the rows of `m` named at `rows` with their copies at `originals` (consecutive rows).
 * Writes at `out`: i32 rows that differ, then f64 values that differ (both over the rows whose id
 * is below `limit` only), then f32 0 when every value of every row is finite (x * 0 is 0 for
 * finite x, NaN for NaN and infinities).
 */
export function inspectRows(m: usize, cols: i32, rows: usize, n: i32, originals: usize, limit: i32, out: usize): void {
  const rowBytes = <usize>cols << 2;
  const vecBytes = <usize>(cols & ~3) << 2;
  const zero = f32x4.splat(0);
  let probe = zero;
  let changedRows: i32 = 0;
  let values: f64 = 0;
  for (let k = 0; k < n; k++) {
    const id = load<i32>(rows + (<usize>k << 2));
    const at = m + <usize>id * rowBytes;
    const o = originals + <usize>k * rowBytes;
    // (f32x4.ne is -1 per differing lane: subtracting counts them)
    let diff = i32x4.splat(0);
    let d: usize = 0;
    for (; d < vecBytes; d += 16) {
      const x = v128.load(at + d);
      probe = f32x4.add(probe, f32x4.mul(x, zero));
      diff = i32x4.sub(diff, f32x4.ne(x, v128.load(o + d)));
    }
    let changed = i32x4.extract_lane(diff, 0) + i32x4.extract_lane(diff, 1) + i32x4.extract_lane(diff, 2) + i32x4.extract_lane(diff, 3);
    for (; d < rowBytes; d += 4) {
      const x = load<f32>(at + d);
      probe = f32x4.add(probe, f32x4.splat(x * 0));
      if (x != load<f32>(o + d)) changed++;
    }
    if (id >= limit) continue;
    if (changed > 0) changedRows++;
    values += <f64>changed;
  }
  store<i32>(out, changedRows);
  store<f64>(out + 8, values);
  store<f32>(out + 16, f32x4.extract_lane(probe, 0) + f32x4.extract_lane(probe, 1) + f32x4.extract_lane(probe, 2) + f32x4.extract_lane(probe, 3));
}
