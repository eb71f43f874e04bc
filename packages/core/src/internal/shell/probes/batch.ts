/**
 * The one batching rule of probe scripts, shared by the `tend_files` and
 * `tend_units` calls and by the split of calls into scripts: each of them has
 * a byte budget (an argument or script limit), not a count.
 */

/**
 * Splits `items`, in order, into runs whose bytes (`startBytes` plus
 * `bytesOf` of each item) stay within `limit`. An item that alone passes the
 * limit still gets a run of its own rather than being dropped: the caller's
 * limit is a margin below the hard one, and a lone oversized call is better
 * tried than lost. No run is empty.
 */
export const batchByBytes = <A>(
  items: readonly A[],
  bytesOf: (item: A) => number,
  limit: number,
  startBytes = 0,
): A[][] => {
  const batches: A[][] = [];
  let cur: A[] = [];
  let size = startBytes;
  for (const item of items) {
    const n = bytesOf(item);
    if (cur.length > 0 && size + n > limit) {
      batches.push(cur);
      cur = [];
      size = startBytes;
    }
    cur.push(item);
    size += n;
  }
  if (cur.length > 0) batches.push(cur);
  return batches;
};

/** A line of a probe script and the frames (by index) it prints. */
export interface ScriptCall {
  readonly text: string;
  readonly frames: readonly number[];
}
