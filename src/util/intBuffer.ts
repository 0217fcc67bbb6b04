/** An append-only Int32Array that doubles as it fills: compact where a number[] would take 2x-4x the memory. */
export class IntBuffer {
  private data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  /** The filled part, as a view (valid until the next push). */
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
  /** A copy of the filled part, in shared memory when asked. */
  toArray(shared = false): Int32Array {
    const out = new Int32Array(shared ? new SharedArrayBuffer(this.length * 4) : new ArrayBuffer(this.length * 4));
    out.set(this.view());
    return out;
  }
}
