/**
 * Which parameters may change: per tensor, all rows (true), none (false), or a row mask. The
 * optimizer step consults it, so an update can touch only new rows, only the head, and so on.
 */
export type RowMask = boolean | Uint8Array;

export interface Selection {
  readonly input: RowMask;
  readonly hidden: boolean;
  readonly output: RowMask;
}

export const SELECT_ALL: Selection = Object.freeze({ input: true, hidden: true, output: true });

export function rowAllowed(mask: RowMask, row: number): boolean {
  return mask === true || (mask !== false && mask[row] === 1);
}
