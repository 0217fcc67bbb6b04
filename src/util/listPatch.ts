/**
 * What changed between two versions of a list, as a recipe that builds the new list from the old
 * one: runs of old items kept in place (as index ranges) and new items written out. A replay
 * memory of 50,000 examples that an update changes by a few dozen costs a few dozen items and a
 * few ranges, not the whole list. Items are matched by a key (equal keys: interchangeable items).
 */

/** A run of the old list, [from, to), or new items. */
export type ListStep<T> = { keep: [number, number] } | { add: T[] };

export interface ListPatch<T> {
  /** Length of the list the patch applies to: a check that it is applied to the right one. */
  from: number;
  steps: ListStep<T>[];
}

/**
 * The recipe that makes `after` out of `before` (items matched by `key`, each old item used once).
 * Without `key` items match by identity: the cheapest when both lists hold the same objects.
 */
export function diffList<T>(before: readonly T[], after: readonly T[], key: (item: T) => unknown = (item) => item): ListPatch<T> {
  const positions = new Map<unknown, number[]>();
  before.forEach((item, i) => {
    const k = key(item);
    const list = positions.get(k);
    if (list) list.push(i);
    else positions.set(k, [i]);
  });
  const next = new Map<unknown, number>();
  const steps: ListStep<T>[] = [];
  for (const item of after) {
    const k = key(item);
    const list = positions.get(k);
    const at = next.get(k) ?? 0;
    const last = steps[steps.length - 1];
    if (list && at < list.length) {
      // Take the first unused old occurrence; extend the current run when it follows on.
      const i = list[at];
      next.set(k, at + 1);
      if (last && 'keep' in last && last.keep[1] === i) last.keep[1] = i + 1;
      else steps.push({ keep: [i, i + 1] });
    } else if (last && 'add' in last) {
      last.add.push(item);
    } else {
      steps.push({ add: [item] });
    }
  }
  return { from: before.length, steps };
}

/** Builds the new list from `before` (throws RangeError when the patch was made for another list). */
export function applyList<T>(before: readonly T[], patch: ListPatch<T>): T[] {
  if (patch.from !== before.length) throw new RangeError(`the list patch was made for a list of ${patch.from} items, not ${before.length}`);
  const out: T[] = [];
  for (const step of patch.steps) {
    if ('add' in step) {
      for (const item of step.add) out.push(item);
      continue;
    }
    const [from, to] = step.keep;
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from < to && to <= before.length)) throw new RangeError(`the list patch keeps items [${from}, ${to}) of a list of ${before.length}`);
    for (let i = from; i < to; i++) out.push(before[i]);
  }
  return out;
}

/** Items the patch writes out (its cost), for reports. */
export function addedCount<T>(patch: ListPatch<T>): number {
  return patch.steps.reduce((n, s) => n + ('add' in s ? s.add.length : 0), 0);
}
