/** The live error rate: the share of the last `size` feedback events that the serving model got wrong. */
export class ErrorWindow {
  private readonly ring: Uint8Array;
  private next = 0;
  private filled = 0;
  private errors = 0;

  constructor(readonly size = 200) {
    this.ring = new Uint8Array(size);
  }

  push(error: number): void {
    if (this.filled === this.size) this.errors -= this.ring[this.next];
    else this.filled++;
    this.ring[this.next] = error;
    this.errors += error;
    this.next = (this.next + 1) % this.size;
  }

  /** null before the first event. */
  rate(): number | null {
    return this.filled === 0 ? null : this.errors / this.filled;
  }

  get count(): number {
    return this.filled;
  }
}
