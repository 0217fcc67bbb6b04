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

/** out[0..dim) = mean of the rows whose ids are the n i32 at `ids` in matrix `m` (dim columns). */
export function embedMean(m: usize, dim: i32, ids: usize, n: i32, out: usize): void {
  memory.fill(out, 0, <usize>(dim << 2));
  const rowBytes = <usize>(dim << 2);
  for (let k = 0; k < n; k++) {
    const row = m + <usize>load<i32>(ids + (<usize>k << 2)) * rowBytes;
    axpy(out, row, dim, 1);
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

/** out[i] = dot(row i of m, x) for i in [0, rows). */
export function matVec(m: usize, rows: i32, cols: i32, x: usize, out: usize): void {
  const rowBytes = <usize>(cols << 2);
  for (let i = 0; i < rows; i++) store<f32>(out + (<usize>i << 2), dot(m + <usize>i * rowBytes, x, cols));
}

/**
 * The output layer's SGD backward pass, fused: grad += c_i * row_i (before the row changes),
 * then row_i -= lr * c_i * x, for every row i with a non-zero coefficient.
 */
export function outputBackwardSgd(m: usize, rows: i32, cols: i32, coef: usize, x: usize, grad: usize, lr: f32): void {
  const rowBytes = <usize>(cols << 2);
  for (let i = 0; i < rows; i++) {
    const c = load<f32>(coef + (<usize>i << 2));
    if (c == 0) continue;
    const row = m + <usize>i * rowBytes;
    const vc = f32x4.splat(c);
    const vu = f32x4.splat(-lr * c);
    let d = 0;
    for (; d + 4 <= cols; d += 4) {
      const o = <usize>(d << 2);
      const w = v128.load(row + o);
      v128.store(grad + o, f32x4.add(v128.load(grad + o), f32x4.mul(vc, w)));
      v128.store(row + o, f32x4.add(w, f32x4.mul(vu, v128.load(x + o))));
    }
    for (; d < cols; d++) {
      const o = <usize>(d << 2);
      const w = load<f32>(row + o);
      store<f32>(grad + o, load<f32>(grad + o) + c * w);
      store<f32>(row + o, w - lr * c * load<f32>(x + o));
    }
  }
}

/** Adds a * v to every row of `m` named by the n i32 ids at `ids` (the embedding-bag scatter). */
export function scatterAdd(m: usize, dim: i32, ids: usize, n: i32, v: usize, a: f32): void {
  const rowBytes = <usize>(dim << 2);
  for (let k = 0; k < n; k++) {
    const row = m + <usize>load<i32>(ids + (<usize>k << 2)) * rowBytes;
    axpy(row, v, dim, a);
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
