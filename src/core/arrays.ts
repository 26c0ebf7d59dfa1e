/**
 * Array helpers for long-lived small lists, which are kept at exact size (an array grown by `push`
 * reserves 17 slots).
 */

/** A new exact-size array: `list` with `v` inserted before index `idx` (`idx` = length appends). */
export function withInserted<T>(list: readonly T[], idx: number, v: T): T[] {
  const out = new Array<T>(list.length + 1);
  for (let i = 0; i < idx; i++) out[i] = list[i]!;
  out[idx] = v;
  for (let i = idx; i < list.length; i++) out[i + 1] = list[i]!;
  return out;
}
