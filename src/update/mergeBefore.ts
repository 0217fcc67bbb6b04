/** Two updates' records of the rows they changed, merged into one record of what the model was before both. */
import type { ModelBefore } from '../store/patch.js';

/**
 * The parent of two updates in a row, as one: what the model was before the first. A row the
 * second update may have touched but the first did not still held the first's parent value when
 * the second began, so the first's record wins where both list a row, and the second adds the rest.
 */
export function mergeBefore(first: ModelBefore, second: ModelBefore): ModelBefore {
  const tensors = new Map(first.tensors);
  for (const [name, b] of second.tensors) {
    const a = first.tensors.get(name);
    if (!a) {
      // A tensor the first update did not list (optimizer moments that appeared): rows past what the
      // parent had are growth, kept whole by the diff; the second's record holds the rest.
      tensors.set(name, b);
      continue;
    }
    const known = new Set(a.ids);
    const extra: number[] = [];
    for (let k = 0; k < b.ids.length; k++) if (!known.has(b.ids[k]) && b.ids[k] < a.rows) extra.push(k);
    if (extra.length === 0) continue;
    const cols = a.ids.length > 0 ? a.values.length / a.ids.length : b.ids.length > 0 ? b.values.length / b.ids.length : 0;
    const ids = new Int32Array(a.ids.length + extra.length);
    const values = new Float32Array(ids.length * cols);
    ids.set(a.ids);
    values.set(a.values);
    extra.forEach((k, i) => {
      ids[a.ids.length + i] = b.ids[k];
      values.set(b.values.subarray(k * cols, (k + 1) * cols), (a.ids.length + i) * cols);
    });
    tensors.set(name, { rows: a.rows, ids, values });
  }
  return { ...first, tensors };
}
