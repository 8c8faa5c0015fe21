/**
 * Loops instead of spreading into a call. `push(...items)`, `maxOf(values)` and
 * `String.fromCharCode(...codes)` put every element on the stack and throw RangeError past
 * ~100k elements, and evidence decides how many there are (docs/hostile-input.md). The lint
 * rule `no-restricted-syntax` (eslint.config.js) forbids the spread form.
 */

/** Appends every item to `target` (the bounded `target.push(...items)`). */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** Math.min over an array of any length: Infinity when empty, NaN when any value is NaN. */
export function minOf(values: readonly number[]): number {
  let min = Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) return NaN;
    if (v < min) min = v;
  }
  return min;
}

/** Math.max over an array of any length: -Infinity when empty, NaN when any value is NaN. */
export function maxOf(values: readonly number[]): number {
  let max = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) return NaN;
    if (v > max) max = v;
  }
  return max;
}

/** UTF-16 code units to a string, one at a time (the bounded `String.fromCharCode(...codes)`). */
export function fromCharCodes(codes: readonly number[]): string {
  let out = '';
  for (const c of codes) out += String.fromCharCode(c);
  return out;
}
