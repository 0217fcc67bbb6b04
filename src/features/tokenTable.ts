/**
 * Interned tokens of a training set: each distinct token string once, each occurrence as an int.
 * Tokenizing once into ids keeps memory at 4 bytes a token (a token string costs ten times that)
 * and lets vocabulary lookups, hashes and char n-grams be computed once per distinct token.
 */
import { IntBuffer } from '../util/intBuffer.js';

export class TokenTable {
  private readonly idOf = new Map<string, number>();
  readonly tokens: string[] = [];
  readonly counts: number[] = [];
  /** Token ids of all examples back to back; example i is ids[offsets[i] .. offsets[i+1]). */
  readonly ids = new IntBuffer(1 << 16);
  readonly offsets: number[] = [0];

  /** Adds one example's tokens. */
  addExample(tokens: readonly string[]): void {
    for (const t of tokens) {
      let id = this.idOf.get(t);
      if (id === undefined) {
        id = this.tokens.length;
        this.idOf.set(t, id);
        this.tokens.push(t);
        this.counts.push(0);
      }
      this.counts[id]++;
      this.ids.push(id);
    }
    this.offsets.push(this.ids.length);
  }

  get examples(): number {
    return this.offsets.length - 1;
  }
}
