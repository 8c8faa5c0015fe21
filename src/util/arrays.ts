/**
 * Array helpers for lists whose length the evidence decides. Spreading such a list into call
 * arguments (`push(...rows)`, `Math.max(...times)`, `String.fromCharCode(...codes)`, `apply`)
 * puts every element on the stack and dies with "Maximum call stack size exceeded" above about
 * 120,000 elements (issue 17: a scan with 34,000 findings crashed on its timeline rows).
 * These loop instead; use them wherever the length is not a small constant.
 */

/** Appends every item to `into` (in order) and returns `into`. */
export function pushAll<T>(into: T[], items: Iterable<T>): T[] {
  for (const item of items) into.push(item);
  return into;
}

/** The largest number, or -Infinity for none (as Math.max() gives). */
export function maxOf(values: Iterable<number>): number {
  let max = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) return NaN;
    if (v > max) max = v;
  }
  return max;
}

/** The smallest number, or Infinity for none (as Math.min() gives). */
export function minOf(values: Iterable<number>): number {
  let min = Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) return NaN;
    if (v < min) min = v;
  }
  return min;
}
