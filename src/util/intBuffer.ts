/** An append-only Int32Array that doubles as it fills: compact where a number[] would take 2x-4x the memory. */
export class IntBuffer {
  private data: Int32Array;
  length = 0;
  constructor(capacity = 1024, shared = false) {
    const n = Math.max(16, capacity);
    this.data = new Int32Array(shared ? new SharedArrayBuffer(n * 4) : new ArrayBuffer(n * 4));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  /** Appends all of `values`. */
  pushAll(values: Int32Array): void {
    if (this.length + values.length > this.data.length) {
      const bigger = new Int32Array(Math.max(this.data.length * 2, this.length + values.length));
      bigger.set(this.view());
      this.data = bigger;
    }
    this.data.set(values, this.length);
    this.length += values.length;
  }
  /** The filled part, as a view (valid until the next push). */
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
  /** The filled part without a copy when the buffer is exactly full (sized up front), else a copy. */
  toArray(shared = false): Int32Array {
    if (this.length === this.data.length && (this.data.buffer instanceof SharedArrayBuffer) === shared) return this.data;
    const out = new Int32Array(shared ? new SharedArrayBuffer(this.length * 4) : new ArrayBuffer(this.length * 4));
    out.set(this.view());
    return out;
  }
}
