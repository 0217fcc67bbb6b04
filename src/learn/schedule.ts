/**
 * fastText's learning-rate schedule: linear decay from lr to 0 over the run. fastText counts
 * tokens; we count examples, which needs no per-example token count and differs only when
 * document lengths vary wildly.
 */
export function decayedLr(lr: number, done: number, total: number): number {
  return lr * Math.max(0, 1 - done / total);
}
