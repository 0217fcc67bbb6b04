/**
 * fastText's sigmoid (Loss::sigmoid, fastText 0.9.2): not the exact function but a lookup in a
 * table of 513 values over [-8, 8], with 0 below and 1 above. Its one-vs-all (and negative-sampling)
 * probabilities are therefore steps of up to 0.0078; to reproduce `fasttext predict-prob` for such
 * models to 1e-4, a score goes through this table instead of the exact sigmoid.
 */
const MAX_SIGMOID = 8;
const TABLE_SIZE = 512;

const TABLE = Float32Array.from({ length: TABLE_SIZE + 1 }, (_, i) => 1 / (1 + Math.exp(-Math.fround((i * 2 * MAX_SIGMOID) / TABLE_SIZE - MAX_SIGMOID))));

/**
 * fastText's table sigmoid of a score, computed in float32 as fastText computes it.
 * @example fasttextSigmoid(0) // 0.5; fasttextSigmoid(0.03) // 0.5 (the exact sigmoid gives 0.5075)
 */
export function fasttextSigmoid(x: number): number {
  if (x < -MAX_SIGMOID) return 0;
  if (x > MAX_SIGMOID) return 1;
  const f = Math.fround;
  return TABLE[Math.trunc(f(f(f(f(x + MAX_SIGMOID) * TABLE_SIZE) / MAX_SIGMOID) / 2))];
}
