/**
 * Deletion from an open-addressing table with linear probing, laid out as `stride` int32s per slot
 * with the hash first and the id second (id -1: empty). The vocabulary's word index (2 per slot)
 * and the featurizer kernel's (4 per slot) both drop a rejected update's words this way.
 */

/**
 * Deletes the entry holding `id` (whose hash is `hash`) by backward shift: each later entry of its
 * probe run moves into the gap unless its home slot lies cyclically after the gap, so every run
 * stays unbroken whatever order the entries went in. Returns false when `id` is not in the table.
 */
export function deleteEntry(slots: Int32Array, stride: number, hash: number, id: number): boolean {
  const mask = slots.length / stride - 1;
  let gap = hash & mask;
  while (slots[stride * gap + 1] !== id) {
    if (slots[stride * gap + 1] < 0) return false;
    gap = (gap + 1) & mask;
  }
  for (let j = (gap + 1) & mask; slots[stride * j + 1] >= 0; j = (j + 1) & mask) {
    const home = slots[stride * j] & mask;
    // Stays when its home is in (gap, j], cyclically: moving it before its home would hide it.
    const stays = gap <= j ? home > gap && home <= j : home > gap || home <= j;
    if (stays) continue;
    slots.copyWithin(stride * gap, stride * j, stride * j + stride);
    gap = j;
  }
  slots[stride * gap + 1] = -1;
  return true;
}
